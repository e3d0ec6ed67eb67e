"""The live generation of an index directory, opened once and reopened after a switch.

Ready means ready: a generation is served only once it is open and warm (its lexicon, the
completions and the spelling vocabulary, read from its file or derived). The first one is
opened and warmed by the first caller (the others wait); after that the generation token is
checked at most every `reload_interval_s`, and a new generation is opened and warmed in a
background thread beside the old one, which keeps serving every request until the switch.
A generation that fails to open leaves the current one serving.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from searchsvc.errors import IndexUnavailable, SearchError
from searchsvc.searching.suggest import Suggester
from searchsvc.store import generations, lexicon
from searchsvc.store.schema import VN_TZ
from searchsvc.store.snapshot import Snapshot, open_snapshot


def locate(index_dir: Path) -> tuple[Path, str] | None:
    """Return the live generation directory and its switch token, or None."""
    token = generations.generation_token(index_dir)
    live = generations.live_generation(index_dir)
    if live is not None and token is not None:
        return live, token
    toc = sorted(index_dir.glob("_MAIN_*.toc")) if index_dir.is_dir() else []
    if toc:  # a plain Whoosh index directory without generations
        return index_dir, f"direct:{toc[-1].name}:{toc[-1].stat().st_mtime_ns}"
    return None


@dataclass
class Loaded:
    """A snapshot with its lazily built helpers."""

    snap: Snapshot
    suggester: Suggester | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def warm(self) -> None:
        """Read (or derive) the generation's lexicon ahead of the first request."""
        try:
            self.get_suggester()
        except Exception:
            return

    def get_suggester(self) -> Suggester:
        """Return the generation's suggester, reading its lexicon on first use."""
        with self.lock:
            if self.suggester is None:
                self.suggester = Suggester(lexicon.of(self.snap).completions)
            return self.suggester


def _meta(path: Path) -> dict[str, Any]:
    """Return a generation's metadata, or an empty record when it cannot be read."""
    try:
        meta = generations.read_json(path / generations.META)
    except Exception:
        return {}
    return meta if isinstance(meta, dict) else {}


def _mtime(path: Path) -> str:
    """Return a directory's modification time in Vietnam's time zone."""
    return datetime.fromtimestamp(path.stat().st_mtime, VN_TZ).isoformat()


def built_at(path: Path) -> str | None:
    """Return when a generation's build ran, from its metadata or the directory time."""
    meta = _meta(path)
    return str(meta["built_at"]) if meta.get("built_at") else _mtime(path)


def made_at(path: Path) -> str | None:
    """Return when a generation was made: its update's time, else its build's."""
    update = _meta(path).get("last_update")
    if isinstance(update, dict) and update.get("at"):
        return str(update["at"])
    return built_at(path)


class LiveIndex:
    """Holds the loaded generation of an index directory and swaps it on a switch."""

    def __init__(
        self,
        index_dir: Path,
        reload_interval_s: float,
        warm: bool = True,
        on_switch: Callable[[], None] | None = None,
    ) -> None:
        self.index_dir = index_dir
        self.reload_interval_s = reload_interval_s
        self.warm_first = warm
        self.on_switch = on_switch
        self._loaded: Loaded | None = None
        self._retired: Loaded | None = None
        self._preparing: str | None = None  # the token of a generation being opened and warmed
        self._checked = 0.0
        self._lock = threading.Lock()

    def close(self) -> None:
        """Close the loaded generations."""
        with self._lock:
            for loaded in (self._loaded, self._retired):
                if loaded is not None:
                    loaded.snap.close()
            self._loaded = self._retired = None

    def ready(self) -> bool:
        """Return whether a generation is open and warm (the first one opened if need be)."""
        try:
            self.current()
        except SearchError:
            return False
        return self._loaded is not None

    def current(self) -> Loaded:
        """Return the loaded generation; notice a switch and prepare the new one beside it."""
        loaded = self._loaded
        now = time.monotonic()
        if loaded is not None and now - self._checked < self.reload_interval_s:
            return loaded
        with self._lock:
            if self._loaded is not None and now - self._checked < self.reload_interval_s:
                return self._loaded
            self._checked = now
            located = locate(self.index_dir)
            if located is None:
                if self._loaded is not None:
                    return self._loaded
                raise IndexUnavailable(f"no index at {self.index_dir}: build one first")
            path, token = located
            if self._loaded is None or (self._loaded.snap.token != token and not self.warm_first):
                self._switch_now(path, token)
            elif self._loaded.snap.token != token and self._preparing != token:
                self._preparing = token
                threading.Thread(
                    target=self._prepare, args=(path, token), name="searchsvc-open", daemon=True
                ).start()
            assert self._loaded is not None
            return self._loaded

    def _switch_now(self, path: Path, token: str) -> None:
        """Open a generation in this thread and make it current; keep the old one if that fails."""
        try:
            fresh = self._open(path, token, self.warm_first)
        except SearchError:
            if self._loaded is not None:
                return
            raise
        self._install(fresh)

    @staticmethod
    def _open(path: Path, token: str, warm: bool) -> Loaded:
        """Open a generation and, when asked, warm it before anyone sees it."""
        fresh = Loaded(open_snapshot(path, token))
        if warm:
            fresh.warm()
        return fresh

    def _prepare(self, path: Path, token: str) -> None:
        """Open and warm a new generation in the background, then switch to it."""
        try:
            fresh = self._open(path, token, True)
        except SearchError:
            with self._lock:
                self._preparing = None
            return
        with self._lock:
            self._preparing = None
            self._install(fresh)

    def _install(self, fresh: Loaded) -> None:
        """Make a generation current (the lock held); close the one before the previous."""
        if self._retired is not None:
            self._retired.snap.close()
        self._retired, self._loaded = self._loaded, fresh
        if self.on_switch is not None:
            self.on_switch()
