"""Parse scraped article pages (`.txt`) of the district portal into Articles.

A page: site menu lines, the category breadcrumb, the title, a
`Ngày đăng DD/MM/YYYY | HH:MM | View count: N` line, body paragraphs with photo captions, and a
trailing code line naming the writer's unit. The date line anchors the title (the nearest line
before it) and the category (the nearest line before the title that is not a menu item).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from unidecode import unidecode

from searchsvc.archive.article import (
    MAX_ARTICLE_BYTES,
    TZ,
    Article,
    Rejection,
    Unreadable,
    clean,
    mb,
    os_reason,
    unescape,
)
from searchsvc.archive.decode import DecodeError, decode_bytes
from searchsvc.vietnamese import text

LONG_LINE_CHARS = 20_000
MAX_TITLE_CHARS = 1_000

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


def read_page_file(path: Path, root: Path, size: int) -> Iterator[Article | Rejection]:
    """Yield the article of one scraped page file, its warnings, or its rejection."""
    where = str(path)
    if size > MAX_ARTICLE_BYTES:
        yield Rejection(where, f"file is {mb(size)}; one article may be at most 2 MB")
        return
    try:
        with path.open("rb") as stream:
            data = stream.read(MAX_ARTICLE_BYTES + 1)  # the file may have grown since stat
        if len(data) > MAX_ARTICLE_BYTES:
            yield Rejection(where, "file is over 2 MB; one article may be at most 2 MB")
            return
        decoded = decode_bytes(data)
        article, warnings = parse_page(decoded.text, page_id(path, root), where)
    except OSError as exc:
        yield Rejection(where, os_reason(exc, path))
        return
    except (DecodeError, Unreadable) as exc:
        yield Rejection(where, str(exc))
        return
    if decoded.warning:
        warnings.insert(0, decoded.warning)
    yield from (Rejection(where, w, warning=True) for w in warnings)
    yield article


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
    lines = [line.strip() for line in unescape(clean(page)).splitlines()]
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
