"""What the slowest honest query needs: wall and CPU time of searches without a time budget.

    PYTHONPATH=scripts .venv/bin/python -m benchmark.budget --index DIR [--queries FILE ...]

On a warm index with the budget lifted (so no search stops short; `--budget-ms` sets one to
see what it cuts, as `partial` answers), every known-item query
is searched once at 10 and once at 100 results a page, and the costliest queries within
the documented limits (`benchmark.extra.COSTLY`) at pages 1 and 50, 10 and 100 a page, in
the three sorts. For each set: wall and thread CPU time, p50, p95, p99 and max, and the
slowest queries. `SEARCHSVC_QUERY_BUDGET_MS` is set from these figures (RELIABILITY.md).
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

from benchmark.extra import COSTLY
from searchsvc.config import Settings
from searchsvc.searching import Searcher, SearchRequest, read_queries

UNBOUNDED_MS = 600_000


def _timed(searcher: Searcher, request: SearchRequest) -> tuple[float, float, bool]:
    """Return the wall and CPU milliseconds of one search and whether it came back partial."""
    wall, cpu = time.perf_counter(), time.thread_time()
    result = searcher.search(request)
    return (time.perf_counter() - wall) * 1000, (time.thread_time() - cpu) * 1000, result.partial


def _summary(rows: list[tuple[str, float, float, bool]]) -> dict[str, object]:
    """Return the percentiles of wall and CPU time, partial answers and the slowest queries."""
    out: dict[str, object] = {"n": len(rows), "partial": sum(r[3] for r in rows)}
    for i, name in ((1, "wall"), (2, "cpu")):
        times = sorted(r[i] for r in rows)
        for p in (50, 95, 99, 100):
            k = min(len(times) - 1, round(p / 100 * (len(times) - 1)))
            out[f"{name}_p{p}_ms"] = round(times[k], 1)
    slowest = sorted(rows, key=lambda r: -r[1])[:5]
    out["slowest"] = [[r[0], round(r[1], 1), round(r[2], 1)] for r in slowest]
    return out


def measure(searcher: Searcher, queries: list[str]) -> dict[str, object]:
    """Return the summaries of the known-item queries (10 and 100 a page) and the costly ones."""
    out: dict[str, object] = {}
    for per_page in (10, 100):
        rows = [(q, *_timed(searcher, SearchRequest(q, per_page=per_page))) for q in queries]
        out[f"known_items_{per_page}"] = _summary(rows)
    rows = []
    for name, query in COSTLY.items():
        for sort in ("relevance", "newest", "oldest"):
            for page, per_page in ((1, 10), (1, 100), (50, 100)):
                request = SearchRequest(query, page=page, per_page=per_page, sort=sort)
                rows.append((f"{name} p{page}x{per_page} {sort}", *_timed(searcher, request)))
    out["costly"] = _summary(rows)
    out["costly_max_ms"] = {
        name: [round(max(r[i] for r in rows if r[0].startswith(name + " p")), 1) for i in (1, 2)]
        for name in COSTLY
    }
    return out


def main(argv: list[str] | None = None) -> None:
    """Print the time figures of an index as JSON."""
    ap = argparse.ArgumentParser(prog="benchmark.budget", description=__doc__)
    ap.add_argument("--index", type=Path, required=True)
    ap.add_argument("--queries", type=Path, nargs="+", required=True)
    ap.add_argument("--budget-ms", type=int, default=UNBOUNDED_MS, help="Default: none.")
    args = ap.parse_args(argv)
    settings = Settings(index=args.index, query_budget_ms=args.budget_ms)
    searcher = Searcher(args.index, settings)
    searcher.ready()
    queries = list(dict.fromkeys(q.query for f in args.queries for q in read_queries(f)))
    load = os.getloadavg()[0]
    figures = measure(searcher, queries)
    loads = {"load_before": load, "load_after": os.getloadavg()[0]}
    print(json.dumps({"queries": len(queries), **loads, **figures}, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
