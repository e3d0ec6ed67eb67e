"""Matching and scoring of a parsed query over dense per-document numpy arrays.

Each word is scored BM25-style per field (title weighted well above body) and summed;
an accent-exact match adds a bonus; adjacent query syllables found as indexed pairs add a
bonus. Matching is exact set logic over postings: all clauses, minus exclusions.
"""

from __future__ import annotations

import itertools
import math
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from searchsvc.searching.query import Alternative, Clause, ParsedQuery, Word
from searchsvc.searching.snippets import MAX_BODY_CHARS, fold_loosely, prepare
from searchsvc.store.schema import BODY_LEAD_WORDS
from searchsvc.store.snapshot import BoolArray, FloatArray, Snapshot


@dataclass(frozen=True)
class Weights:
    """Ranking parameters (tuned on the known-item dev set, never per query)."""

    k1: float = 1.2
    b_title: float = 0.4
    b_body: float = 0.75
    title: float = 3.0
    accent: float = 0.35
    pair: float = 0.6
    docnum: float = 3.0


WEIGHTS = Weights()
# Stored bodies read to verify quoted phrases beyond the indexed lead: one budget per query,
# shared by all its phrases and by the did-you-mean pass (issue 15: 25 OR'd phrases once
# read 150 bodies each).
MAX_PHRASE_CHECKS = 200
_WORD = re.compile(r"[^\W_]+")  # stored bodies read to verify a quoted phrase beyond the lead


@dataclass
class Scored:
    """The outcome of scoring: which documents match, their scores, and whether time ran out."""

    match: BoolArray
    qmatch: BoolArray
    score: FloatArray
    tier: FloatArray
    partial: bool
    fallback: bool
    pairs: list[tuple[str, BoolArray]] = field(default_factory=list)


class Scorer:
    """Scores one query against one snapshot, memoizing per-term dense arrays."""

    def __init__(self, snap: Snapshot, weights: Weights = WEIGHTS, deadline: float = 0.0) -> None:
        self.snap = snap
        self.w = weights
        self.deadline = deadline
        self.n = snap.n
        self.norm_title, self.norm_body = _length_norms(snap, weights)
        self._memo: dict[tuple[str, ...], tuple[BoolArray, FloatArray]] = {}
        self._alternatives: dict[Alternative, tuple[BoolArray, FloatArray]] = {}
        self._stored: dict[int, dict[str, Any]] = {}
        self._bodies: dict[int, tuple[str, str]] = {}
        self.phrase_checks_left = MAX_PHRASE_CHECKS
        # Work done, for tests of bounded cost: postings lists read, alternatives scored,
        # stored bodies read to verify phrases.
        self.work: Counter[str] = Counter()

    def stored(self, docnum: int) -> dict[str, Any]:
        """Return the stored fields of a document except its body (memoized per query)."""
        fields = self._stored.get(docnum)
        if fields is None:
            fields = self._stored[docnum] = self.snap.fields(docnum)
        return fields

    def _body_head(self, docnum: int) -> str:
        """Return the first characters of a stored body that snippets and phrases look at."""
        return self.snap.body(docnum, MAX_BODY_CHARS)

    def prepared_body(self, docnum: int) -> tuple[str, str]:
        """Return the normalized stored body and its folded form (memoized per generation)."""
        body = self._bodies.get(docnum)
        if body is None:
            cached = self.snap.bodies.get(("prepared", docnum))
            if cached is None:
                body = prepare(self._body_head(docnum))
                self.snap.bodies.put(("prepared", docnum), body)
            else:
                body = (cached[0], cached[1])
            self._bodies[docnum] = body
        return body

    def loose_body(self, docnum: int) -> str:
        """Return a folded body for phrase checks: the prepared one if at hand, else loose."""
        prepared = self._bodies.get(docnum) or self.snap.bodies.get(("prepared", docnum))
        if prepared is not None:
            return prepared[1]
        cached = self.snap.bodies.get(("loose", docnum))
        if cached is not None:
            return cached[0]
        folded = fold_loosely(self._body_head(docnum))
        self.snap.bodies.put(("loose", docnum), (folded,))
        return folded

    def folded_body(self, docnum: int) -> str:
        """Return the folded, normalized stored body of a document."""
        return self.prepared_body(docnum)[1]

    def out_of_time(self) -> bool:
        """Return whether the query's time budget is spent."""
        return bool(self.deadline) and time.perf_counter() > self.deadline

    def _sat(
        self, fieldname: str, term: str, norm: FloatArray, out: FloatArray, scale: float
    ) -> None:
        """Add scale * saturated tf of a term in a field into out."""
        ids, tf = self.snap.postings(fieldname, term)
        self.work["postings"] += 1
        if len(ids):
            k1 = self.w.k1
            x = tf / norm[ids]
            # scale * x * (k1 + 1) / (k1 + x), in place: the same float32 operations in order.
            sat = x * scale
            sat *= k1 + 1
            x += k1
            sat /= x
            out[ids] += sat

    def _idf(self, df: int) -> float:
        """Return the BM25 idf of a document frequency."""
        return math.log(1 + (self.n - df + 0.5) / (df + 0.5))

    def _fields(self, suffix: str, term: str, title_only: bool) -> tuple[BoolArray, FloatArray]:
        """Return (match, title-weighted saturated tf) of a term in title_<s> and body_<s>."""
        key = (suffix, term, str(title_only))
        if key in self._memo:
            return self._memo[key]
        acc = np.zeros(self.n, dtype=np.float32)
        self._sat(f"title_{suffix}", term, self.norm_title, acc, self.w.title)
        if not title_only:
            self._sat(f"body_{suffix}", term, self.norm_body, acc, 1.0)
        value = (acc > 0, acc)
        self._memo[key] = value
        return value

    def word(self, word: Word, title_only: bool = False) -> tuple[BoolArray, FloatArray]:
        """Return (match, score) of one word: folded BM25 plus the accent-exact bonus."""
        match, tf = self._fields("f", word.folded, title_only)
        idf = self._idf(int(np.count_nonzero(match)))
        score = tf * idf
        if word.accent:
            _, tfa = self._fields("a", word.accent, title_only)
            score = score + tfa * (idf * self.w.accent)
        return match, score

    def accent_tier(self, parsed: ParsedQuery) -> FloatArray:
        """Count, per document, the accented query words it has with exactly those accents."""
        tier = np.zeros(self.n, dtype=np.float32)
        seen: set[str] = set()
        for clause in parsed.clauses:
            for alt in clause.alternatives:
                for w in alt.words:
                    if w.accent and w.accent not in seen:
                        seen.add(w.accent)
                        tier += self._fields("a", w.accent, alt.title_only)[0]
        return tier

    def pair(self, term: str, title_only: bool = False) -> tuple[BoolArray, FloatArray]:
        """Return (match, score) of an adjacent-syllable pair."""
        match, tf = self._fields("p", term, title_only)
        return match, tf * self._idf(int(np.count_nonzero(match)))

    def docnum(self, term: str) -> tuple[BoolArray, FloatArray]:
        """Return (match, score) of an exact document number."""
        ids, _ = self.snap.postings("docnum", term)
        match = np.zeros(self.n, dtype=np.bool_)
        match[ids] = True
        return match, match * np.float32(self._idf(len(ids)) * self.w.docnum)

    def alternative(self, alt: Alternative) -> tuple[BoolArray, FloatArray]:
        """Return (match, score) of one alternative (memoized: did-you-mean reuses it)."""
        found = self._alternatives.get(alt)
        if found is None:
            found = self._alternatives[alt] = self._alternative(alt)
            self.work["alternatives"] += 1
        return found

    def _alternative(self, alt: Alternative) -> tuple[BoolArray, FloatArray]:
        """Return (match, score) of one alternative, computed."""
        if alt.docnum is not None:
            match, score = self.docnum(alt.docnum)
            return match, score * alt.weight
        match = np.ones(self.n, dtype=np.bool_)
        score = np.zeros(self.n, dtype=np.float32)
        for w in alt.words:
            m, s = self.word(w, alt.title_only)
            match &= m
            score += s
        if alt.phrase:
            pairs = alt.pairs()
            present = np.zeros(self.n, dtype=np.int16)
            for p in pairs:
                m, s = self.pair(p, alt.title_only)
                present += m
                score += s * self.w.pair
            adjacent = present >= len(pairs) - alt.gaps
            if alt.verify and not alt.title_only:
                adjacent |= self._verified_phrase(alt, match & ~adjacent)
            match &= adjacent
        return match, score * alt.weight

    def _verified_phrase(self, alt: Alternative, candidates: BoolArray) -> BoolArray:
        """Return the candidates whose stored text holds the phrase beyond the indexed lead."""
        found = np.zeros(self.n, dtype=np.bool_)
        candidates = candidates & (self.snap.body_len > BODY_LEAD_WORDS * 0.9)
        docs = np.flatnonzero(candidates)[: self.phrase_checks_left]
        self.phrase_checks_left -= len(docs)
        self.work["bodies"] += len(docs)
        if not len(docs):
            return found
        words = [w.folded for w in alt.words]
        separator = r"[\s\-–—/,;:.]+"
        pattern = re.compile(r"(?<![^\W_])" + separator.join(map(re.escape, words)) + r"(?![^\W_])")
        # Whitespace runs do not change a match unless a word itself holds whitespace.
        loose = not any(c.isspace() for w in words for c in w)
        for d in docs:
            folded = self.loose_body(int(d)) if loose else self.folded_body(int(d))
            found[d] = _has_phrase(folded, words, pattern)
        return found

    def clause(self, clause: Clause) -> tuple[BoolArray, FloatArray]:
        """Return (match, score) of a clause: any alternative, best score."""
        match = np.zeros(self.n, dtype=np.bool_)
        score = np.zeros(self.n, dtype=np.float32)
        for alt in clause.alternatives:
            m, s = self.alternative(alt)
            match |= m
            np.maximum(score, np.where(m, s, 0), out=score)
        return match, score


def _length_norms(snap: Snapshot, w: Weights) -> tuple[FloatArray, FloatArray]:
    """Return the BM25 length norms of titles and bodies (computed once per generation)."""
    key = f"norms:{w.b_title!r}:{w.b_body!r}"
    norms: tuple[FloatArray, FloatArray] | None = snap.memo.get(key)
    if norms is None:
        avg_title = max(float(snap.title_len.mean()) if snap.n else 1.0, 1.0)
        avg_body = max(float(snap.body_len.mean()) if snap.n else 1.0, 1.0)
        norm_title = 1 - w.b_title + w.b_title * snap.title_len / avg_title
        norm_body = 1 - w.b_body + w.b_body * snap.body_len / avg_body
        norms = snap.memo[key] = (norm_title, norm_body)
    return norms


def _has_phrase(folded: str, words: list[str], pattern: re.Pattern[str]) -> bool:
    """Return whether the phrase pattern matches a folded text.

    The same as `pattern.search`, but the pattern is only tried where its first word
    occurs (found by C-speed substring search), and not at all if a word is missing.
    """
    if not all(w in folded for w in words):
        return False
    at = folded.find(words[0])
    while at != -1:
        if pattern.match(folded, at) is not None:
            return True
        at = folded.find(words[0], at + 1)
    return False


def _adjacent_pairs(clauses: list[Clause]) -> list[tuple[str, bool]]:
    """Return the pairs of consecutive single-word clauses, for the adjacency bonus."""
    out = []
    for a, b in itertools.pairwise(clauses):
        wa, wb = a.alternatives[0], b.alternatives[0]
        if wa.docnum is None and wb.docnum is None and wa.words and wb.words:
            term = f"{wa.words[-1].folded}_{wb.words[0].folded}"
            out.append((term, wa.title_only and wb.title_only))
    return out


def score_query(scorer: Scorer, parsed: ParsedQuery, live: BoolArray, filt: BoolArray) -> Scored:
    """Match and score a parsed query among live documents, then apply the filters.

    `qmatch` is the query's own match (for facets); `match` adds the filters. When no
    document has every clause, the best partial matches are returned with `fallback`.
    """
    n = scorer.n
    clause_matches: list[BoolArray] = []
    total = np.zeros(n, dtype=np.float32)
    partial = False
    for clause in parsed.clauses:
        if clause_matches and scorer.out_of_time():  # the first clause always counts in full
            partial = True
            break
        m, s = scorer.clause(clause)
        clause_matches.append(m)
        total += s
    tier = scorer.accent_tier(parsed) if not partial else np.zeros(n, dtype=np.float32)
    pair_masks: list[tuple[str, BoolArray]] = []
    for term, title_only in _adjacent_pairs(parsed.clauses):
        if scorer.out_of_time():
            partial = True
            break
        m, s = scorer.pair(term, title_only)
        total += s * scorer.w.pair
        tier += m
        pair_masks.append((term, m))
    keep = live.copy()
    for alt in parsed.excluded:
        keep &= ~scorer.alternative(alt)[0]
    if not clause_matches:
        qmatch = keep if not parsed.clauses else np.zeros(n, dtype=np.bool_)
        return Scored(qmatch & filt, qmatch, total, tier, partial, False, pair_masks)
    qmatch = keep.copy()
    for m in clause_matches:
        qmatch &= m
    match = qmatch & filt
    if match.any() or len(clause_matches) == 1:
        return Scored(match, qmatch, total, tier, partial, False, pair_masks)
    hits = np.sum(np.array(clause_matches, dtype=np.int8), axis=0)
    qmatch = keep & (hits > 0)
    coverage = hits.astype(np.float32) / len(clause_matches)
    return Scored(
        qmatch & filt, qmatch, total * coverage * coverage, tier, partial, True, pair_masks
    )


def has_adjacent(folded: str, first: str, second: str) -> bool:
    """Return whether two folded words stand next to each other, as whole words, in a text."""
    needle = f"{first} {second}"
    at = folded.find(needle)
    while at != -1:
        end = at + len(needle)
        if (at == 0 or not folded[at - 1].isalnum()) and (
            end == len(folded) or not folded[end].isalnum()
        ):
            return True
        at = folded.find(needle, at + 1)
    return False


def refine_adjacency(scorer: Scorer, scored: Scored, candidates: list[int]) -> bool:
    """Credit query pairs found adjacent beyond the indexed lead, for long candidate bodies.

    Returns whether any tier changed (so the caller re-ranks).
    """
    changed = False
    long_body = scorer.snap.body_len > BODY_LEAD_WORDS * 0.9
    for d in candidates:
        missing = [t for t, m in scored.pairs if not m[d]]
        if not missing or not long_body[d] or scorer.out_of_time():
            continue
        body = scorer.folded_body(d)
        found = sum(1 for term in missing if has_adjacent(body, *term.split("_", 1)))
        if found:
            scored.tier[d] += found
            changed = True
    return changed
