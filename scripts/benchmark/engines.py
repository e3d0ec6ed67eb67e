"""The two engines behind one small interface: answer a results page for a BenchQuery."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from benchmark.peer import Peer
from benchmark.queries import BenchQuery


@dataclass
class Page:
    """What the benchmark keeps of a results page."""

    total: int
    ids: list[str]
    fallback: bool = False
    partial: bool = False
    facets: dict[str, int] = field(default_factory=dict)


class PeerEngine:
    """SQLite FTS5, in-process."""

    name = "fts5"

    def __init__(self, db: Path) -> None:
        self.peer = Peer(db)

    def page(self, q: BenchQuery) -> Page:
        """Answer total, top 10 with snippets, and category and year counts."""
        p = self.peer.page(q.text, q.category)
        sizes = {k: len(v) for k, v in p.facets.items()}
        return Page(p.total, p.ids, p.fallback, False, sizes)

    def close(self) -> None:
        """Release the database connection."""
        self.peer.con.close()


class TantivyEngine:
    """Tantivy through its Python binding, in-process."""

    name = "tantivy"

    def __init__(self, path: Path) -> None:
        from benchmark.tantivy_peer import TantivyPeer

        self.peer = TantivyPeer(path)

    def page(self, q: BenchQuery) -> Page:
        """Answer total, top 10 with snippets, and category counts."""
        p = self.peer.page(q.text, q.category)
        sizes = {k: len(v) for k, v in p.facets.items()}
        return Page(p.total, p.ids, p.fallback, False, sizes)

    def close(self) -> None:
        """Nothing to release."""


class SearchsvcEngine:
    """searchsvc in-process, through its public `Searcher` API."""

    name = "searchsvc"

    def __init__(self, index_dir: Path) -> None:
        from searchsvc.searching import Searcher

        self.searcher = Searcher(index_dir)

    def page(self, q: BenchQuery) -> Page:
        """Answer total, top 10 with snippets, and the facets of one results page."""
        from searchsvc.searching import SearchRequest

        r = self.searcher.search(SearchRequest(query=q.text, category=q.category, per_page=10))
        sizes = {k: len(v) for k, v in r.facets.items()}
        return Page(r.total, [h.id for h in r.hits], r.understood.fallback, r.partial, sizes)

    def suggest(self, prefix: str) -> list[str]:
        """Return completions for a prefix."""
        return self.searcher.suggest(prefix)

    def close(self) -> None:
        """Release the searcher if it can be closed."""
        close = getattr(self.searcher, "close", None)
        if callable(close):
            close()
