"""Completions for what a visitor is typing: frequent title phrases, then titles.

Built once per generation from the titles: sorted folded keys searched with bisect, so a
keystroke costs microseconds, never a search.
"""

from __future__ import annotations

import itertools
import re
from array import array
from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from searchsvc.vietnamese import text

_WORD = re.compile(r"[^\W_]+")
MIN_PHRASE_COUNT = 2
MAX_SCAN = 4000


def _key(value: str) -> str:
    """Return the folded, single-spaced form of a text."""
    return " ".join(_WORD.findall(text.fold(text.normalize(value))))


@dataclass(frozen=True)
class Suggester:
    """Sorted (folded key, display) lists of phrases (with counts) and titles."""

    phrase_keys: list[str]
    phrases: list[tuple[str, int]]
    title_keys: list[str]
    titles: list[str]

    def suggest(self, prefix: str, limit: int = 10) -> list[str]:
        """Return up to `limit` completions of a prefix, accent-insensitive."""
        key = _key(prefix[:200])
        if not key or limit <= 0:
            return []
        if prefix[-1:].isspace():
            key += " "
        found = _scan(self.phrase_keys, key)
        ranked = sorted(found, key=lambda i: -self.phrases[i][1])
        out: list[str] = []
        seen: set[str] = set()
        for i in ranked[: max(limit // 2, limit - 5)]:
            _add(out, seen, self.phrases[i][0], self.phrase_keys[i])
        for i in _scan(self.title_keys, key):
            if len(out) >= limit:
                break
            _add(out, seen, self.titles[i], self.title_keys[i])
        for i in ranked[max(limit // 2, limit - 5) :]:
            if len(out) >= limit:
                break
            _add(out, seen, self.phrases[i][0], self.phrase_keys[i])
        return out[:limit]


def _add(out: list[str], seen: set[str], display: str, key: str) -> None:
    """Append a completion unless its folded key was already given."""
    if key not in seen:
        seen.add(key)
        out.append(display)


def _scan(keys: list[str], key: str) -> list[int]:
    """Return the indexes of keys starting with key (at most MAX_SCAN)."""
    i = bisect_left(keys, key)
    out: list[int] = []
    while i < len(keys) and len(out) < MAX_SCAN and keys[i].startswith(key):
        out.append(i)
        i += 1
    return out


def build_suggester(titles: Iterable[str]) -> Suggester:
    """Index titles and their frequent two-syllable phrases for completion.

    Phrases are counted as integer codes in a numpy array rather than as strings in a
    Counter: building for the full archive then peaks tens of MB lower, and the freed
    temporaries do not fragment the heap a worker keeps for its whole life.
    """
    word_ids: dict[str, int] = {}
    codes = array("q")
    by_key: dict[str, str] = {}
    for title in titles:
        spaced = " ".join(text.normalize(title).split())
        if not spaced:
            continue
        title = title if spaced == title else spaced  # share the snapshot's string if equal
        ids = [word_ids.setdefault(w, len(word_ids)) for w in _WORD.findall(title.lower())]
        by_key.setdefault(_key(title), title)
        codes.extend((a << 32) | b for a, b in itertools.pairwise(ids))
    phrases = sorted(_frequent_phrases(list(word_ids), np.frombuffer(codes, dtype=np.int64)))
    title_items = sorted(by_key.items())
    return Suggester(
        [k for k, _ in phrases],
        [v for _, v in phrases],
        [k for k, _ in title_items],
        [t for _, t in title_items],
    )


def _frequent_phrases(words: list[str], codes: Any) -> list[tuple[str, tuple[str, int]]]:
    """Return (folded key, (display, count)) of the word pairs seen MIN_PHRASE_COUNT+ times.

    A key's display is its most frequent spelling, the first seen among equals; its count
    adds up every spelling.
    """
    unique, first, counts = np.unique(codes, return_index=True, return_counts=True)
    keep = counts >= MIN_PHRASE_COUNT
    unique, first, counts = unique[keep], first[keep], counts[keep]
    best: dict[str, list[Any]] = {}  # key -> [display, its count, total]
    for i in np.argsort(first, kind="stable"):
        code, n = int(unique[i]), int(counts[i])
        phrase = f"{words[code >> 32]} {words[code & 0xFFFFFFFF]}"
        entry = best.setdefault(_key(phrase), [phrase, n, 0])
        if n > entry[1]:
            entry[0], entry[1] = phrase, n
        entry[2] += n
    return [(k, (e[0], e[2])) for k, e in best.items()]
