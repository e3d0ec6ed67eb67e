"""Where a snippet marks the query: runs of its words standing together, accents as typed.

A run of typed words is marked where it stands together; a shorter run of it only where the
longer never does, and a lone word only where no run holding it stands together (`Tây Hồ`
never marks the `Hồ` of `Hồ sơ` in a body that writes `Tây Hồ`). Another written form (an
expansion such as `Ủy ban nhân dân`) is marked only whole. Where the query typed accents and
the body has the words with exactly those accents, only those are marked (`Tây Hồ`, not
`tay hỗ`). A typed date is marked in whatever form the body writes that day.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from itertools import pairwise

from searchsvc.searching.query import Mark, Word
from searchsvc.vietnamese import dates, text

Span = tuple[int, int, str]
_SEPARATOR = r"[^\w\n]{1,3}"  # between two words of a run: a space, a dash, a slash...
_TOKEN = re.compile(r"[^\W_]+")
_GAP = re.compile(_SEPARATOR)


def find_spans(body: str, folded: str, marks: Iterable[Mark], limit: int) -> list[Span]:
    """Return non-overlapping (start, end, key) spans to mark in a normalized body."""
    accented = text.accent_key(body)
    view = accented if len(accented) == len(body) else None
    spans: list[Span] = []
    for mark in marks:
        if mark.day is not None:
            spans += _day_spans(body, mark)
        elif mark.parts and len(mark.words) > 1:
            spans += _run_spans(folded, view, mark.words)
        elif mark.words:
            spans += _spans(folded, view, mark.words)
    return _apart(spans)[:limit]


def _day_spans(body: str, mark: Mark) -> list[Span]:
    """Return where the body writes the day of a mark, in any form."""
    found = dates.find(body)
    return [(m.start, m.end, "date") for m in found if m.kind == "day" and m.first == mark.day]


def _run_spans(folded: str, view: str | None, words: tuple[Word, ...]) -> list[Span]:
    """Return the spans of the longest runs of words found together, lone words last."""
    found = _standing_runs(folded, view, words)
    covered = [False] * len(words)
    spans: list[Span] = []
    for size in range(len(words), 0, -1):
        for i in range(len(words) - size + 1):
            if all(covered[i : i + size]) or not found.get((i, size)):
                continue
            spans += found[(i, size)]
            covered[i : i + size] = [True] * size
    return spans


def _standing_runs(
    folded: str, view: str | None, words: tuple[Word, ...]
) -> dict[tuple[int, int], list[Span]]:
    """Return the spans of every run (start, size) of words that stands together somewhere."""
    if all(_TOKEN.fullmatch(w.folded) for w in words):
        return _chained_runs(folded, view, words, _occurrences(folded, words))
    found: dict[tuple[int, int], list[Span]] = {}
    for size in range(1, len(words) + 1):  # a run stands together only where its parts do
        for i in range(len(words) - size + 1):
            if size == 1 or (found.get((i, size - 1)) and found.get((i + 1, size - 1))):
                found[(i, size)] = _spans(folded, view, words[i : i + size])
    return found


def _occurrences(folded: str, words: tuple[Word, ...]) -> list[tuple[int, int, str]]:
    """Return every place a body holds one of the words, as a whole word, in text order."""
    pattern = _any_word(tuple(sorted({w.folded for w in words}, key=len, reverse=True)))
    return [(m.start(), m.end(), m.group()) for m in pattern.finditer(folded)]


@lru_cache(maxsize=256)
def _any_word(words: tuple[str, ...]) -> re.Pattern[str]:
    """Return a pattern finding any of the words standing alone."""
    return re.compile(rf"(?<![^\W_])(?:{'|'.join(map(re.escape, words))})(?![^\W_])")


def _chained_runs(
    folded: str, view: str | None, words: tuple[Word, ...], places: list[tuple[int, int, str]]
) -> dict[tuple[int, int], list[Span]]:
    """Return each run's spans from the words' places: neighbours joined by a separator.

    The same spans as searching the body for each run's pattern (`_spans`), in one pass. A
    run of distinct words never overlaps itself, so its places are those of the run one word
    shorter that the next word extends; a run repeating a word is chained leftmost first.
    Equal runs (a query repeating its words) are worked out once.
    """
    joined = [_GAP.fullmatch(folded, a[1], b[0]) is not None for a, b in pairwise(places)]
    at: dict[str, list[int]] = {}
    for k, place in enumerate(places):
        at.setdefault(place[2], []).append(k)
    starts: dict[tuple[Word, ...], list[int]] = {}
    done: dict[tuple[Word, ...], list[Span]] = {}
    found: dict[tuple[int, int], list[Span]] = {}
    for size in range(1, len(words) + 1):
        for i in range(len(words) - size + 1):
            run = words[i : i + size]
            if run in done:
                pass
            elif size > 1 and not done[run[:-1]]:
                done[run], starts[run] = [], []  # the shorter run never stands, nor this
            else:
                done[run] = _run_places(places, joined, at, starts, run, view)
            found[(i, size)] = done[run]
    return found


def _run_places(
    places: list[tuple[int, int, str]],
    joined: list[bool],
    at: dict[str, list[int]],
    starts: dict[tuple[Word, ...], list[int]],
    run: tuple[Word, ...],
    view: str | None,
) -> list[Span]:
    """Return a run's spans, from the places of the run one word shorter when it has them."""
    texts = [w.folded for w in run]
    first = at.get(texts[0], [])
    if len(set(texts)) < len(texts):
        spans = _chain(places, joined, first, texts)
    else:
        ks = first if len(run) == 1 else _extend(places, joined, starts[run[:-1]], texts)
        starts[run] = ks
        spans = [(places[k][0], places[k + len(run) - 1][1], " ".join(texts)) for k in ks]
    if view is not None and spans and any(w.accent for w in run):
        spans = [s for s in spans if _exact(view[s[0] : s[1]], run)] or spans
    return spans


def _extend(
    places: list[tuple[int, int, str]], joined: list[bool], starts: list[int], texts: list[str]
) -> list[int]:
    """Return the starts of a shorter run that the run's last word follows, joined."""
    last, n = len(texts) - 1, len(places)
    return [
        k
        for k in starts
        if k + last < n and joined[k + last - 1] and places[k + last][2] == texts[last]
    ]


def _chain(
    places: list[tuple[int, int, str]], joined: list[bool], first: list[int], texts: list[str]
) -> list[Span]:
    """Return where the run's words follow one another, leftmost first, never overlapping."""
    spans: list[Span] = []
    size, free = len(texts), 0
    for k in first:
        if k < free or k + size > len(places):
            continue
        if all(places[k + j][2] == texts[j] for j in range(1, size)) and all(
            joined[k : k + size - 1]
        ):
            spans.append((places[k][0], places[k + size - 1][1], " ".join(texts)))
            free = k + size
    return spans


def _spans(folded: str, view: str | None, words: tuple[Word, ...]) -> list[Span]:
    """Return where the words stand together, only exact-accent places when there are any."""
    pattern = _SEPARATOR.join(re.escape(w.folded) for w in words)
    key = " ".join(w.folded for w in words)
    found = [
        (m.start(), m.end(), key) for m in re.finditer(rf"(?<![^\W_]){pattern}(?![^\W_])", folded)
    ]
    if view is None or not any(w.accent for w in words):
        return found
    exact = [s for s in found if _exact(view[s[0] : s[1]], words)]
    return exact or found


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
