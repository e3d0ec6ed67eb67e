"""Rows for spreadsheets: the export columns of a hit, CSV text safe to open in Excel.

Article text is untrusted: a cell that a spreadsheet would read as a formula (starting with
= + - @, a tab or a carriage return) gets a leading apostrophe, which Excel and LibreOffice
show as text and do not display. CSV comes as UTF-8 text with an optional byte-order mark
(Excel on Windows reads UTF-8 only with one) and CRLF line ends.
"""

from __future__ import annotations

import csv
import html
import io
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from searchsvc.searching.values import Hit

BOM = "\ufeff"
HIT_FIELDS = (
    "id",
    "published",
    "category",
    "title",
    "url",
    "permalink",
    "score",
    "documents",
    "snippet",
)
_TAG = re.compile(r"<[^>]*>")
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def plain(snippet: str) -> str:
    """Return a snippet as plain text (marks removed, entities decoded)."""
    return html.unescape(_TAG.sub("", snippet))


def hit_row(hit: Hit, permalink: str) -> dict[str, Any]:
    """Return the export row of one hit; `permalink` is the article page's URL or path."""
    return {
        "id": hit.id,
        "published": hit.published,
        "category": hit.category,
        "title": hit.title,
        "url": hit.url,
        "permalink": permalink,
        "score": hit.score,
        "documents": "; ".join(hit.documents),
        "snippet": plain(hit.snippet),
    }


def safe_cell(value: object) -> object:
    """Return a value for a CSV cell: numbers as they are, text that could be a formula quoted."""
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, int | float):
        text = str(value)
        return "'" + text if text.startswith(_FORMULA) else text
    return value


def csv_lines(
    rows: Iterable[Mapping[str, Any]], fields: Sequence[str], bom: bool = True
) -> Iterator[str]:
    """Yield CSV text a row at a time (header first), every cell guarded by `safe_cell`."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(fields)
    yield (BOM if bom else "") + _take(buffer)
    for row in rows:
        writer.writerow([safe_cell(row.get(name)) for name in fields])
        yield _take(buffer)


def _take(buffer: io.StringIO) -> str:
    """Return what the buffer holds and empty it."""
    out = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return out
