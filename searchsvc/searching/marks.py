"""Where a snippet marks the query: runs of its words standing together, accents as typed.

A run of typed words is marked where it stands together; a shorter run of it only where the
longer never does, and a lone word only where no run holding it stands together (`Tây Hồ`
never marks the `Hồ` of `Hồ sơ` in a body that writes `Tây Hồ`). Another written form (an
expansion such as `Ủy ban nhân dân`) is marked only whole. Where the query typed accents and
the body has the words with exactly those accents, only those are marked (`Tây Hồ`, not
`tay hỗ`). A typed date is marked in whatever form the body writes that day.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable

from searchsvc.searching.query import Mark, Word
from searchsvc.vietnamese import dates, text

Span = tuple[int, int, str]
_SEPARATOR = r"[^\w\n]{1,3}"  # between two words of a run: a space, a dash, a slash...
_TOKEN = re.compile(r"[^\W_]+")


def find_spans(body: str, folded: str, marks: Iterable[Mark], limit: int) -> list[Span]:
    """Return non-overlapping (start, end, key) spans to mark in a normalized body."""
    marks = list(marks)
    view = None
    if any(w.accent for mark in marks for w in mark.words):  # only typed accents look at it
        lowered = text.accent_lower(body)  # a prepared body is normalized
        view = AccentView(lowered) if len(lowered) == len(body) else None
    spans: list[Span] = []
    found = Occurrences(folded, [w.folded for mark in marks for w in mark.words])
    for mark in marks:
        if mark.day is not None:
            spans += _day_spans(body, mark)
        elif mark.parts and len(mark.words) > 1:
            spans += _run_spans(folded, view, mark.words, found)
        elif mark.words:
            spans += _spans(folded, view, mark.words, found)
    return _apart(spans)[:limit]


def _day_spans(body: str, mark: Mark) -> list[Span]:
    """Return where the body writes the day of a mark, in any form."""
    found = dates.find(body)
    return [(m.start, m.end, "date") for m in found if m.kind == "day" and m.first == mark.day]


def _run_spans(
    folded: str,
    view: str | AccentView | None,
    words: tuple[Word, ...],
    found: Occurrences | None = None,
) -> list[Span]:
    """Return the spans of the longest runs of words found together, lone words last.

    A run stands somewhere only if each pair of its neighbouring words does, so the pairs
    are looked for first and no longer run is looked for across a pair that never stands.
    """
    covered = [False] * len(words)
    spans: list[Span] = []
    pairs = [_spans(folded, view, words[i : i + 2], found) for i in range(len(words) - 1)]
    for size in range(len(words), 0, -1):
        for i in range(len(words) - size + 1):
            if all(covered[i : i + size]) or not all(pairs[i : i + size - 1]):
                continue
            run = pairs[i] if size == 2 else _spans(folded, view, words[i : i + size], found)
            if run:
                spans += run
                covered[i : i + size] = [True] * size
    return spans


def _spans(
    folded: str,
    view: str | AccentView | None,
    words: tuple[Word, ...],
    occurrences: Occurrences | None = None,
) -> list[Span]:
    """Return where the words stand together, only exact-accent places when there are any."""
    folded_words = [w.folded for w in words]
    key = " ".join(folded_words)
    places = occurrences.run(folded_words) if occurrences is not None else None
    if places is None:
        places = find_run(folded, folded_words)
    found = [(s, e, key) for s, e in places]
    if view is None or not any(w.accent for w in words):
        return found
    exact = [s for s in found if _exact(view[s[0] : s[1]], words)]
    return exact or found


class AccentView:
    """The accent key of a prepared body (`text.accent_key`), worked out where it is sliced.

    Lowercasing is done at once; tone placement keeps lengths and never reaches across a
    plain space (`text.place_tones`), so a slice of the key is cut from the key of the text
    between the spaces around it: a few words a span rather than the whole body.
    """

    def __init__(self, lowered: str) -> None:
        self.lowered = lowered
        self._placed: dict[tuple[int, int], str] = {}

    def __getitem__(self, cut: slice) -> str:
        """Return key[start:end]."""
        start, end, low = cut.start, cut.stop, self.lowered
        a = low.rfind(" ", 0, start) + 1
        b = low.find(" ", end)
        b = len(low) if b < 0 else b
        placed = self._placed.get((a, b))
        if placed is None:
            placed = self._placed[(a, b)] = text.place_tones(low[a:b])
        return placed[start - a : end - a]


def find_run(folded: str, words: list[str]) -> list[tuple[int, int]]:
    """Return the (start, end) of each place the words stand together as whole words.

    The places `run_pattern(words)` finds with `finditer`, left to right and apart: the
    first word is looked for by C-speed substring search and the rest checked in place,
    which costs no regex compilation and no scan of every position. Words that are not
    single tokens go through the pattern itself.
    """
    if not words or not all(_TOKEN.fullmatch(w) for w in words):
        return [m.span() for m in run_pattern(words).finditer(folded)] if words else []
    out: list[tuple[int, int]] = []
    first, size = words[0], len(folded)
    at = folded.find(first)
    while at != -1:
        end = _run_end(folded, size, at, first, words)
        if end < 0:
            at = folded.find(first, at + 1)
        else:
            out.append((at, end))
            at = folded.find(first, end)
    return out


def _run_end(folded: str, size: int, at: int, first: str, words: list[str]) -> int:
    """Return the end of the run of words starting at `at`, or -1 where it does not stand."""
    if at and folded[at - 1].isalnum():  # `[^\W_]` is str.isalnum()
        return -1
    end = at + len(first)
    for word in words[1:]:
        gap = end
        while gap < size and gap - end < 4 and not _in_word(folded[gap]) and folded[gap] != "\n":
            gap += 1
        if not 1 <= gap - end <= 3 or not folded.startswith(word, gap):
            return -1
        end = gap + len(word)
    if end < size and folded[end].isalnum():
        return -1
    return end


class Occurrences:
    """Where the query's words stand as whole words in one folded body, one scan a word.

    Runs are then read off the list of occurrences: neighbours whose gap is a separator.
    A whole word is a maximal run of letters and digits, so the places of different words
    never overlap, and sorting them gives what one scan for any of the words would.
    """

    def __init__(self, folded: str, words: list[str]) -> None:
        self.folded = folded
        self.words = {w for w in words if _TOKEN.fullmatch(w)}
        found = sorted((m.start(), w) for w in self.words for m in _whole(w).finditer(folded))
        self.starts = [start for start, _ in found]
        self.texts = [word for _, word in found]
        self.ends = [start + len(word) for start, word in found]
        self.at: dict[str, list[int]] = {}
        for i, word in enumerate(self.texts):
            self.at.setdefault(word, []).append(i)
        # linked[i]: occurrences i and i + 1 are apart by a separator (neighbours in a run).
        ends, starts = self.ends, self.starts
        self.linked = [_separator(folded, ends[i], starts[i + 1]) for i in range(len(ends) - 1)]

    def run(self, words: list[str]) -> list[tuple[int, int]] | None:
        """Return what `find_run` returns for these words; None for words not scanned for."""
        if not words or not self.words.issuperset(words):
            return None
        out: list[tuple[int, int]] = []
        size, free = len(words), 0
        for i in self.at.get(words[0], []):
            if i < free or not self._stands(i, words):
                continue
            out.append((self.starts[i], self.ends[i + size - 1]))
            free = i + size
        return out

    def _stands(self, i: int, words: list[str]) -> bool:
        """Return whether the words stand together from the i-th occurrence on."""
        size = len(words)
        return self.texts[i : i + size] == words and all(self.linked[i : i + size - 1])


@functools.lru_cache(maxsize=1024)
def _whole(word: str) -> re.Pattern[str]:
    """Return the regex of a word as a whole word.

    It starts with the word itself, which the regex engine looks for at C speed, and looks
    behind the word only where it is found (a leading lookbehind is tried at every place).
    """
    escaped = re.escape(word)
    return re.compile(rf"{escaped}(?![^\W_])(?<![^\W_]{escaped})")


def _separator(folded: str, start: int, end: int) -> bool:
    """Return whether folded[start:end] may separate two words of a run (`_SEPARATOR`)."""
    if not 1 <= end - start <= 3:
        return False
    return not any(_in_word(c) or c == "\n" for c in folded[start:end])


def _in_word(char: str) -> bool:
    """Return whether a character is one regex `\\w` matches."""
    return char.isalnum() or char == "_"


def run_pattern(words: list[str]) -> re.Pattern[str]:
    """Return the regex of the words standing together as whole words (`find_run`'s oracle)."""
    pattern = _SEPARATOR.join(re.escape(w) for w in words)
    return re.compile(rf"(?<![^\W_]){pattern}(?![^\W_])")


def _exact(accented: str, words: tuple[Word, ...]) -> bool:
    """Return whether accent-keyed text has each typed accent exactly."""
    tokens = _TOKEN.findall(accented)
    if len(tokens) != len(words):
        return False
    return all(w.accent is None or t == w.accent for t, w in zip(tokens, words, strict=True))


def _apart(spans: list[Span]) -> list[Span]:
    """Keep the longest of overlapping spans, in text order."""
    kept: list[Span] = []
    for span in sorted(spans, key=lambda s: (s[0], s[0] - s[1])):
        if not kept or span[0] >= kept[-1][1]:
            kept.append(span)
    return kept
