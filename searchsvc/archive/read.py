"""Read archive sources (scraped pages, JSON Lines) into Article values; knows nothing of the index.

This module walks sources and counts; the work is done in `article` (the values and the text
cleaning), `pages` (scraped `.txt` pages), `jsonlines` (`.jsonl`, `.jsonl.gz`) and `decode`
(bytes to text). Import the public names from `searchsvc.archive`.

Rules the rest of the project can rely on:

- Sources are files or directories. Directories are walked recursively in sorted order; hidden
  files and directories (names starting with ".") are skipped; a symbolic link to a directory
  already being walked (a loop) is skipped with a warning; notes (`README*`, `*.md`) are skipped
  silently, and any other file than `.txt`, `.jsonl` and `.jsonl.gz` with a warning.
- A symbolic link that leads out of its source directory is skipped with a warning naming
  where it leads, unless `follow_links`. Each real file and directory (device, inode) is read
  once per call, whatever the paths to it; later paths get a warning.
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
  Only the first MAX_LISTED_PER_FILE rejections and warnings of a file are listed (all are
  counted); a file stops after MAX_REJECTIONS_PER_FILE rejections (`report`), a `.jsonl.gz`
  after `jsonlines.decompressed_limit` bytes.
- Every text field goes through `text.normalize`. Duplicate ids keep the first article; each
  later one is rejected with a reason naming the first one's source.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Generator, Iterable, Iterator
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
from searchsvc.archive.report import (
    MAX_LISTED_PER_FILE,
    MAX_REJECTIONS_PER_FILE,
    ReadReport,
    Tally,
    is_duplicate,
    reason_kind,
)

__all__ = [
    "MAX_ARTICLE_BYTES",
    "MAX_LISTED_PER_FILE",
    "MAX_REJECTIONS_PER_FILE",
    "TZ",
    "Article",
    "ReadReport",
    "Rejection",
    "Unreadable",
    "clean",
    "is_duplicate",
    "page_id",
    "parse_date",
    "parse_page",
    "read_sources",
    "reason_kind",
    "record_article",
    "sample_archive",
]


_Item = Article | Rejection


def sample_archive() -> Path:
    """Return the directory of the bundled sample archive."""
    return Path(__file__).parent.parent / "sample"


class _Walk:
    """What one read remembers across its sources: real files and directories already read."""

    def __init__(self, follow_links: bool) -> None:
        self.follow_links = follow_links
        self.seen: dict[tuple[int, int], str] = {}
        self.root = ""
        self.stop: str | None = None  # a file to read no further

    def first(self, info: os.stat_result, path: Path) -> str | None:
        """Return the path this file or directory was read under before, else remember it."""
        key = (info.st_dev, info.st_ino)
        if key in self.seen:
            return self.seen[key]
        self.seen[key] = str(path)
        return None

    def outside(self, path: Path) -> str | None:
        """Return where a symbolic link leads when that is outside the source root, else None."""
        if self.follow_links or not path.is_symlink():
            return None
        target = os.path.realpath(path)
        inside = target == self.root or target.startswith(self.root.rstrip(os.sep) + os.sep)
        return None if inside else target


def read_sources(
    sources: Iterable[str | Path],
    on_reject: Callable[[Rejection], None] | None = None,
    report: ReadReport | None = None,
    follow_links: bool = False,
) -> Iterator[Article]:
    """Yield every readable article of the sources; report each rejection through on_reject.

    Warnings go through on_reject too (with `warning=True`), the first MAX_LISTED_PER_FILE
    of each file; the rest are counted in the report. Pass a ReadReport to get counts.
    Symbolic links that lead out of a source directory are followed only with follow_links.
    """
    report = ReadReport() if report is None else report
    tally = Tally(report, on_reject)
    walk = _Walk(follow_links)
    first_source: dict[str, str] = {}
    for source in sources:
        for item in _read_source(Path(source), walk):
            if isinstance(item, Article) and item.id in first_source:
                item = _duplicate(item, first_source[item.id])
                report.duplicates += 1
            if isinstance(item, Rejection):
                if tally.add(item):
                    tally.stop(item.line)
                    walk.stop = item.path
                continue
            first_source[item.id] = item.source
            report.read += 1
            report.accepted += 1
            yield item
    tally.finish()


def _duplicate(article: Article, first: str) -> Rejection:
    """Return the rejection of an article whose id was read before, from first."""
    reason = f"duplicate id {article.id!r}: already read from {first}"
    path, _, line = article.source.rpartition(":")
    if line.isdigit() and path:
        return Rejection(path, reason, int(line))
    return Rejection(article.source, reason)


def _read_source(source: Path, walk: _Walk) -> Iterator[_Item]:
    """Yield the articles and rejections of one source, a file or a directory."""
    try:
        info = source.stat()
    except OSError as exc:
        yield Rejection(str(source), os_reason(exc, source))
        return
    earlier = walk.first(info, source)
    if earlier is not None:
        yield Rejection(str(source), f"already read as {earlier}: skipped", warning=True)
    elif stat.S_ISDIR(info.st_mode):
        walk.root = os.path.realpath(source)
        yield from _walk(source, source, {_key(info)}, walk)
    elif source.name.endswith((".jsonl", ".jsonl.gz", ".txt")):
        yield from _read_file(source, source.parent, info, walk)
    else:
        yield Rejection(str(source), "unknown kind of file: expected .txt, .jsonl or .jsonl.gz")


def _key(info: os.stat_result) -> tuple[int, int]:
    """Return the identity of a file or directory (device, inode)."""
    return (info.st_dev, info.st_ino)


def _walk(
    directory: Path, root: Path, active: set[tuple[int, int]], walk: _Walk
) -> Iterator[_Item]:
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
        yield from _entry(path, root, info, active, walk)


def _entry(
    path: Path, root: Path, info: os.stat_result, active: set[tuple[int, int]], walk: _Walk
) -> Iterator[_Item]:
    """Yield the items of one directory entry: a link out, a loop, a repeat, a tree or a file."""
    target = walk.outside(path)
    if target is not None:
        reason = f"symbolic link to {target}, outside the source: not followed (--follow-links)"
        yield Rejection(str(path), reason, warning=True)
        return
    if stat.S_ISDIR(info.st_mode) and _key(info) in active:
        yield Rejection(str(path), "symbolic link loop: directory skipped", warning=True)
        return
    wanted = stat.S_ISDIR(info.st_mode) or path.name.endswith((".jsonl", ".jsonl.gz", ".txt"))
    earlier = walk.first(info, path) if wanted else None
    if earlier is not None:
        reason = f"already read as {earlier} (a link to the same place): skipped"
        yield Rejection(str(path), reason, warning=True)
    elif stat.S_ISDIR(info.st_mode):
        yield from _walk(path, root, active | {_key(info)}, walk)
    elif wanted:
        yield from _read_file(path, root, info, walk)
    elif not _is_note(path.name):
        yield Rejection(str(path), "skipped: not a .txt, .jsonl or .jsonl.gz file", warning=True)


def _is_note(name: str) -> bool:
    """Tell whether a file is a note beside the articles (README, Markdown), not an article."""
    return name.upper().startswith("README") or name.endswith(".md")


def _read_file(path: Path, root: Path, info: os.stat_result, walk: _Walk) -> Iterator[_Item]:
    """Yield the items of one regular file; an unexpected error rejects the rest of the file."""
    if not stat.S_ISREG(info.st_mode):
        yield Rejection(str(path), "not a regular file (a pipe, socket or device)")
        return
    items = _file_items(path, root, info)
    try:
        for item in items:
            yield item
            if walk.stop == str(path):
                return
    except Exception as exc:  # one odd file must not stop the whole read; say it is a bug
        reason = f"unexpected error, the rest of the file is skipped (please report): {exc!r}"
        yield Rejection(str(path), reason)
    finally:
        items.close()


def _file_items(path: Path, root: Path, info: os.stat_result) -> Generator[_Item, None, None]:
    """Yield the items of a page or JSON Lines file."""
    if path.name.endswith(".txt"):
        yield from read_page_file(path, root, info.st_size)
    else:
        yield from read_jsonl(path)
