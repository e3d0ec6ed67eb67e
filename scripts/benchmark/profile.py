"""Where the time goes: cProfile of searchsvc's results pages and of a one-process build."""

from __future__ import annotations

import cProfile
import gzip
import io
import itertools
import json
import pstats
import shutil
import tempfile
from pathlib import Path

from benchmark.common import BENCH_DIR, iter_records


def _top(prof: cProfile.Profile, title: str, out: Path, n: int = 25) -> None:
    """Write the full statistics to a file and print the top functions by own and total time."""
    buf = io.StringIO()
    stats = pstats.Stats(prof, stream=buf).strip_dirs()
    for key in ("tottime", "cumulative"):
        buf.write(f"\n=== {title}: top {n} by {key}\n")
        stats.sort_stats(key).print_stats(n)
    out.write_text(buf.getvalue())
    prof.dump_stats(out.with_suffix(".prof"))
    print(f"\n### profile: {title} (full listing in {out})\n")
    print("\n".join(line for line in buf.getvalue().splitlines()[:60] if line.strip()))


def profile_search(engine, queries: list) -> None:
    """Profile the in-process results pages of searchsvc over the benchmark queries."""
    prof = cProfile.Profile()
    for q in queries:
        prof.enable()
        try:
            engine.page(q)
        except Exception as exc:  # profile what works; show what does not
            print(f"profile: {q.text!r} failed: {type(exc).__name__}: {exc}")
        finally:
            prof.disable()
    title = f"searchsvc results pages ({len(queries)} queries)"
    _top(prof, title, BENCH_DIR / "profile-search.txt")


def profile_build(corpus_path: Path, n: int) -> None:
    """Profile `indexer.build` of the first n records in this one process (workers=1)."""
    from searchsvc.indexing import indexer

    sample = BENCH_DIR / f"profile-corpus-{n}.jsonl.gz"
    with gzip.open(sample, "wt", encoding="utf-8") as f:
        for rec in itertools.islice(iter_records(corpus_path), n):
            f.write(json.dumps(rec, ensure_ascii=False) + "\n")
    target = Path(tempfile.mkdtemp(prefix="profile-index-", dir=BENCH_DIR))
    prof = cProfile.Profile()
    try:
        prof.enable()
        indexer.build([sample], target, workers=1)
        prof.disable()
    finally:
        shutil.rmtree(target, ignore_errors=True)
    _top(prof, f"searchsvc build of {n} records, one process", BENCH_DIR / "profile-build.txt")
