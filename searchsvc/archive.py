"""Read archive sources (scraped pages, JSON Lines) into Article values; knows nothing of the index.

Rules the rest of the project can rely on:

- Sources are files or directories. Directories are walked recursively in sorted order; hidden
  files and directories (names starting with ".") are skipped; a symbolic link to a directory
  already being walked (a loop) is skipped with a warning; other files than `.txt`, `.jsonl` and
  `.jsonl.gz` are skipped with a warning.
- A scraped page (`.txt`) needs its `Ngày đăng DD/MM/YYYY | HH:MM | View count: N` line: it
  anchors the title (the nearest line before it) and the category (the nearest line before the
  title that is not a site menu item). A page without that line, or without a title before it,
  is rejected. An impossible date (31/02/2023) is read with a warning and `published=None`.
- A page's id is its path relative to the source root (a file given directly: its directory),
  without `.txt`. When that path has characters other than `A-Za-z0-9._-` (a sub-directory's
  `/`, accents, spaces), they become `-` (accents are transliterated) and `-` plus the first 8 hex
  digits of the SHA-1 of the relative path is appended, so ids stay unique, stable and URL-safe:
  `2023/Tây Hồ.txt` -> `2023-Tay-Ho-<hash>`.
- A JSON Lines record's id is `str(record["id"])`; it must be 1-200 characters of `A-Za-z0-9._-`.
  A null or missing title becomes the body's first sentence (at most 120 characters) and the
  article's `title_derived` is True. A date that cannot be read is a warning, not a rejection.
- Limits: a `.txt` file or a JSON Lines record over 2 MB (MAX_ARTICLE_BYTES) is rejected
  without being read whole; a line over 20,000 characters in a page is read with a warning.
- Every text field goes through `text.normalize`. Duplicate ids keep the first article; each
  later one is rejected with a reason naming the first one's source.
"""

from __future__ import annotations

import gzip
import hashlib
import html
import io
import json
import os
import re
import stat
import unicodedata
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from unidecode import unidecode

from searchsvc import text
from searchsvc.decode import NOT_VIETNAMESE, DecodeError, decode_bytes, garbled

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
MAX_ARTICLE_BYTES = 2_000_000
LONG_LINE_CHARS = 20_000
MAX_TITLE_CHARS = 1_000
DERIVED_TITLE_CHARS = 120


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
    title_derived: bool = False


@dataclass(frozen=True)
class Rejection:
    """A file or record that could not be read, with a reason a staff member understands.

    With `warning=True` the article was read anyway; the reason says what was odd about it.
    """

    path: str
    reason: str
    line: int | None = None
    warning: bool = False

    def __str__(self) -> str:
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        return f"{'warning' if self.warning else 'rejected'}: {where}: {self.reason}"


@dataclass
class ReadReport:
    """Counters of one read; `read == accepted + rejected` always holds."""

    read: int = 0
    accepted: int = 0
    rejected: int = 0
    warnings: int = 0
    duplicates: int = 0
    rejections: list[Rejection] = field(default_factory=list)


class Unreadable(ValueError):
    """An article that cannot be read; the message is the reason."""


_Item = Article | Rejection


def sample_archive() -> Path:
    """Return the directory of the bundled sample archive."""
    return Path(__file__).parent / "sample"


def read_sources(
    sources: Iterable[str | Path],
    on_reject: Callable[[Rejection], None] | None = None,
    report: ReadReport | None = None,
) -> Iterator[Article]:
    """Yield every readable article of the sources; report each rejection through on_reject.

    Warnings go through on_reject too (with `warning=True`). Pass a ReadReport to get counts.
    """
    report = ReadReport() if report is None else report
    first_source: dict[str, str] = {}
    for source in sources:
        for item in _read_source(Path(source)):
            if isinstance(item, Article) and item.id in first_source:
                report.duplicates += 1
                reason = f"duplicate id {item.id!r}: already read from {first_source[item.id]}"
                path, _, line = item.source.rpartition(":")
                item = (
                    Rejection(path, reason, int(line))
                    if line.isdigit() and path
                    else Rejection(item.source, reason)
                )
            if isinstance(item, Rejection):
                _count(report, item)
                if on_reject is not None:
                    on_reject(item)
                continue
            first_source[item.id] = item.source
            report.read += 1
            report.accepted += 1
            yield item


def _count(report: ReadReport, rejection: Rejection) -> None:
    """Add one rejection or warning to the report."""
    report.rejections.append(rejection)
    if rejection.warning:
        report.warnings += 1
    else:
        report.read += 1
        report.rejected += 1


def _read_source(source: Path) -> Iterator[_Item]:
    """Yield the articles and rejections of one source, a file or a directory."""
    try:
        info = source.stat()
    except OSError as exc:
        yield Rejection(str(source), _os_reason(exc, source))
        return
    if stat.S_ISDIR(info.st_mode):
        yield from _walk(source, source, {_key(info)})
    elif source.name.endswith((".jsonl", ".jsonl.gz", ".txt")):
        yield from _read_file(source, source.parent, info)
    else:
        yield Rejection(str(source), "unknown kind of file: expected .txt, .jsonl or .jsonl.gz")


def _key(info: os.stat_result) -> tuple[int, int]:
    """Return the identity of a file or directory (device, inode)."""
    return (info.st_dev, info.st_ino)


def _os_reason(exc: OSError, path: Path) -> str:
    """Return a plain reason for an operating-system error on a path."""
    if path.is_symlink() and not path.exists():
        return f"broken symbolic link (points to {os.readlink(path)})"
    if exc.errno is not None and exc.errno == 40:  # ELOOP
        return "symbolic link loop"
    return exc.strerror or str(exc)


def _walk(directory: Path, root: Path, active: set[tuple[int, int]]) -> Iterator[_Item]:
    """Yield the items of a directory tree in sorted order, skipping hidden names and loops."""
    try:
        entries = sorted(os.scandir(directory), key=lambda e: e.name)
    except OSError as exc:
        yield Rejection(str(directory), f"cannot list directory: {_os_reason(exc, directory)}")
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue
        path = Path(entry.path)
        try:
            info = path.stat()
        except OSError as exc:
            yield Rejection(str(path), _os_reason(exc, path))
            continue
        if stat.S_ISDIR(info.st_mode):
            if _key(info) in active:
                yield Rejection(str(path), "symbolic link loop: directory skipped", warning=True)
                continue
            yield from _walk(path, root, active | {_key(info)})
        elif entry.name.endswith((".jsonl", ".jsonl.gz", ".txt")):
            yield from _read_file(path, root, info)
        else:
            reason = "skipped: not a .txt, .jsonl or .jsonl.gz file"
            yield Rejection(str(path), reason, warning=True)


def _read_file(path: Path, root: Path, info: os.stat_result) -> Iterator[_Item]:
    """Yield the items of one regular file."""
    if not stat.S_ISREG(info.st_mode):
        yield Rejection(str(path), "not a regular file (a pipe, socket or device)")
    elif path.name.endswith(".txt"):
        yield from _read_page_file(path, root, info.st_size)
    else:
        yield from _read_jsonl(path)


# --- scraped pages -------------------------------------------------------------------------

_NAVIGATION = frozenset(
    text.fold(item)
    for item in (
        "Tìm kiếm", "Album Ảnh", "Album ảnh", "Video", "Video clip", "Các chuyên mục",
        "Chuyên mục", "Trang chủ", "Liên hệ", "Sơ đồ cổng", "Sơ đồ site", "Sơ đồ trang",
        "Đăng nhập", "Đăng ký", "Hỏi đáp", "Góp ý", "English", "Tiếng Việt", "Menu", "Bản in",
        "In bài viết", "Gửi email", "Chia sẻ", "Quay lại", "Về đầu trang", "Tin liên quan",
        "Tin khác", "Các tin khác", "Tin mới", "Tin mới nhất", "Đọc nhiều", "Xem nhiều",
        "Lịch công tác", "Thư điện tử", "Cổng thông tin điện tử",
    )
)  # fmt: skip
_DATE_LINE = re.compile(
    r"ngay dang\s*:?\s*(\d{1,2})\s*/\s*(\d{1,2})\s*/\s*(\d{4})"
    r"(?:\s*\|?\s*(\d{1,2})\s*[:h]\s*(\d{2}))?"
    r"(?:.*?(?:view count|luot xem)\s*:?\s*(\d[\d.,]*))?"
)
# A trailing code or signature line: the writer's unit ("BTGQU", "PV", "P.GD&ĐT", "Quận đoàn").
_CODE_LINE = re.compile(r"[A-ZĐ][^\s.!?:;…”\"]*(?:[ .&/-]+[^\s!?:;…”\"]+){0,3}")
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


def _read_page_file(path: Path, root: Path, size: int) -> Iterator[_Item]:
    """Yield the article of one scraped page file, its warnings, or its rejection."""
    where = str(path)
    if size > MAX_ARTICLE_BYTES:
        yield Rejection(where, f"file is {_mb(size)}; one article may be at most 2 MB")
        return
    try:
        data = path.read_bytes()
        decoded = decode_bytes(data)
        article, warnings = parse_page(decoded.text, page_id(path, root), where)
    except OSError as exc:
        yield Rejection(where, _os_reason(exc, path))
        return
    except (DecodeError, Unreadable) as exc:
        yield Rejection(where, str(exc))
        return
    if decoded.warning:
        warnings.insert(0, decoded.warning)
    yield from (Rejection(where, w, warning=True) for w in warnings)
    yield article


def _mb(size: int) -> str:
    """Return a size in megabytes for a message."""
    return f"{size / 1_000_000:.1f} MB"


def page_id(path: Path, root: Path) -> str:
    """Return the stable, URL-safe id of a page file from its path relative to the source root."""
    relative = path.relative_to(root).as_posix() if path != root else path.name
    stem = relative.removesuffix(".txt")
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", unidecode(text.normalize(stem))).strip("-.")[:80]
    if slug == stem:
        return slug
    digest = hashlib.sha1(relative.encode("utf-8")).hexdigest()[:8]
    return f"{slug}-{digest}" if slug else f"page-{digest}"


def parse_page(page: str, article_id: str, source: str) -> tuple[Article, list[str]]:
    """Return the article of a scraped page's text and its warnings, or raise Unreadable."""
    lines = [line.strip() for line in _unescape(clean(page)).splitlines()]
    at, match = _find_date_line(lines)
    title_at = _previous(lines, at)
    if title_at is None or _is_navigation(lines[title_at]):
        raise Unreadable("no title: nothing but site navigation before the 'Ngày đăng' line")
    title = lines[title_at]
    if len(title) > MAX_TITLE_CHARS:
        raise Unreadable(f"the line before 'Ngày đăng' has {len(title):,} characters: not a title")
    category_at = _previous(lines, title_at, skip_navigation=True)
    warnings: list[str] = []
    published = _page_date(match, warnings)
    body_lines = _body_lines(lines[at + 1 :])
    warnings.extend(_long_lines(lines))
    if not body_lines:
        warnings.append("no body text after the 'Ngày đăng' line")
    article = Article(
        id=article_id,
        title=title,
        body="\n\n".join(body_lines),
        published=published,
        category=None if category_at is None else lines[category_at],
        views=int(re.sub(r"\D", "", match.group(6))) if match.group(6) else None,
        source=source,
    )
    return article, warnings


def _find_date_line(lines: list[str]) -> tuple[int, re.Match[str]]:
    """Return the index and match of the first 'Ngày đăng' line, or raise Unreadable."""
    for at, line in enumerate(lines):
        if len(line) < 200 and "ng" in line[:4].lower():
            match = _DATE_LINE.match(text.fold(line))
            if match is not None:
                return at, match
    raise Unreadable(
        "no 'Ngày đăng DD/MM/YYYY' line: the page's date, title and category cannot be found"
    )


def _previous(lines: list[str], at: int, skip_navigation: bool = False) -> int | None:
    """Return the index of the nearest non-empty line before `at`, or None."""
    for index in range(at - 1, -1, -1):
        if lines[index] and not (skip_navigation and _is_navigation(lines[index])):
            return index
    return None


def _is_navigation(line: str) -> bool:
    """Tell whether a line is one of the site's menu items."""
    return len(line) < 60 and text.fold(line).strip(" >|»›/") in _NAVIGATION


def _page_date(match: re.Match[str], warnings: list[str]) -> datetime | None:
    """Return the publication time of a date-line match, or None with a warning."""
    day, month, year, hour, minute = (int(g) if g else 0 for g in match.groups()[:5])
    try:
        return datetime(year, month, day, hour, minute, tzinfo=TZ)
    except ValueError:
        shown = f"{day:02d}/{month:02d}/{year}"
        warnings.append(f"impossible date {shown} in the 'Ngày đăng' line; published left empty")
        return None


def _body_lines(lines: list[str]) -> list[str]:
    """Return the body paragraphs after the date line, without the trailing code line."""
    paragraphs = [line for line in lines if line]
    last = paragraphs[-1] if len(paragraphs) > 1 else ""
    if len(last) <= 30 and _CODE_LINE.fullmatch(last) and not last.endswith("."):
        paragraphs.pop()
    return paragraphs


def _long_lines(lines: list[str]) -> Iterator[str]:
    """Yield a warning for each line too long to be a paragraph."""
    for number, line in enumerate(lines, 1):
        if len(line) > LONG_LINE_CHARS:
            yield f"line {number} has {len(line):,} characters (over {LONG_LINE_CHARS:,})"


_TOUCHED = "\x00-\x08\x0b\x0e-\x1f\x7f\u00a0\u00ad\u1680\u2000-\u200d\u202f\u205f\u2060\u3000\ufeff"
_NEEDS_CLEANING = re.compile(f"[{_TOUCHED}]")
_NEEDS_A_LOOK = re.compile(f"[{_TOUCHED}{re.escape(NOT_VIETNAMESE)}]")


def clean(value: str) -> str:
    """Return text.normalize(value) without control characters, quickly when nothing changes."""
    if _NEEDS_CLEANING.search(value) is None and (
        value.isascii() or unicodedata.is_normalized("NFC", value)
    ):
        return value
    return _CONTROLS.sub("", text.normalize(value))


def clean_checked(value: str) -> str:
    """Return clean(value), or raise Unreadable when the text is mojibake or a legacy encoding."""
    if _NEEDS_A_LOOK.search(value) is None and (
        value.isascii() or unicodedata.is_normalized("NFC", value)
    ):
        return value
    value = clean(value)
    problem = garbled(value)
    if problem is not None:
        raise Unreadable(problem)
    return value


# --- JSON Lines ----------------------------------------------------------------------------

_ID = re.compile(r"[A-Za-z0-9._-]{1,200}")


def _read_jsonl(path: Path) -> Iterator[_Item]:
    """Yield the articles and rejections of a JSON Lines file, plain or gzip-compressed."""
    where = str(path)
    number = 0
    try:
        with _open_jsonl(path) as stream:
            for number, raw in _numbered_lines(stream):
                if number == 1 and raw is not None and b"\x00" in raw:
                    reason = "not UTF-8 JSON Lines (NUL bytes: UTF-16 or a binary file)"
                    yield Rejection(where, reason, 1)
                    return
                if raw is None:
                    yield Rejection(where, f"line longer than {_mb(MAX_ARTICLE_BYTES)}", number)
                elif raw.strip():
                    yield from _read_record(raw, where, number)
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
        return _os_reason(exc, path)
    return str(exc)


def _numbered_lines(stream: io.BufferedIOBase) -> Iterator[tuple[int, bytes | None]]:
    """Yield numbered lines of at most MAX_ARTICLE_BYTES; None stands for a longer line."""
    number = 0
    while True:
        raw = stream.readline(MAX_ARTICLE_BYTES + 1)
        if not raw:
            return
        number += 1
        if len(raw) > MAX_ARTICLE_BYTES and not raw.endswith(b"\n"):
            while raw and not raw.endswith(b"\n"):
                raw = stream.readline(1 << 20)
            yield number, None
        else:
            yield number, raw


def _read_record(raw: bytes, where: str, number: int) -> Iterator[_Item]:
    """Yield the article of one JSON Lines record and its warnings, or its rejection."""
    try:
        record = json.loads(raw.removeprefix(b"\xef\xbb\xbf"))
    except UnicodeDecodeError as exc:
        yield Rejection(where, f"not valid UTF-8 (at byte {exc.start})", number)
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


def record_article(record: Any, source: str, warnings: list[str]) -> Article:
    """Return the article of one decoded JSON record; add oddities to warnings; raise Unreadable."""
    if not isinstance(record, dict):
        raise Unreadable(f"not a JSON object but {type(record).__name__}")
    article_id = _record_id(record.get("id"))
    body = record.get("body")
    if not isinstance(body, str) or not body or body.isspace():
        raise Unreadable("no body: 'body' is missing, empty or not a string")
    body = _unescape(clean_checked(body).strip())
    title = _optional_text(record, "title", warnings)
    title = None if title is None else _unescape(title)
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


_ENTITY = re.compile(r"&(?:[a-zA-Z]{2,8}|#[0-9]{2,7}|#[xX][0-9a-fA-F]{2,6});")


def _unescape(value: str) -> str:
    """Turn HTML entities left in scraped text (&amp;, &nbsp;, &#193;) back into characters."""
    if "&" not in value or _ENTITY.search(value) is None:
        return value
    return clean(html.unescape(value))


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
