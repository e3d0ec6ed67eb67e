"""In-process latency of results pages on both engines, relevance of the known items, suggest."""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass, field

from benchmark.common import Stopwatch, percentile
from benchmark.queries import WARMUP, BenchQuery


@dataclass
class Run:
    """One engine's answers to one query."""

    ms: float
    ids: list[str]
    total: int
    fallback: bool = False
    partial: bool = False
    error: str | None = None


@dataclass
class KindResult:
    """The runs of every engine on the queries of one kind that fit in the time budget."""

    kind: str
    queries: list[BenchQuery] = field(default_factory=list)
    runs: dict[str, list[Run]] = field(default_factory=lambda: defaultdict(list))
    cut_short: bool = False


def _run_one(engine, q: BenchQuery) -> Run:
    """Time one results page on one engine; an exception counts as an error, not a crash."""
    with Stopwatch() as sw:
        try:
            page = engine.page(q)
        except Exception as exc:
            page, error = None, f"{type(exc).__name__}: {exc}"
    if page is None:
        return Run(sw.ms, [], 0, error=error)
    return Run(sw.ms, page.ids, page.total, page.fallback, page.partial)


def warm_up(engines: list) -> None:
    """Run a few queries that are not measured on each engine (open files, fill caches)."""
    for engine in engines:
        for text in WARMUP:
            try:
                engine.page(BenchQuery("warmup", text))
            except Exception as exc:
                print(f"warm-up: {engine.name} failed: {type(exc).__name__}: {exc}")
                break


def run_pages(engines: list, queries: list[BenchQuery], budget_s: float) -> list[KindResult]:
    """Run every query on every engine, alternating which goes first; bound each kind in time.

    The known items are never cut short: relevance is scored on all of them.
    """
    kinds: dict[str, KindResult] = {}
    started: dict[str, float] = {}
    for i, q in enumerate(queries):
        res = kinds.setdefault(q.kind, KindResult(q.kind))
        start = started.setdefault(q.kind, time.monotonic())
        if q.kind != "known" and time.monotonic() - start > budget_s:
            res.cut_short = True
            continue
        order = engines if i % 2 == 0 else list(reversed(engines))
        for engine in order:
            res.runs[engine.name].append(_run_one(engine, q))
        res.queries.append(q)
    return list(kinds.values())


def latency_rows(results: list[KindResult], names: list[str]) -> list[dict]:
    """Summarize p50 and p95 per kind and engine, plus errors and flags."""
    rows = []
    for res in results:
        row: dict = {"kind": res.kind, "n": len(res.queries), "cut_short": res.cut_short}
        for name in names:
            runs = res.runs.get(name, [])
            ms = [r.ms for r in runs if r.error is None]
            row[name] = {
                "p50_ms": percentile(ms, 50),
                "p95_ms": percentile(ms, 95),
                "max_ms": max(ms) if ms else None,
                "errors": sum(r.error is not None for r in runs),
                "fallback": sum(r.fallback for r in runs),
                "partial": sum(r.partial for r in runs),
                "zero_results": sum(r.total == 0 and r.error is None for r in runs),
                "first_error": next((r.error for r in runs if r.error), None),
            }
        rows.append(row)
    return rows


def _scores(queries: list[BenchQuery], runs: list[Run], k: int) -> dict:
    """Return success@1, success@k and MRR@k of runs against the queries' relevant ids."""
    s1 = sk = rr = 0.0
    for q, r in zip(queries, runs, strict=True):
        ranks = [i for i, d in enumerate(r.ids[:k], 1) if d in q.relevant]
        if ranks:
            s1 += ranks[0] == 1
            sk += 1
            rr += 1 / ranks[0]
    n = len(queries) or 1
    return {"n": len(queries), "s1": s1 / n, "s10": sk / n, "mrr10": rr / n}


def relevance(results: list[KindResult], names: list[str], k: int = 10) -> dict:
    """Score the known-item runs per mode and overall for each engine."""
    known = next((r for r in results if r.kind == "known"), None)
    if known is None:
        return {}
    by_mode: dict[str, list[int]] = defaultdict(list)
    for i, q in enumerate(known.queries):
        by_mode[q.mode or "?"].append(i)
    out: dict = {}
    for name in names:
        runs = known.runs.get(name, [])
        if len(runs) != len(known.queries) or all(r.error for r in runs):
            continue
        per = {
            m: _scores([known.queries[i] for i in idx], [runs[i] for i in idx], k)
            for m, idx in sorted(by_mode.items())
        }
        per["overall"] = _scores(known.queries, runs, k)
        out[name] = per
    return out


def suggest_latency(engine, prefixes: list[str], budget_s: float) -> dict:
    """Time `suggest` on each prefix; return p50, p95, max and errors."""
    ms: list[float] = []
    errors, first_error, deadline = 0, None, time.monotonic() + budget_s
    for p in prefixes:
        if time.monotonic() > deadline:
            break
        with Stopwatch() as sw:
            try:
                engine.suggest(p)
            except Exception as exc:
                errors += 1
                first_error = first_error or f"{type(exc).__name__}: {exc}"
                continue
        ms.append(sw.ms)
    return {
        "n": len(ms) + errors,
        "p50_ms": percentile(ms, 50),
        "p95_ms": percentile(ms, 95),
        "max_ms": max(ms) if ms else None,
        "errors": errors,
        "first_error": first_error,
    }
