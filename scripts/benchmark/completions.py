"""How well completions anticipate headlines: prefixes of real titles, typed without accents.

    PYTHONPATH=scripts .venv/bin/python -m benchmark.completions --index DIR [--sample 2000]

For an evenly spread sample of the index's titles (two words or more, first word of three
letters or more), two prefixes are typed folded (no accents, lowercase):
- `word`: the first word plus two letters of the second (`tang tr` for "Tăng trưởng ...");
  a hit when a top-5 completion starts with the title's first two words;
- `letters`: three letters of the first word (`tan`); a hit when a top-5 completion starts
  with the title's first word.
Also counts completions that run no search hit (`empty`): each one is searched for a sample.
"""

from __future__ import annotations

import argparse
import json
import re
import time
from pathlib import Path

from searchsvc.searching import Searcher, SearchRequest
from searchsvc.vietnamese import text

_WORD = re.compile(r"[^\W\d_]+")


def _key(value: str) -> list[str]:
    """Return the folded words of a text."""
    return _WORD.findall(text.fold(text.normalize(value)))


def sample_titles(searcher: Searcher, size: int) -> list[list[str]]:
    """Return the folded words of an evenly spread sample of suitable titles."""
    snap = searcher._live.current().snap
    titles = [t for t, ok in zip(snap.titles, snap.live, strict=False) if ok]
    words = [_key(t) for t in titles]
    suitable = [w for w in words if len(w) >= 2 and len(w[0]) >= 3 and len(w[1]) >= 2]
    step = max(1, len(suitable) // size)
    return suitable[::step][:size]


def _starts(suggestion: str, words: list[str]) -> bool:
    """Return whether a completion's first words are the given folded words."""
    return _key(suggestion)[: len(words)] == words


def measure(searcher: Searcher, titles: list[list[str]], check_empty: int) -> dict[str, float]:
    """Return the hit rates of both prefix kinds and the share of empty completions."""
    hits = {"word": 0, "letters": 0}
    took: list[float] = []
    chosen: list[str] = []
    for words in titles:
        started = time.perf_counter()
        two = searcher.suggest(f"{words[0]} {words[1][:2]}", 5)
        three = searcher.suggest(words[0][:3], 5)
        took.append((time.perf_counter() - started) * 500)
        hits["word"] += any(_starts(s, words[:2]) for s in two)
        hits["letters"] += any(_starts(s, words[:1]) for s in three)
        chosen += (two + three)[:1]
    empty = sum(
        searcher.search(SearchRequest(s, per_page=1)).total == 0 for s in chosen[:check_empty]
    )
    took.sort()
    n = max(len(titles), 1)
    return {
        "titles": len(titles),
        "word_plus_two_letters_top5": hits["word"] / n,
        "three_letters_top5": hits["letters"] / n,
        "empty_completions": empty / max(min(len(chosen), check_empty), 1),
        "p50_ms": took[len(took) // 2] if took else 0.0,
    }


def main(argv: list[str] | None = None) -> None:
    """Print the completion figures of an index as JSON."""
    ap = argparse.ArgumentParser(prog="benchmark.completions", description=__doc__)
    ap.add_argument("--index", type=Path, required=True)
    ap.add_argument("--sample", type=int, default=2000)
    ap.add_argument("--check-empty", type=int, default=300)
    args = ap.parse_args(argv)
    searcher = Searcher(args.index, warm=False)
    searcher.suggest("a")  # build the completion lists before timing
    figures = measure(searcher, sample_titles(searcher, args.sample), args.check_empty)
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
