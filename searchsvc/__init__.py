"""Full-text search for a Vietnamese news archive."""

__version__ = "0.1.0"
