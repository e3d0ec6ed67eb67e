"""Benchmark searchsvc against SQLite FTS5 on the same records: index, relevance, latency, load,
memory. Prints Markdown tables side by side with ratios and goals; `all` also writes
.bench/last-run.json. Built indexes are cached in .bench/, keyed by corpus and code version.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import time
import traceback
from pathlib import Path

from benchmark import extra as bench_extra
from benchmark import goals as bench_goals
from benchmark import index as bench_index
from benchmark import latency as bench_latency
from benchmark import profile as bench_profile
from benchmark import queries as bench_queries
from benchmark import report as bench_report
from benchmark import serve as bench_serve
from benchmark.common import (
    BENCH_DIR,
    DEFAULT_CORPUS,
    DEFAULT_QUERIES,
    ROOT,
    code_version,
    prepare_corpus,
)
from benchmark.engines import PeerEngine, SearchsvcEngine, TantivyEngine
from benchmark.peer import fts5_available
from benchmark.tantivy_peer import available as tantivy_available

COMMANDS = ["index", "latency", "load", "relevance", "memory", "cold", "costly", "all", "profile"]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Read the command line."""
    ap = argparse.ArgumentParser(prog="scripts/bench", description=__doc__)
    ap.add_argument("command", nargs="?", default="all", choices=COMMANDS)
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--queries", type=Path, default=DEFAULT_QUERIES)
    ap.add_argument(
        "--limit",
        type=int,
        default=None,
        help="index a sample of N records (every k-th plus the queries' targets)",
    )
    ap.add_argument(
        "--sample",
        type=int,
        default=None,
        help="use N of the known-item queries (evenly spread) instead of all",
    )
    ap.add_argument(
        "--budget",
        type=float,
        default=300,
        help="seconds per kind of query in the latency step (the known items are never cut)",
    )
    ap.add_argument(
        "--scale",
        type=int,
        default=1,
        help="index the corpus N times over with distinct ids (copy k > 0: <id>-xk); "
        "a run compares itself with the last full 1x run (.bench/last-run-x1.json)",
    )
    ap.add_argument("--duration", type=float, default=20, help="seconds per load level")
    ap.add_argument("--max-requests", type=int, default=6000, help="requests per load level")
    ap.add_argument(
        "--distinct",
        type=int,
        default=8000,
        help="distinct URLs of the uniform load mix (queries plus headline words)",
    )
    ap.add_argument(
        "--stale-ok",
        action="store_true",
        help="reuse the newest cached searchsvc index even if searchsvc's code changed since "
        "(`all` then reports the figures recorded when it was built)",
    )
    ap.add_argument(
        "--profile-records", type=int, default=1000, help="records the profiled build indexes"
    )
    ap.add_argument(
        "--index-dir",
        type=Path,
        default=None,
        help="use this searchsvc index (built elsewhere from the same corpus) instead of "
        "building one; its state.json gives the build figures",
    )
    return ap.parse_args(argv)


def _sh(cmd: str) -> str:
    """Return the output of a shell command, or '' when it fails."""
    try:
        return subprocess.run(
            cmd, shell=True, capture_output=True, text=True, cwd=ROOT, timeout=10
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def machine() -> dict:
    """Describe the machine, the checkout and the moment of the run."""
    mem_kib = int(Path("/proc/meminfo").read_text().split()[1])
    return {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": os.cpu_count(),
        "memory_gib": round(mem_kib / 1024 / 1024, 1),
        "cpu": _sh("grep -m1 'model name' /proc/cpuinfo | cut -d: -f2"),
        "python": platform.python_version(),
        "load_before": os.getloadavg(),
        "git": _sh("git rev-parse --short HEAD"),
        "code_version": code_version(),
        "argv": "scripts/bench " + " ".join(sys.argv[1:]),
    }


def step_index(corpus) -> dict:
    """Build both indexes afresh, one after the other, and print the comparison."""
    print(f"building FTS5 over {corpus.path} ...", flush=True)
    peer = bench_index.build_peer(corpus)
    print(f"building searchsvc over {corpus.path} ...", flush=True)
    ours = bench_index.build_searchsvc(corpus)
    builds = {"searchsvc": ours, "fts5": peer}
    if tantivy_available():
        print(f"building Tantivy over {corpus.path} ...", flush=True)
        builds["tantivy"] = bench_index.build_tantivy(corpus)
    bench_report.index_table(builds)
    return builds


def _engines(corpus) -> list:
    """Open the engines whose index is ready; searchsvc is left out with a note when it fails."""
    engines: list = [PeerEngine(bench_index.peer_db(corpus))]
    if tantivy_available() and bench_index.tantivy_dir(corpus).exists():
        engines.append(TantivyEngine(bench_index.tantivy_dir(corpus)))
    try:
        engines.insert(0, SearchsvcEngine(bench_index.searchsvc_dir(corpus)))
    except Exception:
        print("searchsvc unavailable in-process:\n" + traceback.format_exc(limit=3))
    return engines


def step_pages(args, corpus, known_only: bool) -> dict:
    """Run the results-page queries on both engines: latency, relevance and suggest."""
    known = bench_queries.known_items(args.queries, args.sample)
    queries = list(known)
    if not known_only:
        queries += bench_queries.page_queries(known, bench_index.peer_db(corpus))
    engines = _engines(corpus)
    names = [e.name for e in engines]
    bench_latency.warm_up(engines)
    budget = 1e9 if known_only else args.budget
    results = bench_latency.run_pages(engines, queries, budget)
    out: dict = {"relevance": bench_latency.relevance(results, names)}
    bench_report.relevance_table(out["relevance"])
    if not known_only:
        out["latency"] = bench_latency.latency_rows(results, names)
        ours = next((e for e in engines if e.name == "searchsvc"), None)
        prefixes = bench_queries.prefixes(known)
        out["suggest"] = bench_latency.suggest_latency(ours, prefixes, 120) if ours else None
        bench_report.latency_table(out["latency"], out["suggest"])
    for e in engines:
        e.close()
    return out


def step_profile(args, corpus) -> None:
    """Profile searchsvc's results pages (cached index) and a small one-process build."""
    known = bench_queries.known_items(args.queries, args.sample)
    queries = known + bench_queries.page_queries(known, bench_index.peer_db(corpus))
    engine = SearchsvcEngine(bench_index.searchsvc_dir(corpus))
    bench_latency.warm_up([engine])
    bench_profile.profile_search(engine, queries)
    engine.close()
    bench_profile.profile_build(corpus.path, args.profile_records)


def _save(report: dict, command: str) -> str:
    """Write the run so far as JSON in .bench/ and return the file's name."""
    name = "last-run.json" if command == "all" else f"last-{command}.json"
    if report.get("scale", 1) > 1:
        name = name.replace(".json", f"-x{report['scale']}.json")
    (BENCH_DIR / name).write_text(json.dumps(report, indent=1, ensure_ascii=False, default=str))
    return name


def run(args) -> dict:
    """Run the requested steps and return everything measured (saved after each step)."""
    corpus = prepare_corpus(args.corpus, args.limit, args.queries, args.scale)
    bench_index.STALE_OK = args.stale_ok
    bench_index.GIVEN = args.index_dir.resolve() if args.index_dir else None
    report: dict = {
        "machine": machine(),
        "corpus": str(corpus.source),
        "records_file": str(corpus.path),
        "limit": args.limit,
        "scale": args.scale,
    }
    cmd = args.command
    reuse = (
        cmd == "all"
        and (args.stale_ok or args.index_dir)
        and bench_index.cached(bench_index.searchsvc_dir(corpus))
    )
    if cmd == "index" or (cmd == "all" and not reuse):
        report["index"] = step_index(corpus)
    else:
        report["index"] = bench_index.ensure(corpus)
        bench_report.index_table(report["index"])
    _save(report, cmd)
    if cmd in ("relevance", "latency", "all"):
        report.update(step_pages(args, corpus, known_only=cmd == "relevance"))
        bench_extra.tantivy_tables(report)
        _save(report, cmd)
    ss_dir = bench_index.searchsvc_dir(corpus)
    if cmd in ("costly", "all"):
        report["costly"] = bench_extra.step_costly(ss_dir)
        _save(report, cmd)
    if cmd in ("cold", "all"):
        report["cold"] = bench_extra.step_cold(ss_dir, bench_index.searchsvc_exe())
        _save(report, cmd)
    if cmd == "profile":
        step_profile(args, corpus)
    if cmd in ("load", "memory", "all"):
        report.update(bench_serve.step_serve(args, corpus, load=cmd != "memory"))
    report["machine"]["load_after"] = os.getloadavg()
    if cmd == "all":
        base = bench_extra.baseline_path(args.limit)
        report["scale_growth"] = bench_extra.scale_table(report, base)
    report["goals"] = bench_goals.evaluate(report)
    bench_report.goals_table(report["goals"])
    return report


def main(argv: list[str] | None = None) -> int:
    """Check the prerequisites, run, print, and save the run as JSON."""
    args = parse_args(argv)
    if not args.corpus.exists():
        print(f"corpus not found: {args.corpus} (pass --corpus)", file=sys.stderr)
        return 2
    if not fts5_available():
        print("this Python's sqlite3 has no FTS5: the peer cannot run", file=sys.stderr)
        return 2
    BENCH_DIR.mkdir(exist_ok=True)
    start = time.monotonic()
    report = run(args)
    report["seconds"] = time.monotonic() - start
    name = _save(report, args.command)
    if args.command == "all":
        bench_extra.save_baseline(report)
    m = report["machine"]
    print(
        f"\n{m['argv']} | {m['date']} | {m['nproc']} cores, {m['memory_gib']} GiB | "
        f"load {m['load_before'][0]:.2f} -> {m['load_after'][0]:.2f} | git {m['git']} | "
        f"{report['seconds']:.0f} s | saved .bench/{name}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
