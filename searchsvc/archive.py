"""Read archive sources (scraped pages, JSON Lines) into Article values.

CONTRACT STUB by the coordinator: the archive owner implements it. Knows nothing of the index.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path


@dataclass(frozen=True)
class Article:
    """One article as the indexer sees it."""

    id: str
    title: str
    body: str
    published: datetime | None = None
    category: str | None = None
    url: str | None = None
    views: int | None = None
    source: str = ""


@dataclass(frozen=True)
class Rejection:
    """A file or record that could not be read, with a reason a staff member understands."""

    path: str
    reason: str
    line: int | None = None
    warning: bool = False


def sample_archive() -> Path:
    """Return the directory of the bundled sample archive."""
    return Path(__file__).parent / "sample"


def read_sources(
    sources: Iterable[str | Path],
    on_reject: Callable[[Rejection], None] | None = None,
) -> Iterator[Article]:
    """Yield every readable article of the sources; report each rejection through on_reject."""
    raise NotImplementedError
