"""Read JSON Lines archives (`.jsonl`, `.jsonl.gz`) into Articles, one record a line.

`id` and `body` are required; `title`, `date` or `published`, `category`, `url` and `views` are
optional; other fields are ignored. Records are read in a stream, each line at most
MAX_ARTICLE_BYTES, so a file of any size reads in constant memory; a compressed file is
stopped after `decompressed_limit` bytes.
"""

from __future__ import annotations

import gzip
import io
import json
import re
import zlib
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from searchsvc.archive.article import (
    MAX_ARTICLE_BYTES,
    TZ,
    Article,
    Rejection,
    Unreadable,
    clean,
    clean_checked,
    mb,
    os_reason,
    unescape,
)
from searchsvc.archive.lines import TooMuchData, numbered_lines

DERIVED_TITLE_CHARS = 120
# A .jsonl.gz may unpack to RATIO_LIMIT times its size (text compresses 3-5 times; a gzip
# bomb, 1,000 times), never less than 64 MiB, never more than 4 GiB.
RATIO_LIMIT = 100
MIN_DECOMPRESSED_LIMIT = 64 << 20
MAX_DECOMPRESSED_BYTES = 4 << 30

_ID = re.compile(r"[A-Za-z0-9._-]{1,200}")


def read_jsonl(path: Path) -> Iterator[Article | Rejection]:
    """Yield the articles and rejections of a JSON Lines file, plain or gzip-compressed."""
    where = str(path)
    number = 0
    try:
        with _open_jsonl(path) as stream:
            lines = numbered_lines(stream, MAX_ARTICLE_BYTES, decompressed_limit(path))
            for count, (number, raw) in enumerate(lines):
                if count == 0 and raw is not None and b"\x00" in raw:
                    reason = "not UTF-8 JSON Lines (NUL bytes: UTF-16 or a binary file)"
                    yield Rejection(where, reason, number)
                    return
                if raw is None:
                    yield Rejection(where, f"line longer than {mb(MAX_ARTICLE_BYTES)}", number)
                else:
                    yield from _read_record(raw, where, number)
    except TooMuchData as exc:
        reason = (
            f"stopped after {mb(exc.limit)} of uncompressed data (at most "
            f"{RATIO_LIMIT} times the compressed size, and {mb(MAX_DECOMPRESSED_BYTES)}): "
            "the rest of the file is skipped"
        )
        yield Rejection(where, reason, number or None)
    except (OSError, EOFError, zlib.error) as exc:
        after = f" after line {number}" if number else ""
        reason = f"cannot read the file{after}: {_io_reason(exc, path)}"
        yield Rejection(where, reason, number or None)


def _open_jsonl(path: Path) -> io.BufferedIOBase:
    """Open a JSON Lines file for reading bytes, decompressing .gz files."""
    if path.name.endswith(".gz"):
        return gzip.open(path, "rb")
    return path.open("rb")


def _io_reason(exc: BaseException, path: Path) -> str:
    """Return a plain reason for an error while reading a JSON Lines file."""
    if isinstance(exc, gzip.BadGzipFile | EOFError | zlib.error):
        return f"damaged gzip data ({exc})"
    if isinstance(exc, OSError):
        return os_reason(exc, path)
    return str(exc)


def decompressed_limit(path: Path) -> int | None:
    """Return how many bytes a .gz file may give: RATIO_LIMIT times its size, within bounds."""
    if not path.name.endswith(".gz"):
        return None
    try:
        size = path.stat().st_size
    except OSError:
        size = 0
    return min(MAX_DECOMPRESSED_BYTES, max(MIN_DECOMPRESSED_LIMIT, RATIO_LIMIT * size))


def _read_record(raw: bytes, where: str, number: int) -> Iterator[Article | Rejection]:
    """Yield the article of one JSON Lines record and its warnings, or its rejection."""
    try:
        record = json.loads(raw.removeprefix(b"\xef\xbb\xbf").rstrip(b"\r\n"))
    except UnicodeDecodeError as exc:
        yield Rejection(where, f"not valid UTF-8 (at byte {exc.start})", number)
        return
    except RecursionError:
        yield Rejection(where, "not a record: JSON nested too deeply", number)
        return
    except json.JSONDecodeError as exc:
        yield Rejection(where, f"not valid JSON: {_json_problem(exc)}", number)
        return
    except ValueError as exc:
        yield Rejection(where, f"not valid JSON: {exc}", number)
        return
    warnings: list[str] = []
    try:
        article = record_article(record, f"{where}:{number}", warnings)
    except Unreadable as exc:
        yield Rejection(where, str(exc), number)
        return
    yield from (Rejection(where, w, number, warning=True) for w in warnings)
    yield article


def _json_problem(exc: json.JSONDecodeError) -> str:
    """Return what the decoder found wrong and where in the line (the file's line is apart)."""
    # The decoder's own "line 2 column 1 (char 57)" counts within the record, not the file.
    end = ", the end of the line" if exc.pos >= len(exc.doc) else ""
    return f"{exc.msg.removesuffix(' at')} at column {exc.colno}{end}"


def record_article(record: Any, source: str, warnings: list[str]) -> Article:
    """Return the article of one decoded JSON record; add oddities to warnings; raise Unreadable."""
    if not isinstance(record, dict):
        raise Unreadable(f"not a JSON object but {type(record).__name__}")
    article_id = _record_id(record.get("id"))
    body = record.get("body")
    if not isinstance(body, str) or not body or body.isspace():
        raise Unreadable("no body: 'body' is missing, empty or not a string")
    body = unescape(clean_checked(body)).strip()
    if not body:
        raise Unreadable("no body: 'body' has no text")
    title = _optional_text(record, "title", warnings)
    title = None if title is None else unescape(title)
    date_field = "published" if record.get("published") is not None else "date"
    return Article(
        id=article_id,
        title=title if title else _first_sentence(body),
        body=body,
        published=_record_date(record.get(date_field), date_field, warnings),
        category=_optional_text(record, "category", warnings),
        url=_record_url(record.get("url"), warnings),
        views=_record_views(record.get("views"), warnings),
        source=source,
        title_derived=not title,
    )


def _record_id(value: Any) -> str:
    """Return a record's id as a string, or raise Unreadable."""
    if value is None:
        raise Unreadable("no id: 'id' is missing or null")
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise Unreadable(f"id must be a string or an integer, not {type(value).__name__}")
    article_id = str(value)
    if not _ID.fullmatch(article_id):
        shown = article_id if len(article_id) <= 60 else article_id[:60] + "…"
        raise Unreadable(f"id {shown!r} must be 1-200 characters of A-Z, a-z, 0-9, '.', '_', '-'")
    return article_id


def _optional_text(record: dict[str, Any], name: str, warnings: list[str]) -> str | None:
    """Return an optional text field, cleaned, or None (with a warning when it is not text)."""
    value = record.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        warnings.append(f"'{name}' is not text ({type(value).__name__}): ignored")
        return None
    return " ".join(clean(value).split()) or None


def _first_sentence(body: str) -> str:
    """Return the body's first sentence, cut at a word near DERIVED_TITLE_CHARS, as a title."""
    first = body.split("\n", 1)[0].strip()
    match = re.search(r"[.!?…](?=\s|$)", first)
    if match is not None:
        first = first[: match.start()]
    if len(first) <= DERIVED_TITLE_CHARS:
        return first
    cut = first.rfind(" ", 0, DERIVED_TITLE_CHARS)
    return first[: cut if cut > 0 else DERIVED_TITLE_CHARS].rstrip(" ,;:-") + "…"


def _record_date(value: Any, name: str, warnings: list[str]) -> datetime | None:
    """Return the publication time of a record's date value, or None with a warning."""
    if value is None:
        return None
    if isinstance(value, str):
        parsed = parse_date(value)
        if parsed is not None:
            return parsed
    warnings.append(f"'{name}' {value!r} is not a date (ISO or DD/MM/YYYY); published left empty")
    return None


_DMY = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})(?:[ T,]+(\d{1,2})[:h](\d{2}))?")


def parse_date(value: str) -> datetime | None:
    """Return an ISO date or datetime or DD/MM/YYYY [HH:MM] as Hà Nội time, or None."""
    value = value.strip()
    match = _DMY.fullmatch(value)
    try:
        if match is not None:
            day, month, year, hour, minute = (int(g) if g else 0 for g in match.groups())
            return datetime(year, month, day, hour, minute, tzinfo=TZ)
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed.replace(tzinfo=TZ) if parsed.tzinfo is None else parsed.astimezone(TZ)


def _record_url(value: Any, warnings: list[str]) -> str | None:
    """Return an http(s) or site-relative URL, or None with a warning for anything else."""
    if value is None or value == "":
        return None
    if isinstance(value, str) and re.match(r"(?:https?://|/(?!/))[^\s<>\"]*\Z", value.strip()):
        return value.strip()
    warnings.append(f"'url' {str(value)[:80]!r} is not an http(s) or site address: ignored")
    return None


def _record_views(value: Any, warnings: list[str]) -> int | None:
    """Return a non-negative view count, or None with a warning for anything else."""
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    warnings.append(f"'views' {value!r} is not a count: ignored")
    return None
