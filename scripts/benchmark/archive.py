"""Measure how fast the archive reader reads JSON Lines, beside the floor of gzip + json alone.

Usage: PYTHONPATH=scripts .venv/bin/python -m benchmark.archive [SOURCE...]
(default: ../shared/corpus/*.gz)
Prints records/s in wall-clock and in CPU time; CPU time is the fairer figure on a shared box.
"""

from __future__ import annotations

import gzip
import json
import sys
import time
from pathlib import Path

from searchsvc.archive import ReadReport, read_sources

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus"


def floor(path: Path) -> tuple[int, float]:
    """Return the records of a JSON Lines file and the CPU seconds of decompressing and parsing."""
    started, count = time.process_time(), 0
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rb") as stream:
        for line in stream:
            if line.strip():
                json.loads(line)
                count += 1
    return count, time.process_time() - started


def measure(path: Path) -> None:
    """Read one source with the archive reader and print its figures beside the floor."""
    report = ReadReport()
    wall, cpu = time.perf_counter(), time.process_time()
    for _article in read_sources([path], None, report):
        pass
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    records, floor_cpu = floor(path)
    print(
        f"{path.name}: {report.read:,} read ({report.accepted:,} accepted, "
        f"{report.rejected:,} rejected, {report.warnings:,} warnings) in {wall:.1f} s wall, "
        f"{cpu:.1f} s CPU: {report.read / wall:,.0f}/s wall, {report.read / cpu:,.0f}/s CPU; "
        f"gzip + json.loads alone: {records / floor_cpu:,.0f}/s CPU"
    )


def main(argv: list[str]) -> None:
    """Measure each source given, or the shared corpus."""
    sources = [Path(a) for a in argv] or sorted(CORPUS.glob("*.jsonl.gz"))
    if not sources:
        sys.exit(f"no sources: give some, or put the corpus in {CORPUS}")
    for source in sources:
        measure(source)


if __name__ == "__main__":
    main(sys.argv[1:])
