"""The per-app state of the web layer: settings, the lazily opened Searcher, the rate limiter."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from flask import Flask, current_app

from searchsvc.config import Settings
from searchsvc.errors import SearchError
from searchsvc.searching import Matches, Searcher, SearchRequest, SearchResult
from searchsvc.web.security import RateLimiter

EXTENSION = "searchsvc"


class TooManyRequests(SearchError):
    """A client spent its rate-limit tokens; `retry_after` says when to come back."""

    status = 429

    def __init__(self, retry_after: int) -> None:
        super().__init__("Quá nhiều yêu cầu; vui lòng thử lại sau ít giây.")
        self.retry_after = retry_after


class Core:
    """The Searcher of one worker, called by one request thread at a time.

    Whoosh readers share file handles, so two threads reading postings at once can corrupt
    each other's reads (seen under load: "zlib.error ... truncated stream"). The search is
    CPU-bound Python, so the GIL already lets only one thread compute at a time: the lock
    costs little throughput, and the other threads still read requests and write answers.
    """

    def __init__(self, searcher: Searcher) -> None:
        self._searcher = searcher
        self._lock = threading.Lock()

    def search(self, request: SearchRequest) -> SearchResult:
        """Run one search."""
        with self._lock:
            return self._searcher.search(request)

    def suggest(self, prefix: str, limit: int = 10) -> list[str]:
        """Return completions for a prefix."""
        with self._lock:
            return self._searcher.suggest(prefix, limit)

    def matches(self, request: SearchRequest, limit: int | None = None) -> Matches:
        """Return every match of a search (scored under the lock; hits read as streamed).

        The hits come from the generation's sidecars (read with pread), which any thread may read.
        """
        with self._lock:
            return self._searcher.matches(request, limit)

    def article(self, article_id: str) -> dict[str, object]:
        """Return one stored article."""
        with self._lock:
            return self._searcher.article(article_id)

    def stats(self) -> dict[str, object]:
        """Return figures of the loaded index."""
        with self._lock:
            return self._searcher.stats()

    def ready(self) -> bool:
        """Return whether a generation is open and warm (opening the first one if need be)."""
        return self._searcher.ready()


@dataclass
class Service:
    """What every request of one app (one worker process) shares."""

    settings: Settings
    limiter: RateLimiter
    _core: Core | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _loader: threading.Thread | None = None

    def start_loading(self) -> None:
        """Open and warm the index in the background, so a worker is ready before asked."""
        self._loader = threading.Thread(target=self.ready, name="searchsvc-load", daemon=True)
        self._loader.start()

    def ready(self) -> bool:
        """Return whether the index is open and warm; False while the first load runs."""
        if self._loader is not None and self._loader.is_alive():
            return False
        try:
            return self.searcher().ready()
        except SearchError:
            return False

    def searcher(self) -> Core:
        """Return the Searcher, opening it on first use; an open failure is retried next time."""
        if self._core is None:
            with self._lock:
                if self._core is None:
                    self._core = Core(Searcher(self.settings.index, self.settings))
        return self._core


def install(app: Flask, settings: Settings) -> Service:
    """Attach a Service for settings to app."""
    limiter = RateLimiter(settings.rate_limit_per_minute, settings.rate_limit_cpu_s_per_minute)
    service = Service(settings, limiter)
    app.extensions[EXTENSION] = service
    return service


def service() -> Service:
    """Return the Service of the current app."""
    found: Service = current_app.extensions[EXTENSION]
    return found


def searcher() -> Core:
    """Return the Searcher of the current app."""
    return service().searcher()


def run_search(request: SearchRequest) -> SearchResult:
    """Search with the current app's Searcher."""
    return searcher().search(request)
