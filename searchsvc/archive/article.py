"""The values the archive reader produces, and the text cleaning every field goes through.

Never imports flask or click; knows nothing of the index.
"""

from __future__ import annotations

import errno
import functools
import html
import os
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from searchsvc.archive.decode import NOT_VIETNAMESE, garbled
from searchsvc.vietnamese import text

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
MAX_ARTICLE_BYTES = 2_000_000


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


class Unreadable(ValueError):
    """An article that cannot be read; the message is the reason."""


_CONTROL_CHARS = "\x00-\x08\x0b\x0e-\x1f\x7f"
_CONTROLS = re.compile(f"[{_CONTROL_CHARS}]")
_PROBED = ((0, 0x3100), (0xFE00, 0x10000), (0xE0000, 0xE0080))


@functools.cache
def _gates() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """Return the patterns of characters that need cleaning, and those that also need a look.

    The characters text.normalize changes are found by asking it about each one (about 30 ms,
    once), so the quick path of clean() keeps agreeing with text.normalize as that evolves.
    """
    changed = "".join(
        re.escape(chr(c))
        for start, end in _PROBED
        for c in range(start, end)
        if not 0xD800 <= c < 0xE000 and text.normalize(chr(c)) != chr(c)
    )
    cleaning = f"{_CONTROL_CHARS}{changed}"
    return re.compile(f"[{cleaning}]"), re.compile(f"[{cleaning}{re.escape(NOT_VIETNAMESE)}]")


def clean(value: str) -> str:
    """Return text.normalize(value) without control characters, quickly when nothing changes."""
    if _gates()[0].search(value) is None and (
        value.isascii() or unicodedata.is_normalized("NFC", value)
    ):
        return value
    return _CONTROLS.sub("", text.normalize(value))


def clean_checked(value: str) -> str:
    """Return clean(value), or raise Unreadable when the text is mojibake or a legacy encoding."""
    if _gates()[1].search(value) is None and (
        value.isascii() or unicodedata.is_normalized("NFC", value)
    ):
        return value
    value = clean(value)
    problem = garbled(value)
    if problem is not None:
        raise Unreadable(problem)
    return value


_ENTITY = re.compile(r"&(?:[a-zA-Z]{2,8}|#[0-9]{2,7}|#[xX][0-9a-fA-F]{2,6});")


def unescape(value: str) -> str:
    """Turn HTML entities left in scraped text (&amp;, &nbsp;, &#193;) back into characters."""
    if "&" not in value or _ENTITY.search(value) is None:
        return value
    return clean(html.unescape(value))


def os_reason(exc: OSError, path: Path) -> str:
    """Return a plain reason for an operating-system error on a path."""
    if path.is_symlink() and not path.exists():
        return f"broken symbolic link (points to {os.readlink(path)})"
    if exc.errno == errno.ELOOP:
        return "symbolic link loop"
    return exc.strerror or str(exc)


def mb(size: int) -> str:
    """Return a size in megabytes for a message."""
    return f"{size / 1_000_000:.1f} MB"
