"""Query understanding, ranking, facets and snippets, returning plain values.

CONTRACT STUB by the coordinator: the search owner implements it. The web layer and the
CLI only present these values. Never imports flask or click.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path


@dataclass(frozen=True)
class SearchRequest:
    """What a caller asks for; `query` is raw user text."""

    query: str
    page: int = 1
    per_page: int = 10
    category: str | None = None
    year: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    sort: str = "relevance"  # relevance | newest | oldest


@dataclass(frozen=True)
class Hit:
    """One result: `snippet` is HTML-safe with matches in <mark>."""

    id: str
    title: str
    url: str | None
    published: str | None  # ISO 8601, Asia/Ho_Chi_Minh local time
    category: str | None
    score: float
    snippet: str


@dataclass(frozen=True)
class FacetValue:
    """A facet value and how many matching articles carry it."""

    value: str
    count: int


@dataclass(frozen=True)
class Understood:
    """How the query was read: what was searched, expansions, Telex, fallback, truncation."""

    searched: str
    telex: str | None = None
    expansions: list[str] = field(default_factory=list)
    fallback: bool = False
    excluded: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class SearchResult:
    """Everything a results page needs."""

    query: str
    total: int
    page: int
    per_page: int
    hits: list[Hit]
    facets: dict[str, list[FacetValue]]
    understood: Understood
    did_you_mean: str | None
    took_ms: float
    partial: bool = False


class Searcher:
    """Answers searches against the live generation of an index directory; reloads on switch."""

    def __init__(self, index_dir: Path) -> None:
        self.index_dir = index_dir

    def search(self, request: SearchRequest) -> SearchResult:
        """Run one search."""
        raise NotImplementedError

    def suggest(self, prefix: str, limit: int = 10) -> list[str]:
        """Return completions for what a visitor is typing."""
        raise NotImplementedError

    def article(self, article_id: str) -> dict[str, object]:
        """Return the full stored article; raise NotFound for an unknown id."""
        raise NotImplementedError

    def stats(self) -> dict[str, object]:
        """Return documents, generation and built-at of the loaded index."""
        raise NotImplementedError
