"""Read archive sources (scraped pages, JSON Lines) into Article values; knows nothing of the index.

This module walks sources and counts; the work is done in `article` (the values and the text
cleaning), `pages` (scraped `.txt` pages), `jsonlines` (`.jsonl`, `.jsonl.gz`) and `decode`
(bytes to text). Import the public names from `searchsvc.archive`.

Rules the rest of the project can rely on:

- Sources are files or directories. Directories are walked recursively in sorted order; hidden
  files and directories (names starting with ".") are skipped; a symbolic link to a directory
  already being walked (a loop) is skipped with a warning; notes (`README*`, `*.md`) are skipped
  silently, and any other file than `.txt`, `.jsonl` and `.jsonl.gz` with a warning.
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

import os
import stat
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from searchsvc.archive.article import (
    MAX_ARTICLE_BYTES,
    TZ,
    Article,
    Rejection,
    Unreadable,
    clean,
    os_reason,
)
from searchsvc.archive.jsonlines import parse_date, read_jsonl, record_article
from searchsvc.archive.pages import page_id, parse_page, read_page_file

__all__ = [
    "MAX_ARTICLE_BYTES",
    "TZ",
    "Article",
    "ReadReport",
    "Rejection",
    "Unreadable",
    "clean",
    "page_id",
    "parse_date",
    "parse_page",
    "read_sources",
    "record_article",
    "sample_archive",
]


@dataclass
class ReadReport:
    """Counters of one read; `read == accepted + rejected` always holds."""

    read: int = 0
    accepted: int = 0
    rejected: int = 0
    warnings: int = 0
    duplicates: int = 0
    rejections: list[Rejection] = field(default_factory=list)


_Item = Article | Rejection


def sample_archive() -> Path:
    """Return the directory of the bundled sample archive."""
    return Path(__file__).parent.parent / "sample"


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
        yield Rejection(str(source), os_reason(exc, source))
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


def _walk(directory: Path, root: Path, active: set[tuple[int, int]]) -> Iterator[_Item]:
    """Yield the items of a directory tree in sorted order, skipping hidden names and loops."""
    try:
        entries = sorted(os.scandir(directory), key=lambda e: e.name)
    except OSError as exc:
        yield Rejection(str(directory), f"cannot list directory: {os_reason(exc, directory)}")
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue
        path = Path(entry.path)
        try:
            info = path.stat()
        except OSError as exc:
            yield Rejection(str(path), os_reason(exc, path))
            continue
        if stat.S_ISDIR(info.st_mode):
            if _key(info) in active:
                yield Rejection(str(path), "symbolic link loop: directory skipped", warning=True)
                continue
            yield from _walk(path, root, active | {_key(info)})
        elif entry.name.endswith((".jsonl", ".jsonl.gz", ".txt")):
            yield from _read_file(path, root, info)
        elif not _is_note(entry.name):
            reason = "skipped: not a .txt, .jsonl or .jsonl.gz file"
            yield Rejection(str(path), reason, warning=True)


def _is_note(name: str) -> bool:
    """Tell whether a file is a note beside the articles (README, Markdown), not an article."""
    return name.upper().startswith("README") or name.endswith(".md")


def _read_file(path: Path, root: Path, info: os.stat_result) -> Iterator[_Item]:
    """Yield the items of one regular file; an unexpected error rejects the rest of the file."""
    if not stat.S_ISREG(info.st_mode):
        yield Rejection(str(path), "not a regular file (a pipe, socket or device)")
        return
    try:
        if path.name.endswith(".txt"):
            yield from read_page_file(path, root, info.st_size)
        else:
            yield from read_jsonl(path)
    except Exception as exc:  # one odd file must not stop the whole read; say it is a bug
        reason = f"unexpected error, the rest of the file is skipped (please report): {exc!r}"
        yield Rejection(str(path), reason)
