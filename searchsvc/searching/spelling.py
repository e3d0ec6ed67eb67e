"""Did-you-mean: corrections made of syllables that exist in the index, never a worse query.

A word that is rare or absent is replaced by the most frequent indexed syllable one edit
away (folded), preferring one that forms an indexed pair with its neighbours; the display
keeps the accents the index most often has for that syllable. A correction is offered
only when it finds more articles than the query as typed.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from searchsvc.searching.query import understand
from searchsvc.searching.ranking import Scorer, score_query
from searchsvc.searching.values import SearchRequest
from searchsvc.store import lexicon
from searchsvc.store.lexicon import Vocabulary
from searchsvc.store.snapshot import Snapshot

_ALPHABET = "abcdefghijklmnopqrstuvwxyz"
_WORD = re.compile(r"[^\W_]+")
RARE = 3


def vocabulary(snap: Snapshot) -> Vocabulary:
    """Return the generation's folded syllables with their frequencies and accented forms."""
    return lexicon.of(snap).vocabulary


def edits(word: str) -> set[str]:
    """Return the strings one deletion, transposition, replacement or insertion away."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    out = {a + b[1:] for a, b in splits if b}
    out |= {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    out |= {a + c + b[1:] for a, b in splits if b for c in _ALPHABET}
    out |= {a + c + b for a, b in splits for c in _ALPHABET}
    out.discard(word)
    return out


def _best(snap: Snapshot, vocab: Vocabulary, word: str, left: str, right: str) -> str | None:
    """Return the best indexed replacement for a rare word, or None."""
    if len(word) < 2 or len(word) > 12 or not word.isalpha():
        return None
    floor = max(vocab.frequency(word) * 3, RARE)
    candidates = list(edits(word))
    frequencies = vocab.frequencies_of(candidates)
    found = [(df, c) for df, c in zip(frequencies, candidates, strict=True) if df >= floor]
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
    vocab = vocabulary(snap)
    folded = _plain_words(parsed)
    suggestion = parsed.searched
    changed = False
    for i, f in enumerate(folded):
        if not f or vocab.frequency(f) >= RARE or any(c.isdigit() for c in f):
            continue
        left = folded[i - 1] if i else ""
        right = folded[i + 1] if i + 1 < len(folded) else ""
        fix = _best(snap, vocab, f, left, right)
        if fix is None:
            continue
        label = re.escape(parsed.clauses[i].label)
        new = re.sub(rf"(?<![^\W_]){label}(?![^\W_])", vocab.accented(fix), suggestion, count=1)
        changed = changed or new != suggestion
        suggestion, folded[i] = new, fix
    if not changed:
        return None
    again = understand(suggestion)
    found = score_query(scorer, again, snap.live, np.ones(snap.n, dtype=np.bool_))
    better = int(np.count_nonzero(found.match)) > total and not found.fallback
    return suggestion if better else None
