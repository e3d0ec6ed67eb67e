"""The values that cross the search stage: what a caller asks for and what it gets back.

Both `search.py` and `spelling.py` use them; neither imports the other for them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime

from searchsvc.errors import BadRequest

SORTS = ("relevance", "newest", "oldest")
MAX_PER_PAGE = 100
MAX_PAGE = 1000


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
    doc_type: str | None = None  # articles citing a document of this kind (KH, Kế hoạch)
    issuer: str | None = None  # articles citing a document of this issuer (UBND)


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
    documents: list[str] = field(default_factory=list)  # numbers of the documents it cites


@dataclass(frozen=True)
class FacetValue:
    """A facet value and how many matching articles carry it."""

    value: str
    count: int
    label: str | None = None  # a name for a code (KH: Kế hoạch), where the value is one


@dataclass(frozen=True)
class Period:
    """A month or year typed in the query (`tháng 3/2023`, `năm 2022`), read as a time filter.

    `applied` is false when no matching article was published then: its words were searched
    as text instead. `without` is the query with the period's words taken out.
    """

    label: str
    start: str  # ISO date of the first day
    end: str  # ISO date of the last day
    applied: bool
    without: str


@dataclass(frozen=True)
class Understood:
    """How the query was read: what was searched, expansions, Telex, fallback, truncation."""

    searched: str
    telex: str | None = None
    expansions: list[str] = field(default_factory=list)
    fallback: bool = False
    excluded: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    period: Period | None = None


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


@dataclass(frozen=True)
class Matches:
    """Every match of a search, in order: counted at once, hits read as the stream reaches them."""

    total: int  # every match, even beyond the limit asked for
    partial: bool  # the time budget ran out: the matches may be incomplete
    understood: Understood
    hits: Iterator[Hit]


def parse_date(value: str, name: str = "date") -> date:
    """Parse an ISO (2023-03-09) or DD/MM/YYYY date; raise BadRequest naming the parameter."""
    raw = (value or "").strip()
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            return datetime.strptime(raw, fmt).date()
        except ValueError:
            continue
    raise BadRequest(f"{name}: '{raw[:40]}' is not a date (use YYYY-MM-DD or DD/MM/YYYY)")


def validate(request: SearchRequest) -> None:
    """Raise BadRequest for parameters a caller can fix."""
    if not isinstance(request.page, int) or request.page < 1 or request.page > MAX_PAGE:
        raise BadRequest(f"page must be a whole number from 1 to {MAX_PAGE}")
    if not isinstance(request.per_page, int) or not 1 <= request.per_page <= MAX_PER_PAGE:
        raise BadRequest(f"per_page must be a whole number from 1 to {MAX_PER_PAGE}")
    if request.sort not in SORTS:
        raise BadRequest(f"sort must be one of {', '.join(SORTS)}")
    if request.year is not None and not 1 <= request.year <= 9999:
        raise BadRequest("year must be a year such as 2023")
    if request.date_from and request.date_to and request.date_from > request.date_to:
        raise BadRequest("from must not be after to")
    if not isinstance(request.query, str):
        raise BadRequest("q must be text")
