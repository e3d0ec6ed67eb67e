"""The live generation of an index directory, opened once and reopened after a switch.

Checks the generation token at most every `reload_interval_s`; a new generation is opened
beside the old one, which keeps serving requests already running, and the one before it is
closed. A generation that fails to open leaves the current one serving.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from searchsvc.errors import IndexUnavailable, SearchError
from searchsvc.searching import spelling
from searchsvc.searching.suggest import Suggester, build_suggester
from searchsvc.store import generations
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
        """Build the suggester and the spelling vocabulary ahead of the first request."""
        try:
            self.get_suggester()
            spelling.vocabulary(self.snap)
        except Exception:
            return

    def get_suggester(self) -> Suggester:
        """Return the generation's suggester, building it on first use."""
        with self.lock:
            if self.suggester is None:
                live = [t for t, ok in zip(self.snap.titles, self.snap.live, strict=False) if ok]
                self.suggester = build_suggester(live)
            return self.suggester


def built_at(path: Path) -> str | None:
    """Return when a generation was built, from its metadata or the directory time."""
    try:
        meta = generations.read_json(path / generations.META)
        if isinstance(meta, dict) and meta.get("built_at"):
            return str(meta["built_at"])
    except Exception:
        pass
    return datetime.fromtimestamp(path.stat().st_mtime, VN_TZ).isoformat()


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
        self.warm_in_background = warm
        self.on_switch = on_switch
        self._loaded: Loaded | None = None
        self._retired: Loaded | None = None
        self._checked = 0.0
        self._lock = threading.Lock()

    def close(self) -> None:
        """Close the loaded generations."""
        with self._lock:
            for loaded in (self._loaded, self._retired):
                if loaded is not None:
                    loaded.snap.close()
            self._loaded = self._retired = None

    def current(self) -> Loaded:
        """Return the loaded generation, reopening it when the live one changed."""
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
            if self._loaded is None or self._loaded.snap.token != token:
                self._switch(path, token)
            assert self._loaded is not None
            return self._loaded

    def _switch(self, path: Path, token: str) -> None:
        """Open a new generation and make it current; keep the old one if that fails."""
        try:
            fresh = Loaded(open_snapshot(path, token))
        except SearchError:
            if self._loaded is not None:
                return
            raise
        if self._retired is not None:
            self._retired.snap.close()
        self._retired, self._loaded = self._loaded, fresh
        if self.warm_in_background:
            threading.Thread(target=fresh.warm, name="searchsvc-warm", daemon=True).start()
        if self.on_switch is not None:
            self.on_switch()
