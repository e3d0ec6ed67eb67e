"""Related reading: the articles that share the most distinctive words and cited numbers with one.

The article's own stored title and body are analysed as at index time. Its words are weighted
by how often it uses them (title words count TITLE_TF times) and how rare they are in the
archive (idf); the MAX_TERMS heaviest among those that at least one other article has and at
most a small share of articles have (common words say nothing) are looked up, in titles and
bodies, together with the documents it cites (a shared cited number counts DOCNUM_BOOST
times a word of the same rarity). Another article scores the BM25-style sum of the terms it
shares; the best few above a share of the article's score against itself are related. The
work is bounded: at most MAX_TERMS words in two fields plus MAX_DOCNUMS numbers, each a
postings list of at most the common-word cutoff.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from typing import Any

import numpy as np

from searchsvc.store.schema import analyze, docnum_terms
from searchsvc.store.snapshot import Snapshot
from searchsvc.vietnamese import text

MAX_TERMS = 24
DF_MEMO = 100_000  # body words whose document frequency a generation remembers
MAX_DOCNUMS = 8
TITLE_TF = 3  # a word of the title counts as this many words of the body
TITLE_BOOST = 2.0  # a shared word in the other article's title counts this much more
DOCNUM_BOOST = 4.0
COMMON_SHARE = 0.05  # words in more than this share of articles are not looked up...
COMMON_FLOOR = 25  # ...unless that is fewer articles than this (a small archive)
MIN_SHARE = 0.12  # of the article's score against itself, to count as related
K1, B = 1.2, 0.75


@dataclass(frozen=True)
class Related:
    """Related articles (docnums, best first) and the postings read to find them."""

    docnums: list[int]
    postings: int


@dataclass(frozen=True)
class _Term:
    """One term to look up: its field(s) and weight."""

    term: str
    fields: tuple[str, ...]
    weight: float


def _idf(n: int, df: int) -> float:
    """Return the BM25 inverse document frequency."""
    return math.log(1 + (n - df + 0.5) / (df + 0.5))


def _doc_frequency(snap: Snapshot, word: str) -> int:
    """Return a body word's document frequency, remembered per generation (bounded)."""
    known: dict[str, int] = snap.memo.setdefault("related:df", {})
    df = known.get(word)
    if df is None:
        if len(known) >= DF_MEMO:
            known.clear()
        df = known[word] = snap.doc_frequency("body_f", word)
    return df


def _word_terms(snap: Snapshot, title: str, body: str, cutoff: int) -> list[_Term]:
    """Return the article's most distinctive words shared with some other article."""
    counts: Counter[str] = Counter(analyze(body).folded)
    for word in analyze(title).folded:
        counts[word] += TITLE_TF
    n = int(np.count_nonzero(snap.live))
    scored = []
    for word, tf in counts.items():
        if len(word) < 2 or word.isdigit():
            continue
        df = _doc_frequency(snap, word)
        if 2 <= df <= cutoff:
            scored.append((_idf(n, df) * (1 + math.log(tf)), word))
    scored.sort(reverse=True)
    return [_Term(w, ("body_f", "title_f"), weight) for weight, w in scored[:MAX_TERMS]]


def _number_terms(snap: Snapshot, docnum: int, cutoff: int) -> list[_Term]:
    """Return the article's cited document numbers as `docnum` terms, weighted strongly."""
    n = int(np.count_nonzero(snap.live))
    out = []
    for cited in snap.citations(docnum)[:MAX_DOCNUMS]:
        for term in docnum_terms(text.normalize(cited.number))[:1]:
            df = snap.doc_frequency("docnum", term)
            if 2 <= df <= max(cutoff, 2):
                out.append(_Term(term, ("docnum",), DOCNUM_BOOST * _idf(n, df)))
    return out


def _gather(snap: Snapshot, terms: list[_Term]) -> tuple[Any, int]:
    """Return every document's summed score over the terms' postings, and the postings read."""
    lengths = snap.body_len
    average = max(float(lengths[snap.live].mean()) if snap.live.any() else 1.0, 1.0)
    id_parts: list[Any] = []
    score_parts: list[Any] = []
    for item in terms:
        for fieldname in item.fields:
            ids, tf = snap.postings(fieldname, item.term)
            norm = 1 - B + B * lengths[ids] / average
            boost = TITLE_BOOST if fieldname == "title_f" else 1.0
            id_parts.append(ids)
            score_parts.append(item.weight * boost * tf * (K1 + 1) / (tf + K1 * norm))
    if not id_parts:
        return np.zeros(snap.n), 0
    ids = np.concatenate(id_parts)
    return np.bincount(ids, np.concatenate(score_parts), minlength=snap.n), len(ids)


def related(snap: Snapshot, docnum: int, k: int = 5) -> Related:
    """Return up to k articles related to one, never itself nor a copy under the same title."""
    stored = snap.fields(docnum)
    title = str(stored.get("title") or "")
    cutoff = max(COMMON_FLOOR, int(COMMON_SHARE * int(np.count_nonzero(snap.live))))
    body = snap.body(docnum, 20_000)
    terms = _word_terms(snap, title, body, cutoff) + _number_terms(snap, docnum, cutoff)
    scores, read = _gather(snap, terms)
    floor = max(MIN_SHARE * float(scores[docnum]), 1e-9)
    best = np.flatnonzero(scores >= floor)
    if len(best) > 4 * k + 8:  # room for the article itself and copies under its title
        best = best[np.argpartition(-scores[best], 4 * k + 7)[: 4 * k + 8]]
    folded_title = text.fold(title).strip()
    found: list[int] = []
    for other in best[np.lexsort((best, -scores[best]))].tolist():
        if len(found) == k:
            break
        if other != docnum and text.fold(snap.titles[other]).strip() != folded_title:
            found.append(other)
    return Related(found, read)
