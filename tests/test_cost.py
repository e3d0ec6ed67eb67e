"""Bounded cost per request (issue 15): the review's query, counted as work done, not timed.

The review sent 25 OR'd quoted phrases and a typo; each phrase read up to 150 stored bodies
and did-you-mean ran the whole query again (1 s of CPU on the full archive). Here: every
alternative counts against the word cap, phrase verification has one budget per query, and
did-you-mean reuses the alternatives the first pass scored.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from searchsvc.indexing import indexer
from searchsvc.searching import Searcher, SearchRequest, spelling
from searchsvc.searching.live import locate
from searchsvc.searching.query import MAX_WORDS, understand
from searchsvc.searching.ranking import MAX_PHRASE_CHECKS, Scorer, score_query
from searchsvc.store.snapshot import open_snapshot

SECOND = ["va", "la", "co", "da", "ra", "ve", "di", "do", "bi", "de", "ma", "ai", "an"]
SECOND += ["nhu", "cua", "cac", "cho", "mot", "nay", "den", "tai", "khi", "thi", "cung", "sau"]
REVIEW = "|".join(f'"n {w}"' for w in SECOND) + " hanhh"


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """300 long bodies holding "n" and every second word; each one phrase beyond the lead."""
    root = tmp_path_factory.mktemp("cost")
    filler = " ".join(f"chu{i % 40}" for i in range(260))
    rows = [
        {
            "id": f"c{i}",
            "title": f"Bài {i} hành chính",
            "body": f"n {filler} " + " ".join(SECOND) + f". n {SECOND[i % 25]}. n hanh",
        }
        for i in range(300)
    ]
    src = root / "a.jsonl"
    src.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    indexer.build([src], root / "index", workers=1)
    return root / "index"


def _scored(index: Path, query: str) -> tuple[Scorer, int, str | None]:
    """Run a query as Searcher does; return its scorer, total and did-you-mean."""
    located = locate(index)
    assert located is not None
    snap = open_snapshot(*located)
    parsed = understand(query)
    scorer = Scorer(snap)
    everything = np.ones(snap.n, dtype=np.bool_)
    scored = score_query(scorer, parsed, snap.live, everything)
    total = int(np.count_nonzero(scored.match))
    request = SearchRequest(query=query)
    fix = spelling.correct(snap, parsed, request, 0 if scored.fallback else total, scorer)
    snap.close()
    return scorer, total, fix


def test_every_alternative_counts_against_the_word_cap() -> None:
    """25 OR'd two-word phrases cost 50 words: only the first 6 phrases are searched."""
    parsed = understand(REVIEW)
    costs = [len(a.words) for c in parsed.clauses for a in c.alternatives]
    assert sum(costs) <= MAX_WORDS and len(costs) == MAX_WORDS // 2
    assert parsed.notes  # the visitor is told the query was cut


def test_the_reviews_query_reads_at_most_one_budget_of_bodies(index: Path) -> None:
    """Every phrase needs its bodies read, but all of them together read one budget."""
    scorer, total, _ = _scored(index, REVIEW)
    assert scorer.work["bodies"] <= MAX_PHRASE_CHECKS
    assert scorer.work["alternatives"] <= MAX_WORDS
    assert total > 0


def test_did_you_mean_reuses_what_the_first_pass_scored(index: Path) -> None:
    """Five phrases and a typo: the correction scores only the corrected word again."""
    query = "|".join(f'"n {w}"' for w in SECOND[:5]) + " hanhh"
    scorer, _, fix = _scored(index, query)
    assert fix is not None and fix.endswith(" hành")
    assert scorer.work["alternatives"] == 5 + 1 + 1  # 5 phrases, "hanhh", then "hanh"
    assert scorer.work["bodies"] <= MAX_PHRASE_CHECKS


def test_the_searcher_answers_the_reviews_query(index: Path) -> None:
    """Through the public API: complete (not partial), with results."""
    result = Searcher(index, warm=False).search(SearchRequest(query=REVIEW))
    assert not result.partial and result.total > 0
