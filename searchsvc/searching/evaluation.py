"""Known-item evaluation: success@1, success@k and MRR@k per query mode and overall."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from searchsvc.errors import BadRequest
from searchsvc.searching.search import Searcher
from searchsvc.searching.values import SearchRequest


@dataclass(frozen=True)
class EvalQuery:
    """One known-item query: what is typed and which article ids count as found."""

    qid: str
    mode: str
    query: str
    relevant: frozenset[str]


@dataclass
class Metrics:
    """Running totals of one mode."""

    queries: int = 0
    success_1: int = 0
    success_k: int = 0
    rr: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)

    def add(self, rank: int | None, k: int, took_ms: float) -> None:
        """Count one query whose first relevant hit is at `rank` (1-based) or absent."""
        self.queries += 1
        self.latencies_ms.append(took_ms)
        if rank is not None and rank <= k:
            self.success_k += 1
            self.success_1 += rank == 1
            self.rr += 1 / rank

    def row(self) -> dict[str, float]:
        """Return success@1, success@k and MRR@k as fractions."""
        n = max(self.queries, 1)
        return {
            "queries": self.queries,
            "success@1": self.success_1 / n,
            "success@k": self.success_k / n,
            "mrr@k": self.rr / n,
        }


def read_queries(path: Path) -> list[EvalQuery]:
    """Read queries in the format of known-items-dev.jsonl; raise BadRequest on a bad line."""
    out = []
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                d = json.loads(line)
                relevant = d.get("relevant") or [d["target"]]
                out.append(
                    EvalQuery(str(d["qid"]), str(d["mode"]), d["query"], frozenset(relevant))
                )
            except (ValueError, KeyError, TypeError) as exc:
                raise BadRequest(f"{path}:{number}: not a known-item query ({exc})") from exc
    return out


def evaluate(
    searcher: Searcher,
    queries: Iterable[EvalQuery],
    k: int = 10,
    progress: Callable[[int], None] | None = None,
) -> dict[str, Metrics]:
    """Run every query and return metrics per mode plus `overall`."""
    modes: dict[str, Metrics] = {}
    overall = Metrics()
    for done, q in enumerate(queries, 1):
        result = searcher.search(SearchRequest(q.query, per_page=k))
        ids = [h.id for h in result.hits]
        rank = next((i for i, d in enumerate(ids, 1) if d in q.relevant), None)
        modes.setdefault(q.mode, Metrics()).add(rank, k, result.took_ms)
        overall.add(rank, k, result.took_ms)
        if progress:
            progress(done)
    return {**dict(sorted(modes.items())), "overall": overall}
