"""Completions for what a visitor is typing: title phrases, categories, document numbers, titles.

The tables are derived once per generation (`store.phrases`, read from the generation's
lexicon file): phrases of two and three words that start anywhere in a title where a phrase
can start (never at the second syllable of a bound word: `hoạch` follows `kế` in every
title that has it), category names and the document numbers the archive cites. Each is
ranked by how many articles hold it. Sorted folded keys are searched with bisect, so
a keystroke costs microseconds, never a search. A prefix matches folded (`cai`), accented
(`cải`: forms with those accents first), typed in Telex (`xuaan`) and over several words.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from searchsvc.store.phrases import Completions, completions, fold_key
from searchsvc.vietnamese import text

MAX_SCAN = 4000
_key = fold_key


@dataclass(frozen=True)
class Suggester:
    """Completions of one generation: sorted folded keys of phrases and titles, searched
    by prefix (the tables are lists or a mapped lexicon file's compact ones)."""

    data: Completions

    def suggest(self, prefix: str, limit: int = 10) -> list[str]:
        """Return up to `limit` completions of a prefix: phrases by articles, then titles.

        While a first word is typed without accents (`tha`), the phrases come one per word
        (`thành công`, `Thái Lan`, `tham gia`...), the words ranked by how often titles hold
        them: the commonest word's many phrases would otherwise hide every other word.
        """
        d = self.data
        prefix = prefix[:200]
        readings = [prefix, *([t] if (t := text.from_telex(prefix)) else [])]
        keys = [k + (" " if prefix[-1:].isspace() else "") for k in map(_key, readings) if k]
        if not keys or limit <= 0:
            return []
        typed = text.accent_key(" ".join(readings[-1].split()))
        found = {i for key in keys for i in _scan(d.phrase_keys, key)}
        ranked = sorted(found, key=lambda i: (-d.counts[i], d.lengths[i]))
        accented = typed != text.fold(typed)
        one_word = keys[0].isalpha() and not accented  # a first word, maybe not all typed
        head = limit if one_word else max(limit // 2, limit - 5)
        first = self._per_word(ranked) if one_word else self._diverse(ranked, head)
        if accented:  # phrases with those accents first
            for phrases in (ranked, first):
                phrases.sort(key=lambda i: not text.accent_key(d.displays[i]).startswith(typed))
        out: list[str] = []
        seen: set[str] = set()
        for i in first[:head]:
            _add(out, seen, d.displays[i], d.phrase_keys[i])
        for i in (i for key in keys for i in _scan(d.title_keys, key)):
            if len(out) >= limit:
                break
            _add(out, seen, d.titles[i], d.title_keys[i])
        for i in ranked:
            if len(out) >= limit:
                break
            _add(out, seen, d.displays[i], d.phrase_keys[i])
        return out[:limit]

    def _diverse(self, ranked: list[int], want: int) -> list[int]:
        """Return the first `want` ranked phrases that extend none before them (`tổ chức hội`)."""
        d = self.data
        out: list[int] = []
        for i in ranked:
            if len(out) >= want:
                break
            if not any(d.phrase_keys[i].startswith(d.phrase_keys[j] + " ") for j in out):
                out.append(i)
        return out

    def _per_word(self, ranked: list[int]) -> list[int]:
        """Return the commonest phrase of each first word, the words ranked by their count.

        A word's count adds up its two-word phrases (every title place where it is followed
        by another word); words are told apart with their accents (`thể`, `thế`). Words that
        seldom start a title or clause come last: second syllables (`hoạch` of `kế hoạch`,
        `quy hoạch`, `thu hoạch`, which no single word before it binds) and linking words.
        """
        d = self.data
        best: dict[int, int] = {}
        count: dict[int, int] = {}
        for i in ranked:
            word = d.heads[i]
            best.setdefault(word, i)
            count[word] = count.get(word, 0) + (d.counts[i] if d.spaces[i] == 1 else 0)
        words = sorted(
            best,
            key=lambda w: (d.head_words[w] not in d.openers, -max(count[w], d.counts[best[w]])),
        )
        return [best[w] for w in words]


def _add(out: list[str], seen: set[str], display: str, key: str) -> None:
    """Append a completion unless its folded key was already given."""
    if key not in seen:
        seen.add(key)
        out.append(display)


def _scan(keys: Sequence[str], key: str) -> range:
    """Return the indexes of sorted keys starting with key (at most MAX_SCAN)."""
    # No key holds U+10FFFF (keys are words and spaces): every key with the prefix sorts
    # before key + U+10FFFF, every other key after it.
    first = bisect_left(keys, key)
    return range(first, min(bisect_left(keys, key + "\U0010ffff", first), first + MAX_SCAN))


def build_suggester(
    titles: Iterable[str],
    categories: Iterable[tuple[str, int]] = (),
    docnums: Iterable[tuple[str, int]] = (),
    body_df: Callable[[str, str], int] | None = None,
) -> Suggester:
    """Return the suggester of titles, category names and document numbers (with counts)."""
    return Suggester(completions(titles, categories, docnums, body_df))
