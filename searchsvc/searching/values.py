"""The values that cross the search stage: what a caller asks for and what it gets back.

Both `search.py` and `spelling.py` use them; neither imports the other for them. The checks
of a request's parameters live here too, so the web and the command line refuse the same
values with the same words.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date

from searchsvc.errors import BadRequest

SORTS = ("relevance", "newest", "oldest")
MAX_PER_PAGE = 100
MAX_PAGE = 1000
MIN_YEAR, MAX_YEAR = 1900, 2100
_DIGITS = re.compile(r"^[0-9]{1,9}$")
_ISO = re.compile(r"^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})$")
_DMY = re.compile(r"^([0-9]{1,2})[/.-]([0-9]{1,2})[/.-]([0-9]{4})$")


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


class BadParameter(BadRequest):
    """A parameter the caller can fix; each shell names it as its users know it.

    `name` is the parameter's API name (`year`, `from`); `problem` is the rest of the
    sentence, so `named("“Năm”")` or `named("--year")` reads as a whole message.
    """

    def __init__(self, name: str, problem: str) -> None:
        super().__init__(f"Tham số '{name}'{problem}")
        self.name = name
        self.problem = problem

    def named(self, label: str) -> str:
        """Return the message with the parameter called `label`."""
        return f"{label}{self.problem}"


def parse_number(name: str, value: int | str, low: int, high: int) -> int:
    """Return a whole number within [low, high] from an int or decimal digits; else BadParameter."""
    text = str(value)
    number = int(text) if _DIGITS.match(text) else None
    if number is None or not low <= number <= high:
        raise BadParameter(
            name, f" phải là số nguyên từ {low} đến {high} (nhận được: {text[:20]!r})."
        )
    return number


def parse_date(raw: str, name: str = "date") -> date:
    """Parse an ISO (2023-03-09) or Vietnamese (09/03/2023, 9-3-2023, 9.3.2023) date."""
    iso, dmy = _ISO.match(raw), _DMY.match(raw)
    try:
        if iso:
            return date(int(iso[1]), int(iso[2]), int(iso[3]))
        if dmy:
            return date(int(dmy[3]), int(dmy[2]), int(dmy[1]))
    except ValueError:
        raise BadParameter(name, f": ngày {raw[:20]!r} không tồn tại.") from None
    raise BadParameter(
        name, f" phải là ngày dạng YYYY-MM-DD hoặc DD/MM/YYYY (nhận được: {raw[:20]!r})."
    )


NO_DAYS = "Khoảng thời gian trống: ngày bắt đầu ở sau ngày kết thúc."


def empty_range(request: SearchRequest) -> bool:
    """Return whether the date filters leave no day at all (from after to)."""
    return bool(request.date_from and request.date_to and request.date_from > request.date_to)


def validate(request: SearchRequest) -> None:
    """Raise BadParameter for a parameter a caller can fix; the one check of both shells.

    `from` after `to` is no error: the range holds no day, so nothing matches.
    """
    parse_number("page", request.page, 1, MAX_PAGE)
    parse_number("per_page", request.per_page, 1, MAX_PER_PAGE)
    if request.sort not in SORTS:
        raise BadParameter("sort", f" phải là một trong: {', '.join(SORTS)}.")
    if request.year is not None:
        parse_number("year", request.year, MIN_YEAR, MAX_YEAR)
    if not isinstance(request.query, str):
        raise BadParameter("q", " phải là văn bản.")
