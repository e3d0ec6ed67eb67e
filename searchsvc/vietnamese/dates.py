"""Dates as people write them: days, months and years in numbers or in words.

Public API (the schema indexes `day_terms`; query understanding uses `find`):

- `day_terms(text)`: one normalized term (`2023-03-09`) for each full date a text writes,
  whatever the form: `9/3/2023`, `09/03/2023`, `9-3-2023`, `9.3.2023`, `2023-03-09`,
  `ngày 9 tháng 3 năm 2023`. Impossible dates (`31/02/2023`) give none.
- `find(text)`: the day, month (`tháng 3/2023`, `3/2023`, `tháng 3 năm 2023`) and year
  (`năm 2022`) mentions of a text, with their spans, as `Mention` values.
- `day_term(day)`: the term of one date.

Matching runs on the folded text (`fold` keeps offsets), so `thang 3/2023` and `tháng 3/2023`
read alike. Years outside 1900-2100 are not dates.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from searchsvc.vietnamese.text import fold

FIRST_YEAR, LAST_YEAR = 1900, 2100
_BEFORE = r"(?<![\w./,-])"
_AFTER = r"(?![\w/-]|[.,]\d)"
_DAY = re.compile(
    _BEFORE
    + r"(?:ngay\s+)?(?:"
    + r"(?P<d>\d{1,2})(?P<sep>[/.-])(?P<m>\d{1,2})(?P=sep)(?P<y>\d{4})"
    + r"|(?P<iy>\d{4})-(?P<im>\d{1,2})-(?P<id>\d{1,2})"
    + r"|(?P<wd>\d{1,2})\s+thang\s+(?P<wm>\d{1,2})\s*,?\s+nam\s+(?P<wy>\d{4})"
    + r")"
    + _AFTER
)
_MONTH = re.compile(
    _BEFORE
    + r"(?:thang\s+(?P<tm>\d{1,2})(?:\s*[/.-]\s*|\s+nam\s+)(?P<ty>\d{4})"
    + r"|(?P<m>\d{1,2})[/-](?P<y>\d{4}))"
    + _AFTER
)
_YEAR = re.compile(r"(?<![\w./-])nam\s+(?P<y>\d{4})" + _AFTER)


@dataclass(frozen=True)
class Mention:
    """A date, month or year written in a text: its span, kind, first and last day, label."""

    start: int
    end: int
    kind: str  # "day", "month" or "year"
    first: date
    last: date
    label: str


def day_term(day: date) -> str:
    """Return the index term of one date (ISO 8601)."""
    return day.isoformat()


def _date(year: str, month: str, day: str) -> date | None:
    """Return the date of three numbers, or None when it is no date of the calendar."""
    try:
        found = date(int(year), int(month), int(day))
    except ValueError:
        return None
    return found if FIRST_YEAR <= found.year <= LAST_YEAR else None


def _day_of(match: re.Match[str]) -> date | None:
    """Return the date a day pattern matched."""
    g = match.group
    if g("d"):
        return _date(g("y"), g("m"), g("d"))
    if g("iy"):
        return _date(g("iy"), g("im"), g("id"))
    return _date(g("wy"), g("wm"), g("wd"))


def day_terms(text: str) -> list[str]:
    """Return the terms of the full dates a (normalized) text writes, in order."""
    if not any(c.isdigit() for c in text):
        return []
    out = []
    for match in _DAY.finditer(fold(text)):
        day = _day_of(match)
        if day is not None:
            out.append(day_term(day))
    return out


def _month(year: int, month: int) -> tuple[date, date] | None:
    """Return the first and last day of a month, or None outside the calendar's range."""
    if not (1 <= month <= 12 and FIRST_YEAR <= year <= LAST_YEAR):
        return None
    first = date(year, month, 1)
    return first, (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)


def find(text: str) -> list[Mention]:
    """Return the day, month and year mentions of a normalized text, in order, never overlapping."""
    if not any(c.isdigit() for c in text):
        return []
    folded = fold(text)
    found: list[Mention] = []
    for match in _DAY.finditer(folded):
        day = _day_of(match)
        if day is not None:
            found.append(Mention(*match.span(), "day", day, day, f"ngày {day:%d/%m/%Y}"))
    for match in _MONTH.finditer(folded):
        m, y = match.group("tm") or match.group("m"), match.group("ty") or match.group("y")
        span = _month(int(y), int(m))
        if span is not None:
            found.append(Mention(*match.span(), "month", *span, f"tháng {int(m)}/{y}"))
    for match in _YEAR.finditer(folded):
        year = int(match.group("y"))
        if FIRST_YEAR <= year <= LAST_YEAR:
            first, last = date(year, 1, 1), date(year, 12, 31)
            found.append(Mention(*match.span(), "year", first, last, f"năm {year}"))
    return _apart(found)


def _apart(mentions: list[Mention]) -> list[Mention]:
    """Keep the mentions that overlap none found before them (days, then months, then years)."""
    kept: list[Mention] = []
    for m in mentions:
        if all(m.end <= k.start or m.start >= k.end for k in kept):
            kept.append(m)
    return sorted(kept, key=lambda m: m.start)
