"""Snippets: the best passage of a body, HTML-escaped, with matched words in <mark>.

Matching runs on the folded body, which has the same length as the normalized body, so
offsets found there cut the original text with its accents.
"""

from __future__ import annotations

import html
import itertools
import re
from collections.abc import Iterable

from searchsvc.searching.marks import find_spans
from searchsvc.searching.query import Mark
from searchsvc.store.schema import BODY_HEAD_CHARS
from searchsvc.vietnamese import text

TARGET = 220
MIN_LEN = 160
MAX_MATCHES = 120  # spans a snippet window is chosen among; bounds per-hit work on common words
MAX_BODY_CHARS = BODY_HEAD_CHARS  # snippets come from the first pages of a body
_SPACE = re.compile(r"\s+")


def _best_window(spans: list[tuple[int, int, str]], length: int) -> int:
    """Return the start of the window of TARGET chars holding the most distinct terms.

    A window runs from a span to the last span ending within TARGET chars of its start;
    ties go to more adjacent spans, then to the earliest. One pass: the window's term
    counts slide along, and adjacent pairs come from a running total.
    """
    close = [b[0] - a[1] <= 2 for a, b in itertools.pairwise(spans)]
    adjacent_before = [0, *itertools.accumulate(close)]  # adjacent pairs among spans[:k+1]
    counts: dict[str, int] = {}
    best, best_key, hi = 0, (-1, -1, 0), -1
    for i, (start, _, _) in enumerate(spans):
        if i:
            _count(counts, spans[i - 1][2], -1)
        while hi < i or (hi + 1 < len(spans) and spans[hi + 1][1] <= start + TARGET):
            hi += 1
            _count(counts, spans[hi][2], 1)
        key = (len(counts), adjacent_before[hi] - adjacent_before[i], -start)
        if key > best_key:
            best, best_key = start, key
    lead = 40 if best > 40 else best
    return max(0, min(best - lead, length - TARGET))


def _count(counts: dict[str, int], term: str, step: int) -> None:
    """Add step to a term's count, dropping it at zero."""
    value = counts.get(term, 0) + step
    if value:
        counts[term] = value
    else:
        del counts[term]


def _snap(body: str, start: int, end: int) -> tuple[int, int]:
    """Move a window's edges to word boundaries."""
    if start > 0:
        space = body.find(" ", start, start + 25)
        start = space + 1 if space != -1 else start
    if end < len(body):
        space = body.rfind(" ", end - 25, end)
        end = space if space > start + MIN_LEN // 2 else end
    return start, end


def _render(body: str, spans: list[tuple[int, int, str]], start: int, end: int) -> str:
    """Escape body[start:end] and wrap the spans inside it in <mark>."""
    out: list[str] = []
    at = start
    for s, e, _ in spans:
        if s < start or e > end:
            continue
        out.append(html.escape(_SPACE.sub(" ", body[at:s])))
        out.append("<mark>" + html.escape(body[s:e]) + "</mark>")
        at = e
    out.append(html.escape(_SPACE.sub(" ", body[at:end])))
    prefix = "… " if start > 0 else ""
    suffix = " …" if end < len(body) else ""
    return prefix + "".join(out).strip() + suffix


def prepare(body: str) -> tuple[str, str]:
    """Return a body's first MAX_BODY_CHARS normalized with single spaces, and its fold."""
    return text.prepared((body or "")[:MAX_BODY_CHARS])


def fold_loosely(body: str) -> str:
    """Return the folded form of a body's first MAX_BODY_CHARS without collapsing whitespace.

    It differs from `prepare(body)[1]` only in runs of whitespace (longer, or at the ends):
    `fold` maps whitespace to whitespace and everything else to non-whitespace or the
    placeholder, character by character. A pattern whose words hold no whitespace and whose
    separators and edges accept any whitespace run matches both alike, for a third less work.
    """
    return text.fold_normalized(text.normalize((body or "")[:MAX_BODY_CHARS]))


def make_snippet(body: str, marks: Iterable[Mark], prepared: tuple[str, str] | None = None) -> str:
    """Return an HTML-safe passage of about 160-250 characters with the query marked.

    What is marked is decided in `marks.py`; the window holds the most distinct marks.
    """
    body, folded = prepared or prepare(body)
    spans = find_spans(body, folded, marks, MAX_MATCHES)
    start = _best_window(spans, len(body)) if spans else 0
    start, end = _snap(body, start, min(len(body), start + TARGET))
    return _render(body, spans, start, end)
