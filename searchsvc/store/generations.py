"""The layout of an index directory: generations, the CURRENT pointer, the writer lock.

An index directory holds complete Whoosh indexes in `gen-000001/`, `gen-000002/`, ...; a
`CURRENT` file naming the live one (replaced atomically, so a reader sees either the old
or the new generation, never a half-built one); `LOCK`, which one writer at a time holds
with `flock`; `state.json` with the figures of the last operation; and, while a writer
runs, its work in `gen-NNNNNN.partial/`, which the next writer deletes if the run died.

Readers need only `live_generation()` and `generation_token()`; both are cheap and never
take the lock.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from searchsvc.errors import IndexLocked

CURRENT = "CURRENT"
LOCK = "LOCK"
STATE = "state.json"
META = "meta.json"
MANIFEST = "manifest.json"
PARTIAL_SUFFIX = ".partial"

_GENERATION = re.compile(r"^gen-(\d{6,})$")
_ANY_GENERATION = re.compile(r"^gen-(\d{6,})(?:\.partial)?$")


def generation_name(number: int) -> str:
    """Return the directory name of generation `number` (gen-000001)."""
    return f"gen-{number:06d}"


def generation_number(path: Path | str) -> int | None:
    """Return the number of a complete or partial generation directory, or None."""
    match = _ANY_GENERATION.match(Path(path).name)
    return int(match.group(1)) if match else None


def list_generations(index_dir: Path) -> list[Path]:
    """Return the complete generation directories, oldest first."""
    if not index_dir.is_dir():
        return []
    found = [p for p in index_dir.iterdir() if _GENERATION.match(p.name) and p.is_dir()]
    return sorted(found, key=lambda p: generation_number(p) or 0)


def live_generation(index_dir: Path) -> Path | None:
    """Return the live generation directory named by CURRENT, or None when there is none.

    Part of the reader contract: the web workers call this to find what to open.
    """
    try:
        name = (index_dir / CURRENT).read_text(encoding="ascii").strip()
    except (FileNotFoundError, NotADirectoryError, UnicodeDecodeError):
        return None
    if not _GENERATION.match(name):
        return None
    path = index_dir / name
    return path if path.is_dir() else None


def generation_token(index_dir: Path) -> str | None:
    """Return a cheap value that changes whenever the live generation changes, or None.

    Part of the reader contract: a reader compares it with the token it loaded and reopens
    the index when it differs. Builds, updates and rollbacks all rewrite CURRENT through
    a rename, so its name, inode and mtime together identify the switch.
    """
    path = index_dir / CURRENT
    try:
        with open(path, "rb") as f:
            st = os.fstat(f.fileno())
            name = f.read(64).decode("ascii", "replace").strip()
    except (FileNotFoundError, NotADirectoryError):
        return None
    return f"{name}:{st.st_ino}:{st.st_mtime_ns}"


def fsync_dir(path: Path) -> None:
    """Flush a directory's entries (renames, new files) to disk."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write(path: Path, data: bytes) -> None:
    """Replace `path` with `data` so that readers see the old or the new content, never a mix."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    fsync_dir(path.parent)


def write_json(path: Path, value: Any) -> None:
    """Write `value` as JSON atomically."""
    atomic_write(path, json.dumps(value, ensure_ascii=False, indent=1).encode("utf-8"))


def read_json(path: Path) -> Any:
    """Read a JSON file, returning None when it is missing or unreadable."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, NotADirectoryError, ValueError):
        return None


def switch(index_dir: Path, generation: Path) -> None:
    """Make `generation` live by replacing CURRENT atomically."""
    if generation.parent != index_dir or not _GENERATION.match(generation.name):
        raise ValueError(f"{generation} is not a generation of {index_dir}")
    atomic_write(index_dir / CURRENT, f"{generation.name}\n".encode("ascii"))


def new_partial(index_dir: Path) -> Path:
    """Create and return the directory for the next generation's work in progress."""
    index_dir.mkdir(parents=True, exist_ok=True)
    numbers = [generation_number(p) or 0 for p in index_dir.iterdir()]
    path = index_dir / (generation_name(max(numbers, default=0) + 1) + PARTIAL_SUFFIX)
    path.mkdir()
    return path


def sync_tree(path: Path) -> None:
    """Flush every file of a generation directory, then the directory itself, to disk."""
    for child in path.iterdir():
        if child.is_file():
            fd = os.open(child, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
    fsync_dir(path)


def publish(partial: Path) -> Path:
    """Turn a finished partial directory into a complete (not yet live) generation."""
    if not partial.name.endswith(PARTIAL_SUFFIX):
        raise ValueError(f"{partial} is not a partial generation")
    sync_tree(partial)
    final = partial.with_name(partial.name[: -len(PARTIAL_SUFFIX)])
    os.rename(partial, final)
    fsync_dir(final.parent)
    return final


def clean_partials(index_dir: Path) -> list[Path]:
    """Delete the work of writers that died (partial generations, temporary files)."""
    removed: list[Path] = []
    if not index_dir.is_dir():
        return removed
    for p in index_dir.iterdir():
        if p.name.endswith(PARTIAL_SUFFIX) and _ANY_GENERATION.match(p.name):
            shutil.rmtree(p, ignore_errors=True)
            removed.append(p)
        elif p.name.startswith(".") and ".tmp-" in p.name and p.is_file():
            p.unlink(missing_ok=True)
            removed.append(p)
    return removed


def prune(index_dir: Path, keep: set[Path]) -> list[Path]:
    """Delete every complete generation not in `keep`, and any partial work."""
    removed = clean_partials(index_dir)
    keep_names = {p.name for p in keep}
    for gen in list_generations(index_dir):
        if gen.name not in keep_names:
            shutil.rmtree(gen, ignore_errors=True)
            removed.append(gen)
    return removed


def tree_size(path: Path) -> int:
    """Return the bytes used by the files of a directory tree."""
    total = 0
    for root, _dirs, files in os.walk(path):
        for name in files:
            with contextlib.suppress(FileNotFoundError):
                total += os.stat(os.path.join(root, name)).st_size
    return total


@dataclass(frozen=True)
class LockHolder:
    """Who holds the writer lock: process id, command line and start time (UTC, ISO 8601)."""

    pid: int | None
    command: str
    since: str

    def describe(self) -> str:
        """Return the holder in plain words."""
        pid = self.pid if self.pid is not None else "unknown"
        return f"pid {pid} ({self.command or 'unknown command'}), running since {self.since}"


def _read_holder(fd: int, patience_s: float = 1.0) -> LockHolder:
    """Read the holder record of the lock file, waiting briefly for a holder that just locked."""
    deadline = time.monotonic() + patience_s
    while True:
        raw = os.pread(fd, 4096, 0).decode("utf-8", "replace")
        try:
            data = json.loads(raw)
            return LockHolder(int(data["pid"]), str(data["command"]), str(data["since"]))
        except (ValueError, KeyError, TypeError):
            if time.monotonic() > deadline:
                return LockHolder(None, "", "an unknown time")
            time.sleep(0.01)


def utc_now() -> str:
    """Return the current UTC time as ISO 8601 with seconds."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


@contextlib.contextmanager
def writer_lock(index_dir: Path, command: str | None = None) -> Iterator[LockHolder]:
    """Hold the index directory's writer lock, or raise IndexLocked at once naming the holder.

    The lock is `flock` on LOCK: the kernel releases it when the holding process dies, so a
    killed writer never blocks the next one. A writer that leaves nothing else behind (a
    failed first build) removes LOCK, and the index directory if it made it; a writer that
    locked a LOCK file removed meanwhile tries again, so two writers never hold two files.
    """
    import fcntl

    created = [d for d in (index_dir, *index_dir.parents) if not d.exists()]
    fd = _open_lock(index_dir)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_holder(fd)
            raise IndexLocked(
                f"another writer is working on {index_dir}: {holder.describe()}; "
                "wait for it to finish and try again"
            ) from None
        if not _still_linked(fd, index_dir / LOCK):  # its holder removed it as we opened it
            os.close(fd)
            fd = -1
            with writer_lock(index_dir, command) as me:
                yield me
            return
        me = LockHolder(os.getpid(), command or " ".join(sys.argv), utc_now())
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(me.__dict__).encode("utf-8"), 0)
        try:
            yield me
        finally:
            os.ftruncate(fd, 0)
            _remove_if_nothing_else(index_dir, created)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        if fd >= 0:
            os.close(fd)


def _open_lock(index_dir: Path) -> int:
    """Open (creating if needed) the LOCK file of an index directory."""
    index_dir.mkdir(parents=True, exist_ok=True)
    return os.open(index_dir / LOCK, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)


def _still_linked(fd: int, path: Path) -> bool:
    """Tell whether the open file fd is still the file at path."""
    try:
        return _key(os.fstat(fd)) == _key(os.stat(path))
    except FileNotFoundError:
        return False


def _key(info: os.stat_result) -> tuple[int, int]:
    """Return a file's identity (device, inode)."""
    return (info.st_dev, info.st_ino)


def _remove_if_nothing_else(index_dir: Path, created: list[Path]) -> None:
    """Remove LOCK, and the directories this writer made, when they hold nothing else."""
    try:
        if os.listdir(index_dir) != [LOCK]:
            return
        (index_dir / LOCK).unlink()
        for directory in created:  # deepest first
            directory.rmdir()
    except OSError:  # another process wrote there meanwhile: leave it as it is
        return
