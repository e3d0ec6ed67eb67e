"""Completion data of a generation: title phrases, categories, document numbers, titles.

Derived once per generation (at build and update time, or at open for an index written
before the lexicon file): phrases of two and three words that start anywhere in a title
where a phrase can start (never at the second syllable of a bound word: `hoạch` follows `kế`
in every title that has it), category names and the document numbers the archive cites,
each counted by how many articles hold it, and the titles themselves; all keyed by their
folded form and sorted by it, so that `searching.suggest` finds a prefix with bisect.
"""

from __future__ import annotations

import re
from array import array
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from searchsvc.vietnamese import text

_WORD = re.compile(r"[^\W_]+")
_BREAK = re.compile(r"[.,;:!?()\[\]{}\"“”‘’«»|…]+|\s[-–—]\s")
_DOCNUM = re.compile(r"^\d+(?:/\d+)*/[a-zđ][\w.&-]*$")
_JOINED = re.compile(r"[^\s|]*[^\W_][/&.-][^\W_][^\s|]*")  # 45/KH-UBND, 2022-2023
_WRITTEN_NUMBER = re.compile(r"(?<![\w/])\d+(?:/\d+)*/[^\W\d_][\w.&/-]*\w")  # 45/KH-UBND
SMALL_ARCHIVE = 5000  # below this many titles, phrases seen once are offered too
BOUND = 0.7  # a word this often after the same word is its second syllable (kế hoạch)
# A word starting fewer of its title places than this is a second syllable or a linking word:
# VNTC titles start viên, chức, của, hoạch at 0-3% of their places; theo, ngày, người at 20-40%.
OPENS = 0.05
_BITS = 21  # bits per word id in a phrase code: three ids in one int64
_MASK = (1 << _BITS) - 1


def fold_key(value: str) -> str:
    """Return the folded, single-spaced form of a text."""
    return " ".join(_WORD.findall(text.fold(text.normalize(value))))


@dataclass(frozen=True)
class Completions:
    """Sorted folded keys of phrases and of titles, with what ranking a phrase needs.

    Per phrase: its display, article count, length in characters, number of spaces and
    first word (an index into `head_words`: accented, lowercase). `openers` holds the words
    (accented, lowercase) that often start a title or a clause, and the first words of
    category names. The sequences are lists when derived in memory and compact tables
    (`lexicon.Strings`, int arrays) when read from a generation's lexicon file.
    """

    phrase_keys: Sequence[str]
    displays: Sequence[str]
    counts: Sequence[int]
    lengths: Sequence[int]
    spaces: Sequence[int]
    heads: Sequence[int]
    head_words: Sequence[str]
    title_keys: Sequence[str]
    titles: Sequence[str]
    openers: frozenset[str] = frozenset()

    @classmethod
    def of(
        cls,
        phrases: list[tuple[str, tuple[str, int]]],
        titles: list[tuple[str, str]],
        openers: frozenset[str],
    ) -> Completions:
        """Return the tables of sorted (key, (display, count)) phrases and (key, title)s."""
        displays = [display for _, (display, _) in phrases]
        head_of: dict[str, int] = {}
        heads = [head_of.setdefault(first_word(d), len(head_of)) for d in displays]
        return cls(
            [k for k, _ in phrases],
            displays,
            [n for _, (_, n) in phrases],
            [len(d) for d in displays],
            [d.count(" ") for d in displays],
            heads,
            list(head_of),
            [k for k, _ in titles],
            [t for _, t in titles],
            openers,
        )


def first_word(phrase: str) -> str:
    """Return the first word of a phrase, lowercase with its accents."""
    return text.accent_key(phrase.split(" ", 1)[0].lower())


def completions(
    titles: Iterable[str],
    categories: Iterable[tuple[str, int]] = (),
    docnums: Iterable[tuple[str, int]] = (),
    body_df: Callable[[str, str], int] | None = None,
) -> Completions:
    """Index titles, their phrases, category names (with article counts) and document numbers.

    `body_df(field, term)` (document frequencies of body words and pairs) helps a small
    archive, whose few titles say little, tell bound words (văn hóa) from free ones.
    Phrases are counted as integer codes in numpy arrays rather than as strings in a
    Counter: building for the full archive then peaks tens of MB lower.
    """
    words = _Words()
    by_key: dict[str, str] = {}
    for title in titles:
        spaced = " ".join(text.normalize(title).split())
        if spaced:
            by_key.setdefault(fold_key(spaced), title if spaced == title else spaced)
            words.add_title(spaced)
    small = len(by_key) < SMALL_ARCHIVE
    found: list[tuple[str, tuple[str, int]]] = []
    if len(words.shown) < _MASK:
        flat, first = words.arrays()
        shown = words.display()
        bound = _bound_pairs(shown, flat, first, body_df if small else None)
        found = _phrases(shown, flat, first, bound, 1 if small else 2)
    known = _known_phrases(by_key)
    inside = {k.rsplit(" ", i)[0] for k, _ in known for i in range(1, k.count(" ") - 1)}
    found = [f for f in found if f[0] not in inside] + known  # not `ủy ban nhân`
    named = [(name, n) for name, n in categories if fold_key(name)]
    found += [(fold_key(name), (name, n)) for name, n in named]
    written = {fold_key(m): m for t in by_key.values() for m in _WRITTEN_NUMBER.findall(t)}
    found += [
        (fold_key(num), (written.get(fold_key(num), num), n)) for num, n in docnums if fold_key(num)
    ]
    phrases = sorted(_merge(found))
    title_items = sorted(by_key.items())
    openers = words.openers() | {text.accent_key(name.split()[0].lower()) for name, _ in named}
    return Completions.of(phrases, title_items, openers)


class _Words:
    """Title words as ids, in segments that no punctuation or document number crosses."""

    def __init__(self) -> None:
        self.ids: dict[str, int] = {}
        self.shown: list[str] = []  # per id: lowercase, or as capitalized inside titles
        self.capitals: list[int] = []  # per id: capitalized minus lowercase, inside titles
        self.flat = array("q")  # word ids, segment after segment
        self.first = array("b")  # 1 where a segment starts

    def add_title(self, title: str) -> None:
        """Add a title's words, a new segment at each break and each joined number."""
        ids, shown, flat, first = self.ids, self.shown, self.flat, self.first
        for part in _BREAK.split(_JOINED.sub("|", title)):
            for i, word in enumerate(_WORD.findall(part)):
                lower = word.lower()
                found = ids.get(lower)
                if found is None:
                    found = ids[lower] = len(shown)
                    shown.append(lower)
                    self.capitals.append(0)
                if i:  # mostly capitalized inside titles: a name or an abbreviation (UBND)
                    self.capitals[found] += 1 if word != lower else -1
                    if word != lower and shown[found] == lower:
                        shown[found] = word
                flat.append(found)
                first.append(i == 0)

    def display(self) -> list[str]:
        """Return each word as shown: as capitalized when titles mostly capitalize it."""
        return [w if c > 0 else w.lower() for w, c in zip(self.shown, self.capitals, strict=True)]

    def openers(self) -> frozenset[str]:
        """Return the words (accented, lowercase) that start OPENS of their segments or more."""
        flat, first = self.arrays()
        places = np.bincount(flat, minlength=len(self.shown))
        starts = np.bincount(flat[first == 1], minlength=len(self.shown))
        found = np.flatnonzero(starts >= OPENS * places).tolist()
        return frozenset(text.accent_key(self.shown[i].lower()) for i in found)

    def arrays(self) -> tuple[Any, Any]:
        """Return the word ids and the segment starts as numpy arrays."""
        return np.frombuffer(self.flat, dtype=np.int64), np.frombuffer(self.first, dtype=np.int8)


def _known_phrases(by_key: dict[str, str]) -> list[tuple[str, tuple[str, int]]]:
    """Return the table's spelled-out phrases of three words or more that titles hold."""
    joined = " " + " | ".join(by_key) + " "
    out = []
    for key in text.phrases():
        if key.count(" ") >= 2 and (n := joined.count(f" {key} ")):
            out.append((key, (text.concept_forms(key)[0], n)))
    return out


def _bound_pairs(
    words: list[str], flat: Any, first: Any, body_df: Callable[[str, str], int] | None
) -> Any:
    """Return the sorted codes of word pairs whose second word is bound to the first.

    A pair is bound when titles have it twice or more and the second word follows that
    first word in at least BOUND of its occurrences (kế hoạch); or, with `body_df`, when
    bodies do.
    """
    counts = np.bincount(flat, minlength=len(words))
    pairs = _codes(flat, first, 2)[1]
    codes, together = np.unique(pairs, return_counts=True)
    second = (codes & _MASK) - 1
    bound = (together >= 2) & (together >= BOUND * counts[second])
    found = set(codes[bound].tolist())
    if body_df is not None:
        for code in codes[~bound].tolist():
            one, then = (words[(c & _MASK) - 1] for c in (code >> _BITS, code))
            both = body_df("body_p", f"{fold_key(one)}_{fold_key(then)}")
            if both >= 2 and both >= BOUND * _word_df(body_df, then):
                found.add(code)
    return np.array(sorted(found), dtype=np.int64)


def _codes(flat: Any, first: Any, size: int) -> tuple[Any, Any]:
    """Return (positions, codes) of the runs of `size` words inside one segment.

    A code packs the ids, each plus one (so a code of two never equals one of three).
    """
    n = len(flat) - size + 1
    if n <= 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    ok = np.ones(n, dtype=np.bool_)
    code = flat[:n] + 1
    for k in range(1, size):
        ok &= first[k : k + n] == 0
        code = (code << _BITS) | (flat[k : k + n] + 1)
    return np.flatnonzero(ok), code[ok]


def _word_df(body_df: Callable[[str, str], int], word: str) -> int:
    """Return how many bodies hold a word, with its accents when it has any (hóa, not hoa)."""
    accented = text.accent_key(word)
    folded = text.fold(word)
    return body_df("body_a", accented) if accented != folded else body_df("body_f", folded)


def _phrases(
    words: list[str], flat: Any, first: Any, bound: Any, min_count: int
) -> list[tuple[str, tuple[str, int]]]:
    """Return (folded key, (display, count)) of the two- and three-word phrases seen enough.

    A phrase starts at a segment's start or after a word its first word is not bound to.
    """
    at, before = _codes(flat, first, 2)
    bound_after = np.zeros(len(flat), dtype=np.bool_)
    bound_after[at + 1] = np.isin(before, bound)
    out = []
    for size in (2, 3):
        starts, codes = _codes(flat, first, size)
        unique, counts = np.unique(codes[~bound_after[starts]], return_counts=True)
        keep = counts >= min_count
        for code, n in zip(unique[keep].tolist(), counts[keep].tolist(), strict=True):
            parts = [code >> 2 * _BITS, code >> _BITS & _MASK, code & _MASK][3 - size :]
            phrase = " ".join(words[p - 1] for p in parts)
            out.append((fold_key(phrase), (phrase, n)))
    return out


def _merge(found: list[tuple[str, tuple[str, int]]]) -> list[tuple[str, tuple[str, int]]]:
    """Return one entry per folded key: its most frequent display, the counts added up."""
    best: dict[str, list[Any]] = {}  # key -> [display, its count, total]
    for key, (display, n) in found:
        entry = best.setdefault(key, [display, n, 0])
        if n > entry[1]:
            entry[0], entry[1] = display, n
        entry[2] += n
    return [(k, (e[0], e[2])) for k, e in best.items()]


def cited_numbers(snap: Any) -> list[tuple[str, int]]:
    """Return the document numbers an index cites (`45/KH-UBND`) with their article counts.

    The index holds them folded; they are shown in capitals, as official numbers are written.
    """
    counts: dict[str, int] = {}
    for term, df in snap.terms("docnum"):
        if _DOCNUM.match(term):
            counts[term] = counts.get(term, 0) + int(df)
    return [(term.upper(), n) for term, n in counts.items()]


def of_snapshot(snap: Any) -> Completions:
    """Derive the completions of a generation: live titles, categories, cited numbers."""
    live = [t for t, ok in zip(snap.titles, snap.live, strict=False) if ok]
    codes = snap.category[snap.live]
    counts = np.bincount(codes[codes >= 0], minlength=len(snap.categories))
    categories = [(c, int(n)) for c, n in zip(snap.categories, counts, strict=True) if n]
    return completions(live, categories, cited_numbers(snap), snap.doc_frequency)
