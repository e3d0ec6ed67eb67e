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

from searchsvc.searching.query import Mark, Word
from searchsvc.vietnamese import dates, text

Span = tuple[int, int, str]
_SEPARATOR = r"[^\w\n]{1,3}"  # between two words of a run: a space, a dash, a slash...
_TOKEN = re.compile(r"[^\W_]+")


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
    covered = [False] * len(words)
    spans: list[Span] = []
    for size in range(len(words), 0, -1):
        for i in range(len(words) - size + 1):
            if all(covered[i : i + size]):
                continue
            found = _spans(folded, view, words[i : i + size])
            if found:
                spans += found
                covered[i : i + size] = [True] * size
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
