"""How well Telex typed with the input method off is read back, and how rarely plain text is.

    PYTHONPATH=scripts .venv/bin/python -m benchmark.telex [--corpus FILE] [--phrases 2000]

- recovered: headline windows of 3-6 words from the corpus (lowercase, punctuation dropped),
  every Vietnamese word typed in Telex (modifier keys after their letter, the tone key at the
  end: `nguwowif`), foreign words and numbers as they are; a window is recovered when the
  query's reading equals the window (tone marks compared in canonical place).
- rewritten: share of words changed when ordinary text is read as a query: English words
  alone (the 10,000 commonest, from the `wordfreq` package when it is installed), English
  word runs found in the corpus (two or more foreign words in a row), and folded Vietnamese
  (corpus headline windows and single title words without accents).
Articles of the known-item files are left out of the windows.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import unicodedata
from collections.abc import Iterator
from pathlib import Path

from benchmark.common import DEFAULT_CORPUS, SHARED, iter_records
from searchsvc.vietnamese import syllable, text

_WORD = re.compile(r"[^\W_]+")
_KEYS = {"â": "aa", "ă": "aw", "ê": "ee", "ô": "oo", "ơ": "ow", "ư": "uw", "đ": "dd"}
_TONES = dict(zip("\u0301\u0300\u0309\u0303\u0323", "sfrxj", strict=True))


def to_telex(word: str) -> str:
    """Type a lowercase Vietnamese word in Telex: modifiers after their letter, tone last."""
    keys, tone = [], ""
    for c in word:
        parts = unicodedata.normalize("NFD", c)
        tone += "".join(_TONES[x] for x in parts if x in _TONES)
        base = unicodedata.normalize("NFC", "".join(x for x in parts if x not in _TONES))
        keys.append(_KEYS.get(base, base))
    return "".join(keys) + tone


def is_vietnamese(word: str) -> bool:
    """Return whether a lowercase word is one Vietnamese syllable (with or without marks)."""
    bare, tones = syllable.split_tone(text.accent_key(word))
    parsed = syllable.parse(bare)
    return parsed is not None and len(tones) <= 1


def reading(query: str) -> str:
    """Return what the search reads a query as (the Telex reading, else the query)."""
    return text.from_telex(query) or query


def _excluded() -> set[str]:
    """Return the article ids of the known-item files (kept out of the windows)."""
    ids: set[str] = set()
    for name in ("known-items-dev.jsonl", "known-items-dev2.jsonl"):
        path = SHARED / "eval" / name
        if path.exists():
            ids |= {json.loads(line)["target"] for line in path.open(encoding="utf-8")}
    return ids


def titles(corpus: Path, limit: int) -> Iterator[tuple[str, list[str]]]:
    """Yield (title, its lowercase words) of the corpus's first titled records."""
    skip = _excluded()
    seen = 0
    for record in iter_records(corpus):
        title = record.get("title")
        if not title or record.get("id") in skip:
            continue
        yield title, _WORD.findall(text.normalize(title).lower())
        seen += 1
        if seen >= limit:
            return


def windows(titled: list[list[str]], count: int, rng: random.Random) -> list[list[str]]:
    """Return `count` windows of 3-6 words with at least two Vietnamese words."""
    out: list[list[str]] = []
    pool = [w for w in titled if len(w) >= 3]
    while pool and len(out) < count:
        words = rng.choice(pool)
        size = min(len(words), rng.randint(3, 6))
        start = rng.randint(0, len(words) - size)
        window = words[start : start + size]
        if sum(is_vietnamese(w) and not w.isascii() for w in window) >= 2:
            out.append(window)
    return out


def recovered(windows_: list[list[str]]) -> tuple[float, list[str]]:
    """Return the share of Telex-typed windows read back as written, and some misses."""
    hits, misses = 0, []
    for window in windows_:
        typed = " ".join(to_telex(w) if is_vietnamese(w) else w for w in window)
        want = text.accent_key(" ".join(window))
        got = text.accent_key(reading(typed))
        hits += got == want
        if got != want and len(misses) < 40:
            misses.append(f"{typed} -> {got} (want {want})")
    return hits / max(len(windows_), 1), misses


def rewritten(phrases: list[str]) -> tuple[float, list[str]]:
    """Return the share of words a query reading changes, and examples."""
    words = changed = 0
    examples: list[str] = []
    for phrase in phrases:
        before = phrase.split()
        after = reading(phrase).split()
        words += len(before)
        diff = sum(a != b for a, b in zip(before, after, strict=False))
        changed += diff
        if diff and len(examples) < 40:
            examples.append(f"{phrase} -> {' '.join(after)}")
    return changed / max(words, 1), examples


def english_words(n: int) -> list[str]:
    """Return the n commonest English words from wordfreq, or [] without it."""
    try:
        from wordfreq import top_n_list
    except ImportError:
        return []
    return [w for w in top_n_list("en", n * 2) if w.isalpha() and w.isascii()][:n]


def foreign_runs(titled: list[list[str]]) -> list[str]:
    """Return runs of two or more non-Vietnamese ASCII words found in titles."""
    runs: list[str] = []
    for words in titled:
        run: list[str] = []
        for w in [*words, ""]:
            if w and w.isascii() and w.isalpha() and not is_vietnamese(w):
                run.append(w)
                continue
            if len(run) >= 2:
                runs.append(" ".join(run))
            run = []
    return runs


def main(argv: list[str] | None = None) -> None:
    """Print the Telex figures as JSON (with examples of misses on standard error)."""
    ap = argparse.ArgumentParser(prog="benchmark.telex", description=__doc__)
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--titles", type=int, default=40_000)
    ap.add_argument("--phrases", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--examples", action="store_true")
    args = ap.parse_args(argv)
    rng = random.Random(args.seed)
    titled = [w for _, w in titles(args.corpus, args.titles)]
    win = windows(titled, args.phrases, rng)
    folded = [text.fold(" ".join(w)) for w in windows(titled, args.phrases, rng)]
    vocab = sorted({text.fold(w) for ws in titled for w in ws if w.isalpha()})
    english = english_words(10_000)
    figures = {}
    details = {}
    figures["telex_recovered"], details["telex misses"] = recovered(win)
    for name, phrases in (
        ("english_words_rewritten", english),
        ("english_runs_rewritten", foreign_runs(titled)),
        ("folded_windows_rewritten", folded),
        ("folded_words_rewritten", vocab),
    ):
        figures[name], details[name] = rewritten(phrases)
        figures[name.replace("rewritten", "count")] = len(phrases)
    print(json.dumps({k: round(v, 4) for k, v in figures.items()}, indent=2))
    if args.examples:
        for name, lines in details.items():
            print(f"\n# {name}", *lines, sep="\n")


if __name__ == "__main__":
    main()
