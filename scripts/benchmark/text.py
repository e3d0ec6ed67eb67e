"""Measure the speed of vietnamese.text (normalize, fold, accent_key, tokens) on real text.

Usage: PYTHONPATH=scripts .venv/bin/python -m benchmark.text [--records N] [--corpus PATH]

Reads the bodies of the first N records of a JSON Lines corpus (default: the VNTC corpus
in ../shared/corpus, all records) and reports characters per second for each function,
called once per article body and once per token, next to `str.lower` as a yardstick of
how busy the machine is.
"""

from __future__ import annotations

import argparse
import gzip
import json
import time
from collections.abc import Callable
from pathlib import Path

from searchsvc.vietnamese import text

DEFAULT_CORPUS = Path(__file__).resolve().parent.parent.parent / "shared/corpus/vntc.jsonl.gz"


def load(path: Path, records: int | None) -> list[str]:
    """Return the bodies of the first records of a corpus."""
    bodies: list[str] = []
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as f:
        for i, line in enumerate(f):
            if records is not None and i >= records:
                break
            bodies.append(json.loads(line).get("body") or "")
    return bodies


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
    bodies = [text.normalize(b) for b in load(args.corpus, args.records)]
    size = sum(map(len, bodies))
    print(f"{len(bodies)} articles, {size / 1e6:.1f} M characters, one call per article")
    measure("str.lower (yardstick)", size, lambda: consume(b.lower() for b in bodies))
    for name in ("normalize", "fold", "accent_key"):
        func = getattr(text, name)
        measure(name, size, lambda func=func: consume(map(func, bodies)))
    measure("tokens", size, lambda: consume(t for b in bodies for t in text.tokens(b)))
    sample = bodies[:5000]  # per token: the first 5,000 articles are plenty
    words = [t.text for b in sample for t in text.tokens(b)]
    small = sum(map(len, sample))
    print(f"per token: {len(words)} tokens of {small / 1e6:.1f} M characters")
    measure("fold per token", small, lambda: consume(map(text.fold, words)))
    measure("accent_key per token", small, lambda: consume(map(text.accent_key, words)))


if __name__ == "__main__":
    main()
