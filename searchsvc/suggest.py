"""Completions for what a visitor is typing: frequent title phrases, then titles.

Built once per generation from the titles: sorted folded keys searched with bisect, so a
keystroke costs microseconds, never a search.
"""

from __future__ import annotations

import itertools
import re
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from searchsvc import text

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
    """Index titles and their frequent two-syllable phrases for completion."""
    counts: Counter[str] = Counter()
    displays: dict[str, Counter[str]] = {}
    by_key: dict[str, str] = {}
    for title in titles:
        title = " ".join(text.normalize(title).split())
        if not title:
            continue
        words = _WORD.findall(title.lower())
        by_key.setdefault(_key(title), title)
        counts.update(f"{a} {b}" for a, b in itertools.pairwise(words))
    for phrase, n in counts.items():
        if n >= MIN_PHRASE_COUNT:
            displays.setdefault(_key(phrase), Counter())[phrase] += n
    phrases = sorted((k, (c.most_common(1)[0][0], sum(c.values()))) for k, c in displays.items())
    title_items = sorted(by_key.items())
    return Suggester(
        [k for k, _ in phrases],
        [v for _, v in phrases],
        [k for k, _ in title_items],
        [t for _, t in title_items],
    )
