"""Did-you-mean: corrections made of syllables that exist in the index, never a worse query.

A word that is rare or absent is replaced by the most frequent indexed syllable one edit
away (folded), preferring one that forms an indexed pair with its neighbours; the display
keeps the accents the index most often has for that syllable. A correction is offered
only when it finds more articles than the query as typed.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from typing import Any

import numpy as np

from searchsvc.searching.query import understand
from searchsvc.searching.ranking import Scorer, score_query
from searchsvc.searching.values import SearchRequest
from searchsvc.store.snapshot import Snapshot
from searchsvc.vietnamese import text

_ALPHABET = "abcdefghijklmnopqrstuvwxyz"
_WORD = re.compile(r"[^\W_]+")
_LOCK = threading.Lock()
RARE = 3


def vocabulary(snap: Snapshot) -> tuple[dict[str, int], dict[str, str]]:
    """Return folded syllable -> document frequency, and folded -> best accented form."""
    with _LOCK:
        memo = snap.memo.get("vocabulary")
        if memo is None:
            memo = (_frequencies(snap, ("title_f", "body_f")), _accent_forms(snap))
            snap.memo["vocabulary"] = memo
    vocab: tuple[dict[str, int], dict[str, str]] = memo
    return vocab


def _terms(snap: Snapshot, fieldname: str) -> Iterator[tuple[str, int]]:
    """Yield (term, document frequency) of an indexed field of every segment."""
    return snap.terms(fieldname)


def _frequencies(snap: Snapshot, fieldnames: tuple[str, ...]) -> dict[str, int]:
    """Return the alphabetic syllables of fields with their largest document frequency."""
    out: dict[str, int] = {}
    for fieldname in fieldnames:
        for term, df in _terms(snap, fieldname):
            if term.isalpha() and len(term) <= 8 and df > out.get(term, 0):
                out[term] = df
    return out


def _accent_forms(snap: Snapshot) -> dict[str, str]:
    """Return folded syllable -> its most frequent accented form."""
    best: dict[str, tuple[int, str]] = {}
    for fieldname in ("title_a", "body_a"):
        for term, df in _terms(snap, fieldname):
            key = text.fold(term)
            if df > best.get(key, (0, ""))[0]:
                best[key] = (df, term)
    return {k: v for k, (_, v) in best.items()}


def edits(word: str) -> set[str]:
    """Return the strings one deletion, transposition, replacement or insertion away."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    out = {a + b[1:] for a, b in splits if b}
    out |= {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    out |= {a + c + b[1:] for a, b in splits if b for c in _ALPHABET}
    out |= {a + c + b for a, b in splits for c in _ALPHABET}
    out.discard(word)
    return out


def _best(snap: Snapshot, vocab: dict[str, int], word: str, left: str, right: str) -> str | None:
    """Return the best indexed replacement for a rare word, or None."""
    if len(word) < 2 or len(word) > 12 or not word.isalpha():
        return None
    floor = max(vocab.get(word, 0) * 3, RARE)
    found = [(vocab[c], c) for c in edits(word) if vocab.get(c, 0) >= floor]
    if not found:
        return None

    def rank(item: tuple[int, str]) -> tuple[int, int]:
        df, cand = item
        pairs = sum(
            snap.doc_frequency(f, p)
            for p in (f"{left}_{cand}" if left else "", f"{cand}_{right}" if right else "")
            if p
            for f in ("title_p", "body_p")
        )
        return (pairs, df)

    return max(found, key=rank)[1]


def _plain_words(parsed: Any) -> list[str]:
    """Return the folded words of the clauses that are one plain word (no number, no docnum)."""
    out = []
    for clause in parsed.clauses:
        alts = clause.alternatives
        if any(a.docnum for a in alts) or len(alts[0].words) != 1:
            out.append("")
            continue
        out.append(alts[0].words[0].folded)
    return out


def correct(
    snap: Snapshot, parsed: Any, request: SearchRequest, total: int, scorer: Scorer
) -> str | None:
    """Return a corrected query that finds more than `total` articles, or None."""
    vocab, accents = vocabulary(snap)
    folded = _plain_words(parsed)
    suggestion = parsed.searched
    changed = False
    for i, f in enumerate(folded):
        if not f or vocab.get(f, 0) >= RARE or any(c.isdigit() for c in f):
            continue
        left = folded[i - 1] if i else ""
        right = folded[i + 1] if i + 1 < len(folded) else ""
        fix = _best(snap, vocab, f, left, right)
        if fix is None:
            continue
        label = re.escape(parsed.clauses[i].label)
        new = re.sub(rf"(?<![^\W_]){label}(?![^\W_])", accents.get(fix, fix), suggestion, count=1)
        changed = changed or new != suggestion
        suggestion, folded[i] = new, fix
    if not changed:
        return None
    again = understand(suggestion)
    found = score_query(scorer, again, snap.live, np.ones(snap.n, dtype=np.bool_))
    better = int(np.count_nonzero(found.match)) > total and not found.fallback
    return suggestion if better else None
