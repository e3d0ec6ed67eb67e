"""Run the reliability and security checks of issue 7 at soak sizes and print their figures.

The checks are the ones `./scripts/test` runs (tests/test_reliability.py, test_fuzz_api.py,
test_fuzz_query.py), called here with larger sizes. Usage:

    scripts/soak [all|load|kills-build|kills-update|writers|crash|fuzz] [--quick]

Exit status 1 when any check found a problem. Record the figures in RELIABILITY.md.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import test_fuzz_api as fa  # noqa: E402
import test_fuzz_query as fq  # noqa: E402
import test_rel_harness as h  # noqa: E402
import test_reliability as rel  # noqa: E402
from server import serve  # noqa: E402

Figures = dict[str, Any]


def soak_load(tmp: Path, quick: bool) -> Figures:
    """Searches at 50/s for about 2 minutes while the index is rebuilt 3 times."""
    sizes = {"a": 200, "b": 600} if quick else {"a": 400, "b": 1500}
    dwell = 3.0 if quick else 20.0
    return rel.reindex_under_load(tmp, sizes, ["a", "b", "a", "b"], 50, dwell, grace=5.0)


def soak_kills_build(tmp: Path, quick: bool) -> Figures:
    """SIGKILL 20 builds at moments spread over the time they hold the writer lock."""
    return rel.kills_during_build(tmp, 100, 400 if quick else 1000, 5 if quick else 20, seed=11)


def soak_kills_update(tmp: Path, quick: bool) -> Figures:
    """SIGKILL 20 updates (new and changed articles) spread over the time they hold the lock."""
    n_new = 300 if quick else 800
    return rel.kills_during_update(tmp, 200, 100, n_new, 5 if quick else 20, seed=12)


def soak_writers(tmp: Path, quick: bool) -> Figures:
    """Start two builds together, 5 times: exactly one may proceed each time."""
    rounds, problems = [], []
    for i in range(2 if quick else 5):
        (tmp / str(i)).mkdir()
        got = rel.concurrent_builds(tmp / str(i), 300)
        codes = [e[1] for e in got["ended"]]
        rounds.append(codes)
        if sorted(c == 0 for c in codes) != [False, True]:
            problems.append(f"round {i}: exit codes {codes}")
    return {"rounds": rounds, "problems": problems}


def soak_crash(tmp: Path, quick: bool) -> Figures:
    """SIGKILL 10 busy gunicorn workers mid-request; count failures after each kill."""
    src = tmp / "a.jsonl"
    h.write_archive(src, "a", "markera", 300, seed=1)
    h.build(tmp / "index", src)
    with serve(tmp / "index", workers=2) as server:
        figures = rel.worker_crash(server, crashes=3 if quick else 10, requests_after=50)
    problems = [] if figures["after_failed"] == 0 else ["requests failed after a kill"]
    problems += ["a worker was not replaced"] * (not all(figures["replaced"]))
    return {**figures, "problems": problems}


def soak_fuzz(tmp: Path, quick: bool) -> Figures:
    """Send about 10,000 generated API requests and 6,000 hostile queries."""
    index = tmp / "index"
    done = h.cli("index", "build", "--index", index)
    assert done.returncode == 0, done.stderr
    scale = 10 if quick else 1
    return {
        # Per operation with parameters (3 of them): 6,000 valid and 4,050 invalid requests.
        "api_positive": _plain(fa.fuzz_api(index, 2000 // scale, "positive", seed=1)),
        "api_negative": _plain(fa.fuzz_api(index, 1350 // scale, "negative", seed=2)),
        "searcher": fq.run_searcher(index, 3000 // scale, seed=3),
        "params": fq.run_params(index, 1000 // scale, seed=4),
        "http": _plain(fq.run_http(index, 2000 // scale, seed=5)),
        "problems": [],
    }


def _plain(figures: Figures) -> Figures:
    """Return figures with counters turned into plain dicts for JSON."""
    return {k: dict(v) if isinstance(v, dict) else v for k, v in figures.items()}


CHECKS: dict[str, Callable[[Path, bool], Figures]] = {
    "load": soak_load,
    "kills-build": soak_kills_build,
    "kills-update": soak_kills_update,
    "writers": soak_writers,
    "crash": soak_crash,
    "fuzz": soak_fuzz,
}


def run(name: str, quick: bool) -> Figures:
    """Run one check in a fresh temporary directory; turn a failure into a problem."""
    start = time.monotonic()
    with tempfile.TemporaryDirectory(prefix=f"soak-{name}-") as tmp:
        try:
            figures = CHECKS[name](Path(tmp), quick)
        except Exception as exc:  # a failed assertion inside a check is a finding, not a crash
            figures = {"problems": [f"{type(exc).__name__}: {exc}"[:2000]]}
            traceback.print_exc()
    figures["seconds"] = round(time.monotonic() - start, 1)
    return figures


def main(argv: list[str] | None = None) -> int:
    """Run the chosen checks, print one JSON line of figures each, and a verdict."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "checks", nargs="*", metavar="CHECK", help=f"all (default), {', '.join(CHECKS)}"
    )
    parser.add_argument("--quick", action="store_true", help="small sizes, to try the script")
    args = parser.parse_args(argv)
    unknown = set(args.checks) - {"all", *CHECKS}
    if unknown:
        parser.error(f"unknown check {', '.join(sorted(unknown))}")
    names = list(CHECKS) if not args.checks or "all" in args.checks else args.checks
    print(f"# soak {' '.join(names)} on {platform.node()} at {datetime.now(UTC):%Y-%m-%d %H:%M}Z")
    failed = []
    for name in names:
        figures = run(name, args.quick)
        print(json.dumps({"check": name, **figures}, ensure_ascii=False, default=str), flush=True)
        if figures["problems"]:
            failed.append(name)
    print("# verdict:", "FAILED " + ", ".join(failed) if failed else "all checks passed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
