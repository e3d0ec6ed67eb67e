"""Turn query-string parameters into a SearchRequest, naming the parameter of any mistake.

Plain Python on a mapping of strings, so it is testable without a request.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from datetime import date

from searchsvc.searching import (
    MAX_PAGE,
    MAX_PER_PAGE,
    MAX_YEAR,
    MIN_YEAR,
    SORTS,
    BadParameter,
    SearchRequest,
    empty_range,
    parse_date,
    parse_number,
)

# The limits and the date rule are the core's (searching.values), shared with the command line.
__all__ = ["MAX_YEAR", "MIN_YEAR", "empty_range", "parse_date", "parse_int", "parse_search"]

ID_PATTERN = r"^[A-Za-z0-9._-]{1,200}$"  # the ids searchsvc.archive gives articles
MAX_SUGGEST = 10


def parse_int(args: Mapping[str, str], name: str, low: int, high: int) -> int | None:
    """Return an integer parameter within [low, high], or None when absent."""
    raw = args.get(name)
    return None if raw is None else parse_number(name, raw, low, high)


def _optional_date(args: Mapping[str, str], name: str) -> date | None:
    """Return a date parameter, or None when absent."""
    raw = args.get(name)
    return None if raw is None else parse_date(raw, name)


def _month_range(year: int | None, month: int | None) -> tuple[date | None, date | None]:
    """Return the first and last day of a month filter; a month without a year is ignored."""
    if month is None or year is None:
        return None, None
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def _text(args: Mapping[str, str], name: str) -> str | None:
    """Return a stripped free-text parameter, None when empty (the URL limit bounds its size)."""
    return (args.get(name) or "").strip() or None


def parse_search(args: Mapping[str, str]) -> SearchRequest:
    """Build a SearchRequest from q, page, per_page, category, year, month, from, to, sort,
    doc_type and issuer.

    Strict: an empty number, date or sort is an error (the page drops empty fields first).
    Combinations are not errors: `from` after `to` is an empty range, `month` needs `year`.
    """
    sort = args.get("sort", "relevance")
    if sort not in SORTS:
        raise BadParameter("sort", f" phải là một trong: {', '.join(SORTS)}.")
    year = parse_int(args, "year", MIN_YEAR, MAX_YEAR)
    month_from, month_to = _month_range(year, parse_int(args, "month", 1, 12))
    date_from, date_to = _optional_date(args, "from"), _optional_date(args, "to")
    if month_from and month_to:
        date_from = max(date_from, month_from) if date_from else month_from
        date_to = min(date_to, month_to) if date_to else month_to
    return SearchRequest(
        query=_text(args, "q") or "",
        page=parse_int(args, "page", 1, MAX_PAGE) or 1,
        per_page=parse_int(args, "per_page", 1, MAX_PER_PAGE) or 10,
        category=_text(args, "category"),
        year=year,
        date_from=date_from,
        date_to=date_to,
        sort=sort,
        doc_type=_text(args, "doc_type"),
        issuer=_text(args, "issuer"),
    )
