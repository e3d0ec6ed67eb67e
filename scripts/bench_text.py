"""Measure the speed of searchsvc.text (normalize, fold, accent_key, tokens) on real text.

Usage: .venv/bin/python scripts/bench_text.py [--records N] [--corpus PATH]

Reads the bodies of the first N records of a JSON Lines corpus (default: the VNTC corpus
in ../shared/corpus, all records), joins them into one long text and reports characters
per second for each function on the whole text and per token, next to `str.lower` as a
yardstick of how busy the machine is.
"""

from __future__ import annotations

import argparse
import gzip
import json
import time
from collections.abc import Callable
from pathlib import Path

from searchsvc import text

DEFAULT_CORPUS = Path(__file__).resolve().parent.parent.parent / "shared/corpus/vntc.jsonl.gz"


def load(path: Path, records: int | None) -> str:
    """Return the bodies of the first records of a corpus, one per line."""
    bodies: list[str] = []
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as f:
        for i, line in enumerate(f):
            if records is not None and i >= records:
                break
            bodies.append(json.loads(line).get("body") or "")
    return "\n".join(bodies)


def measure(name: str, size: int, run: Callable[[], object]) -> None:
    """Run once and print characters per second."""
    start = time.perf_counter()
    run()
    took = time.perf_counter() - start
    print(f"{name:34s} {size / took / 1e6:7.1f} M chars/s  {took:7.2f} s")


def consume(iterable: object) -> None:
    """Exhaust an iterator without keeping its items."""
    for _ in iterable:  # type: ignore[attr-defined]
        pass


def main() -> None:
    """Parse options and run the measurements."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=None)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    args = parser.parse_args()
    body = text.normalize(load(args.corpus, args.records))
    size = len(body)
    print(f"{size / 1e6:.1f} M characters")
    measure("str.lower (yardstick)", size, body.lower)
    measure("normalize", size, lambda: text.normalize(body))
    measure("fold (whole text)", size, lambda: text.fold(body))
    measure("accent_key (whole text)", size, lambda: text.accent_key(body))
    measure("tokens", size, lambda: consume(text.tokens(body)))
    sample = body[:10_000_000]  # per token: the first 10 M characters are plenty
    words = [t.text for t in text.tokens(sample)]
    measure("fold per token", len(sample), lambda: consume(map(text.fold, words)))
    measure("accent_key per token", len(sample), lambda: consume(map(text.accent_key, words)))


if __name__ == "__main__":
    main()
