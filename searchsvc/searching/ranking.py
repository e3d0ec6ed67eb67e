"""Matching and scoring of a parsed query over the documents that can match it.

Each word is scored BM25-style per field (title weighted well above body) and summed;
an accent-exact match adds a bonus; adjacent query syllables found as indexed pairs add a
bonus. Matching is exact set logic over postings: all clauses, minus exclusions.

Work follows the postings, not the archive: the candidates (the documents holding every
clause's words, or any clause's when none holds them all) are found from the postings
first, and every per-document array is then over those candidates only (the scorer's
`domain`), with the same float32 operations in the same order as over the whole archive.
The result is spread back over all documents at the end, so callers see dense arrays.
"""

from __future__ import annotations

import itertools
import math
import re
import time
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

import numpy as np

from searchsvc.searching.query import Alternative, Clause, ParsedQuery, Word
from searchsvc.searching.snippets import MAX_BODY_CHARS, fold_loosely, prepare
from searchsvc.store.schema import BODY_LEAD_WORDS
from searchsvc.store.snapshot import BoolArray, ByteLRU, FloatArray, IntArray, Snapshot
from searchsvc.vietnamese import text


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
# Memory for the document frequencies of words kept per generation (about 150 bytes each).
WORD_DF_BYTES = 2 * 1024 * 1024
_EMPTY: IntArray = np.zeros(0, dtype=np.int32)


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
        self.domain: IntArray = np.arange(snap.n, dtype=np.int32)  # the documents scored
        self.m = snap.n
        self._memo: dict[tuple[str, ...], tuple[BoolArray, FloatArray]] = {}
        self._alternatives: dict[Alternative, tuple[BoolArray, FloatArray]] = {}
        self._seen: set[Alternative] = set()
        self._postings: dict[tuple[str, str], tuple[IntArray, FloatArray]] = {}
        self._dfs: dict[tuple[str, str, bool], int] = {}
        self._word_docs: dict[tuple[str, bool], IntArray] = {}
        self._verified: dict[Alternative, dict[int, bool]] = {}
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
        """Return the normalized stored body and its folded form (memoized per generation).

        The folded form is the one the sidecar keeps when it has it (as `prepare` made it).
        """
        body = self._bodies.get(docnum)
        if body is None:
            cached = self.snap.bodies.get(("prepared", docnum))
            if cached is None:
                body = self._prepare(docnum)
                self.snap.bodies.put(("prepared", docnum), body)
            else:
                body = (cached[0], cached[1])
            self._bodies[docnum] = body
        return body

    def _prepare(self, docnum: int) -> tuple[str, str]:
        """Return `prepare` of a stored body, its folded half read from the sidecar if there."""
        folded = self.snap.folded_head(docnum)
        if folded is None:
            return prepare(self._body_head(docnum))
        return text.collapse(text.normalize(self._body_head(docnum))), folded

    def loose_body(self, docnum: int) -> str:
        """Return a folded body for phrase checks: the prepared one if at hand, else loose."""
        prepared = self._bodies.get(docnum) or self.snap.bodies.get(("prepared", docnum))
        if prepared is not None:
            return prepared[1]
        folded = self.snap.folded_head(docnum)
        if folded is not None:
            return folded
        cached = self.snap.bodies.get(("loose", docnum))
        if cached is not None:
            return cached[0]
        folded = fold_loosely(self._body_head(docnum))
        self.snap.bodies.put(("loose", docnum), (folded,))
        return folded

    def folded_body(self, docnum: int) -> str:
        """Return the folded, normalized stored body of a document."""
        prepared = self._bodies.get(docnum)
        if prepared is None:
            folded = self.snap.folded_head(docnum)
            if folded is not None:
                return folded
        return self.prepared_body(docnum)[1]

    def out_of_time(self) -> bool:
        """Return whether the query's time budget is spent."""
        return bool(self.deadline) and time.perf_counter() > self.deadline

    def set_domain(self, docs: IntArray) -> None:
        """Score only these documents (sorted docnums) from now on."""
        self.domain = docs
        self.m = len(docs)
        self._memo.clear()
        self._alternatives.clear()

    def postings(self, fieldname: str, term: str) -> tuple[IntArray, FloatArray]:
        """Return the postings of a term (memoized per query)."""
        key = (fieldname, term)
        found = self._postings.get(key)
        if found is None:
            found = self._postings[key] = self.snap.postings(fieldname, term)
            self.work["postings"] += 1
        return found

    def _sat(
        self, fieldname: str, term: str, norm: FloatArray, out: FloatArray, scale: float
    ) -> None:
        """Add scale * saturated tf of a term in a field into out (over the domain)."""
        ids, tf = self.postings(fieldname, term)
        if not len(ids):
            return
        docs = self.domain
        if self.m * 16 < len(ids) + self.n // 4:  # few candidates: look each one up
            pos = np.minimum(np.searchsorted(ids, docs), len(ids) - 1)
            hit = ids[pos] == docs
            if not hit.any():
                return
            ids, tf, at = docs[hit], tf[pos[hit]], hit
        else:
            at = None
        k1 = self.w.k1
        x = tf / norm[ids]
        # scale * x * (k1 + 1) / (k1 + x), in place: the same float32 operations in order.
        sat = x * scale
        sat *= k1 + 1
        x += k1
        sat /= x
        if at is not None:
            out[at] += sat
        else:
            spread = np.zeros(self.n, dtype=np.float32)
            spread[ids] = sat
            out += spread if self.m == self.n else spread[docs]

    def _idf(self, df: int) -> float:
        """Return the BM25 idf of a document frequency."""
        return math.log(1 + (self.n - df + 0.5) / (df + 0.5))

    def _df(self, suffix: str, term: str, title_only: bool) -> int:
        """Return how many live documents hold a term in title_<s> (or body_<s>)."""
        key = (suffix, term, title_only)
        found = self._dfs.get(key)
        if found is None and suffix == "f":
            found = self._dfs[key] = self._word_df(term, title_only)
        elif found is None:
            title = self.postings(f"title_{suffix}", term)[0]
            body = _EMPTY if title_only else self.postings(f"body_{suffix}", term)[0]
            found = self._dfs[key] = len(title) + len(body) - len(_intersect(title, body))
        return found

    def _word_df(self, folded: str, title_only: bool) -> int:
        """Return how many live documents hold a word in the title, or the body too.

        Kept per generation (a small number per word): the union of a common word's title
        and body postings, which it takes, costs a pass over tens of thousands of docnums.
        """
        if title_only:
            return len(self.postings("title_f", folded)[0])
        memo: ByteLRU[str, int] | None = self.snap.memo.get("word_df")
        if memo is None:
            memo = self.snap.memo.setdefault("word_df", ByteLRU(WORD_DF_BYTES, lambda _: 150))
        found = memo.get(folded)
        if found is None:
            found = len(self.word_docs(Word(folded), False))
            memo.put(folded, found)
        return found

    def _fields(self, suffix: str, term: str, title_only: bool) -> tuple[BoolArray, FloatArray]:
        """Return (match, title-weighted saturated tf) of a term in title_<s> and body_<s>."""
        key = (suffix, term, str(title_only))
        if key in self._memo:
            return self._memo[key]
        acc = np.zeros(self.m, dtype=np.float32)
        self._sat(f"title_{suffix}", term, self.norm_title, acc, self.w.title)
        if not title_only:
            self._sat(f"body_{suffix}", term, self.norm_body, acc, 1.0)
        value = (acc > 0, acc)
        self._memo[key] = value
        return value

    def word(self, word: Word, title_only: bool = False) -> tuple[BoolArray, FloatArray]:
        """Return (match, score) of one word: folded BM25 plus the accent-exact bonus."""
        match, tf = self._fields("f", word.folded, title_only)
        idf = self._idf(self._df("f", word.folded, title_only))
        score = tf * idf
        if word.accent:
            _, tfa = self._fields("a", word.accent, title_only)
            score = score + tfa * (idf * self.w.accent)
        return match, score

    def accent_tier(self, parsed: ParsedQuery) -> FloatArray:
        """Count, per document, the accented query words it has with exactly those accents.

        A concept (UBND / Ủy ban nhân dân) counts as fully exact in a document holding another
        of its forms; when the query is that concept alone, the form typed comes first.
        """
        tier = np.zeros(self.m, dtype=np.float32)
        seen: set[str] = set()
        for clause in parsed.clauses:
            if _is_concept(clause):
                tier += self._concept_tier(clause, alone=len(parsed.clauses) == 1)
                continue
            for alt in clause.alternatives:
                if alt.published is not None:  # published on the day typed
                    tier += self.alternative(alt)[0]
                for w in alt.words:
                    if w.accent and w.accent not in seen:
                        seen.add(w.accent)
                        tier += self._fields("a", w.accent, alt.title_only)[0]
        return tier

    def _concept_tier(self, clause: Clause, alone: bool) -> FloatArray:
        """Return the accent tier of a concept clause (see `accent_tier`)."""
        typed = [a for a in clause.alternatives if not a.synonym]
        accents = {w.accent for a in typed for w in a.words if w.accent}
        credit = np.zeros(self.m, dtype=np.float32)
        for alt in clause.alternatives:
            match = self._form(alt)[0] & self._together(alt)
            if alt.synonym:
                got = match * np.float32(len(accents))
            else:
                got = match * np.float32(alone)
                for w in alt.words:
                    if w.accent in accents:
                        got = got + self._fields("a", str(w.accent), False)[0] * match
            np.maximum(credit, got, out=credit)
        return credit

    def _tf(self, fieldname: str, term: str) -> FloatArray:
        """Return the term frequencies of a term in a field over the domain (memoized)."""
        key = ("tf", fieldname, term)
        if key not in self._memo:
            tf = np.zeros(self.m, dtype=np.float32)
            ids, weights = self.postings(fieldname, term)
            if len(ids):
                pos = np.minimum(np.searchsorted(ids, self.domain), len(ids) - 1)
                hit = ids[pos] == self.domain
                tf[hit] = weights[pos[hit]]
            self._memo[key] = (tf > 0, tf)
        return self._memo[key][1]

    def _form(self, alt: Alternative) -> tuple[BoolArray, FloatArray, FloatArray]:
        """Return (match, title tf, body tf) of one written form of a concept.

        A form of several words counts as often as its rarest word, in each field; half as
        often where its words do not stand together (typed words may lie apart).
        """
        key = ("form", str(alt))
        if key in self._memo:
            return self._memo[key]  # type: ignore[return-value]
        match = self.alternative(alt)[0]
        if alt.docnum is not None or not alt.words:
            value = (match, np.zeros(self.m, dtype=np.float32), match.astype(np.float32))
        else:
            title = np.min([self._tf("title_f", w.folded) for w in alt.words], axis=0)
            body = np.min([self._tf("body_f", w.folded) for w in alt.words], axis=0)
            half = np.where(self._together(alt), 1.0, 0.5).astype(np.float32)
            title, body = title * half, body * half
            value = (match, title * match, body * match)
        self._memo[key] = value  # type: ignore[assignment]
        return value

    def _together(self, alt: Alternative) -> BoolArray:
        """Return where the words of an alternative stand together (always, for a phrase).

        Beyond the indexed lead, the stored text of a bounded number of candidates is read.
        """
        if len(alt.words) < 2 or alt.phrase or alt.docnum is not None:
            return np.ones(self.m, dtype=np.bool_)
        gaps = int(len(alt.words) > 2)
        return self.alternative(replace(alt, phrase=True, verify=True, gaps=gaps))[0]

    def concept(self, clause: Clause) -> tuple[BoolArray, FloatArray]:
        """Return (match, score) of a clause whose alternatives are written forms of one concept.

        Every form (UBND, Ủy ban nhân dân) is equal evidence: the concept's frequency in a
        field is the sum of its forms', scored BM25-style as one term with the idf of the
        documents that can hold any form (over the whole archive, not only the candidates).
        """
        match = np.zeros(self.m, dtype=np.bool_)
        title = np.zeros(self.m, dtype=np.float32)
        body = np.zeros(self.m, dtype=np.float32)
        for alt in clause.alternatives:
            m, t, b = self._form(alt)
            match |= m
            title += t
            body += b
        score = self._saturate(title, self.norm_title[self.domain], self.w.title)
        score += self._saturate(body, self.norm_body[self.domain], 1.0)
        return match, score * np.float32(self._idf(len(self.clause_docs(clause))))

    def _saturate(self, tf: FloatArray, norm: FloatArray, scale: float) -> FloatArray:
        """Return scale * the BM25-saturated tf."""
        x = tf / norm
        return (x * (scale * (self.w.k1 + 1)) / (self.w.k1 + x)).astype(np.float32)

    def pair(self, term: str, title_only: bool = False) -> tuple[BoolArray, FloatArray]:
        """Return (match, score) of an adjacent-syllable pair."""
        match, tf = self._fields("p", term, title_only)
        return match, tf * self._idf(self._df("p", term, title_only))

    def docnum(self, term: str) -> tuple[BoolArray, FloatArray]:
        """Return (match, score) of an exact document number."""
        ids, _ = self.postings("docnum", term)
        match = _member(self.domain, ids)
        return match, match * np.float32(self._idf(len(ids)) * self.w.docnum)

    def word_docs(self, word: Word, title_only: bool) -> IntArray:
        """Return the documents holding a word (folded) in the title, or the body too."""
        title = self.postings("title_f", word.folded)[0]
        if title_only:
            return title
        key = (word.folded, title_only)
        found = self._word_docs.get(key)
        if found is None:
            found = self._word_docs[key] = _union(
                [title, self.postings("body_f", word.folded)[0]], self.n
            )
        return found

    def candidates(self, alt: Alternative) -> IntArray:
        """Return the documents that can match an alternative (all its words, or its number)."""
        if alt.docnum is not None:
            return self.postings("docnum", alt.docnum)[0]
        if alt.published is not None:
            return np.flatnonzero(published_between(self.snap, *alt.published)).astype(np.int32)
        if not alt.words:
            return np.arange(self.n, dtype=np.int32)
        title_only = alt.title_only
        words = sorted(alt.words, key=lambda w: self._df("f", w.folded, title_only))
        docs = self.word_docs(words[0], title_only)
        for w in words[1:]:
            if not len(docs):
                break
            docs = self._narrow(docs, w, title_only)
        return docs

    def _narrow(self, docs: IntArray, word: Word, title_only: bool) -> IntArray:
        """Return the documents among docs that hold a word (in the title, or the body too).

        Looked up in the word's title and body postings, without their union when it is
        not at hand (for a common word, a pass over more documents than docs holds).
        """
        if title_only or (word.folded, title_only) in self._word_docs:
            return _intersect(docs, self.word_docs(word, title_only))
        keep = _member(docs, self.postings("title_f", word.folded)[0])
        keep |= _member(docs, self.postings("body_f", word.folded)[0])
        return docs[keep]

    def clause_docs(self, clause: Clause) -> IntArray:
        """Return the documents that can match a clause (any alternative)."""
        return _union([self.candidates(alt) for alt in clause.alternatives], self.n)

    def alternative(self, alt: Alternative) -> tuple[BoolArray, FloatArray]:
        """Return (match, score) of one alternative (memoized: did-you-mean reuses it)."""
        found = self._alternatives.get(alt)
        if found is None:
            found = self._alternatives[alt] = self._alternative(alt)
            if alt not in self._seen:
                self._seen.add(alt)
                self.work["alternatives"] += 1
        return found

    def _alternative(self, alt: Alternative) -> tuple[BoolArray, FloatArray]:
        """Return (match, score) of one alternative, computed."""
        if alt.published is not None:
            every = published_between(self.snap, *alt.published)
            match = every[self.domain]
            idf = self._idf(int(np.count_nonzero(every)))
            return match, match * np.float32(idf * self.w.docnum * alt.weight)
        if alt.docnum is not None:
            match, score = self.docnum(alt.docnum)
            return match, score * alt.weight
        match = np.ones(self.m, dtype=np.bool_)
        score = np.zeros(self.m, dtype=np.float32)
        for w in alt.words:
            m, s = self.word(w, alt.title_only)
            match &= m
            score += s
        if alt.phrase:
            pairs = alt.pairs()
            present = np.zeros(self.m, dtype=np.int16)
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
        """Return the candidates whose stored text holds the phrase beyond the indexed lead.

        Bodies already read for this phrase (by the first pass) are not read again; new
        ones come out of the query's one budget.
        """
        found = np.zeros(self.m, dtype=np.bool_)
        candidates = candidates & (self.snap.body_len[self.domain] > BODY_LEAD_WORDS * 0.9)
        checked = self._verified.setdefault(alt, {})
        words = [w.folded for w in alt.words]
        separator = r"[\s\-–—/,;:.]+"
        pattern = re.compile(r"(?<![^\W_])" + separator.join(map(re.escape, words)) + r"(?![^\W_])")
        # Whitespace runs do not change a match unless a word itself holds whitespace.
        loose = not any(c.isspace() for w in words for c in w)
        # Bodies read before (at most one budget of them) answer from the memo ...
        for d, ok in checked.items():
            at = int(np.searchsorted(self.domain, d))
            if ok and at < self.m and self.domain[at] == d and candidates[at]:
                found[at] = True
        # ... and new ones are read in docnum order while the budget lasts (never a walk
        # over every candidate: a phrase of common words has tens of thousands).
        for at in np.flatnonzero(candidates).tolist():
            if self.phrase_checks_left <= 0:
                break
            d = int(self.domain[at])
            if d in checked:
                continue
            self.phrase_checks_left -= 1
            self.work["bodies"] += 1
            folded = self.loose_body(d) if loose else self.folded_body(d)
            found[at] = checked[d] = _has_phrase(folded, words, pattern)
        return found

    def clause(self, clause: Clause) -> tuple[BoolArray, FloatArray]:
        """Return (match, score) of a clause: any alternative, best score (see `concept`)."""
        if _is_concept(clause):
            return self.concept(clause)
        match = np.zeros(self.m, dtype=np.bool_)
        score = np.zeros(self.m, dtype=np.float32)
        for alt in clause.alternatives:
            m, s = self.alternative(alt)
            match |= m
            np.maximum(score, np.where(m, s, 0), out=score)
        return match, score


def _intersect(a: IntArray, b: IntArray) -> IntArray:
    """Return the sorted docnums in both sorted, distinct arrays."""
    if len(a) > len(b):
        a, b = b, a
    if not len(a):
        return a
    return a[_member(a, b)]


def _member(docs: IntArray, ids: IntArray) -> BoolArray:
    """Return, for each of the sorted docs, whether the sorted ids hold it."""
    if not len(ids) or not len(docs):
        return np.zeros(len(docs), dtype=np.bool_)
    if len(docs) * 8 > len(ids):  # many lookups: a bitmap of the ids beats binary search
        mark = np.zeros(max(int(ids[-1]), int(docs[-1])) + 1, dtype=np.bool_)
        mark[ids] = True
        found: BoolArray = mark[docs]
        return found
    pos = np.minimum(np.searchsorted(ids, docs), len(ids) - 1)
    hit: BoolArray = ids[pos] == docs
    return hit


def _union(arrays: list[IntArray], n: int) -> IntArray:
    """Return the sorted docnums in any of the sorted, distinct arrays.

    Arrays holding fewer than n / 4 docnums in all are merged (work as long as they are),
    more through a bitmap of the n documents.
    """
    arrays = sorted((a for a in arrays if len(a)), key=len)
    if not arrays:
        return _EMPTY
    if len(arrays) == 1:
        return arrays[0]
    if sum(len(a) for a in arrays) * 4 < n:
        out = arrays[-1]
        for a in arrays[:-1]:
            out = _merge(a, out)
        return out
    mark = np.zeros(n, dtype=np.bool_)
    for a in arrays:
        mark[a] = True
    return np.flatnonzero(mark).astype(np.int32)


def _merge(small: IntArray, big: IntArray) -> IntArray:
    """Return the sorted docnums in either of two sorted, distinct arrays."""
    at = np.searchsorted(big, small)
    new = big[np.minimum(at, len(big) - 1)] != small
    if not new.any():
        return big
    extra = small[new]
    at = at[new] + np.arange(len(extra))  # where each new docnum lands in the output
    out = np.empty(len(big) + len(extra), dtype=np.int32)
    rest = np.ones(len(out), dtype=np.bool_)
    rest[at] = False
    out[at] = extra
    out[rest] = big
    return out


def day_minutes(day: date, end: bool = False) -> int:
    """Return the minutes-since-epoch column value at the start (or end) of a day."""
    start = (day - date(1970, 1, 1)).days * 1440
    return start + 1439 if end else start


def published_between(snap: Snapshot, first: date, last: date) -> BoolArray:
    """Return which documents were published from the first to the last day, inclusive."""
    minutes = snap.minutes
    return (minutes >= day_minutes(first)) & (minutes <= day_minutes(last, end=True))


def _is_concept(clause: Clause) -> bool:
    """Return whether a clause holds written forms of one concept (and no title: scope)."""
    alts = clause.alternatives
    return any(a.synonym for a in alts) and not any(a.title_only for a in alts)


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


def _adjacent_pairs(clauses: list[Clause]) -> list[tuple[list[str], bool]]:
    """Return, for consecutive clauses, the pair terms that join them, for the adjacency bonus.

    A clause of several written forms (a concept) joins by any of its forms: `giáo dục VN`
    also meets `giáo dục Việt Nam`. The first term is the pair of the words as typed.
    """
    out = []
    for a, b in itertools.pairwise(clauses):
        wa, wb = a.alternatives[0], b.alternatives[0]
        if wa.docnum is None and wb.docnum is None and wa.words and wb.words:
            lefts = [x.words[-1].folded for x in _joining(a)]
            rights = [x.words[0].folded for x in _joining(b)]
            terms = [f"{left}_{right}" for left in lefts for right in rights]
            out.append((list(dict.fromkeys(terms)), wa.title_only and wb.title_only))
    return out


def _joining(clause: Clause) -> list[Alternative]:
    """Return the alternatives whose edge words count for adjacency: the typed one, and forms."""
    first = clause.alternatives[0]
    forms = [a for a in clause.alternatives[1:] if a.synonym and a.words and a.docnum is None]
    return [first, *forms]


def score_query(scorer: Scorer, parsed: ParsedQuery, live: BoolArray, filt: BoolArray) -> Scored:
    """Match and score a parsed query among live documents, then apply the filters.

    `qmatch` is the query's own match (for facets); `match` adds the filters. When no
    document has every clause, the best partial matches are returned with `fallback`.
    Only candidates are scored: the documents that can match every clause, or any clause
    when none matches them all; the arrays returned cover every document.
    """
    if not parsed.clauses:
        scorer.set_domain(np.arange(scorer.n, dtype=np.int32))
        browse = _score_domain(scorer, parsed, live, filt, True)
        assert browse is not None
        return _spread(scorer, browse)
    sets = sorted((scorer.clause_docs(c) for c in parsed.clauses), key=len)
    docs = sets[0]
    for other in sets[1:]:
        docs = _intersect(docs, other)
    scorer.set_domain(docs)
    scored = _score_domain(scorer, parsed, live[docs], filt[docs], len(sets) == 1)
    if scored is None:  # no candidate has every clause: the best partial matches instead
        docs = _union(sets, scorer.n)
        scorer.set_domain(docs)
        scored = _score_domain(scorer, parsed, live[docs], filt[docs], True)
    assert scored is not None
    return _spread(scorer, scored)


def _spread(scorer: Scorer, scored: Scored) -> Scored:
    """Return a Scored over the domain as one over every document."""
    n, docs = scorer.n, scorer.domain
    if scorer.m == n:
        return scored

    def full(values: Any) -> Any:
        out = np.zeros(n, dtype=values.dtype)
        out[docs] = values
        return out

    return Scored(
        full(scored.match), full(scored.qmatch), full(scored.score), full(scored.tier),
        scored.partial, scored.fallback, [(t, full(m)) for t, m in scored.pairs],
    )  # fmt: skip


def _score_domain(
    scorer: Scorer, parsed: ParsedQuery, live: BoolArray, filt: BoolArray, fall_back: bool
) -> Scored | None:
    """Match and score over the scorer's domain; None when it should fall back but may not."""
    m_ = scorer.m
    clause_matches: list[BoolArray] = []
    total = np.zeros(m_, dtype=np.float32)
    partial = False
    for clause in parsed.clauses:
        if clause_matches and scorer.out_of_time():  # the first clause always counts in full
            partial = True
            break
        m, s = scorer.clause(clause)
        clause_matches.append(m)
        total += s
    tier = scorer.accent_tier(parsed) if not partial else np.zeros(m_, dtype=np.float32)
    pair_masks: list[tuple[str, BoolArray]] = []
    for terms, title_only in _adjacent_pairs(parsed.clauses):
        if scorer.out_of_time():
            partial = True
            break
        m, s = scorer.pair(terms[0], title_only)
        for term in terms[1:]:
            m_other, s_other = scorer.pair(term, title_only)
            m, s = m | m_other, np.maximum(s, s_other)
        total += s * scorer.w.pair
        tier += m
        pair_masks.append((terms[0], m))
    keep = live.copy()
    for alt in parsed.excluded:
        keep &= ~scorer.alternative(alt)[0]
    if not clause_matches:
        qmatch = keep if not parsed.clauses else np.zeros(m_, dtype=np.bool_)
        return Scored(qmatch & filt, qmatch, total, tier, partial, False, pair_masks)
    qmatch = keep.copy()
    for m in clause_matches:
        qmatch &= m
    match = qmatch & filt
    if match.any() or len(clause_matches) == 1:
        return Scored(match, qmatch, total, tier, partial, False, pair_masks)
    if not fall_back:
        return None
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
