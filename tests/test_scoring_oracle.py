"""Pages come out the same as through the plain way of finding candidates and postings.

The plain way (main before issue 10's matching work): a word's candidates are the union of
its title and body postings, every word's union is intersected, its document frequency is
that union's length, unions go through numpy, and every term is looked up in every segment.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from searchsvc.archive import read_sources, sample_archive
from searchsvc.indexing import indexer, updating
from searchsvc.searching import Searcher, SearchRequest, ranking, search
from searchsvc.searching.query import Alternative, Word
from searchsvc.store.snapshot import Snapshot

_WORDS = re.compile(r"[^\W_]+")


class PlainScorer(ranking.Scorer):
    """A scorer that finds candidates and document frequencies the plain way."""

    def _df(self, suffix: str, term: str, title_only: bool) -> int:
        """Return the document frequency, for a word the length of its union."""
        if suffix == "f":
            return len(self.word_docs(Word(term), title_only))
        return super()._df(suffix, term, title_only)

    def candidates(self, alt: Alternative) -> Any:
        """Return the intersection of every word's union (or the number's documents)."""
        if alt.docnum is not None or alt.published is not None or not alt.words:
            return super().candidates(alt)
        sets = [self.word_docs(w, alt.title_only) for w in alt.words]
        return functools.reduce(np.intersect1d, sets).astype(np.int32)


def _plain_union(arrays: list[Any], n: int) -> Any:
    """Return the union of sorted docnum arrays through numpy."""
    return functools.reduce(np.union1d, arrays, np.zeros(0, dtype=np.int32)).astype(np.int32)


def _spans_uncached(snap: Snapshot, fieldname: str, term: str) -> list[tuple[int, int, int]]:
    """Return a term's spans looked up in every segment."""
    tbytes = term.encode("utf-8")
    found = [(i, *side.span(fieldname, tbytes)) for i, side in enumerate(snap.sidecars)]
    return [(i, a, b) for i, a, b in found if a != b]


def _queries() -> list[str]:
    """Return queries from the sample: title openings, body runs, phrases, scopes, forms."""
    out = ["UBND quận", "ủy ban nhân dân", '"an toàn"', "hồ tây -karaoke", "title:thông báo"]
    for article in read_sources([sample_archive()]):
        words = _WORDS.findall(article.title)
        body = _WORDS.findall(article.body)
        out += [" ".join(words[:3]), " ".join(words[1:6]), " ".join(body[10:14])]
        out += [f'"{" ".join(body[20:22])}"', f"{words[-1]} {body[-1] if body else ''}"]
    return [q for q in out if q.strip()]


def _pages(searcher: Searcher, queries: list[str]) -> list[str]:
    """Return pages 1 and 2 of every query as JSON (everything but the time taken)."""
    out = []
    for query in queries:
        for page in (1, 2):
            row = dataclasses.asdict(searcher.search(SearchRequest(query, page=page, per_page=5)))
            row.pop("took_ms")
            out.append(json.dumps(row, ensure_ascii=False, sort_keys=True))
    return out


def _write(path: Path, articles: list[Any]) -> None:
    """Write articles as JSON Lines records."""
    rows = [
        {"id": a.id, "title": a.title, "body": a.body, "category": a.category, "url": a.url}
        | ({"published": a.published.isoformat()} if a.published else {})
        for a in articles
    ]
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")


@pytest.fixture(scope="module")
def split_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return the sample in two segments, one article replaced (so one deleted)."""
    tmp = tmp_path_factory.mktemp("split")
    articles = list(read_sources([sample_archive()]))
    src, index = tmp / "a.jsonl", tmp / "index"
    _write(src, articles[:30])
    indexer.build([src], index, workers=1)
    articles[3] = dataclasses.replace(articles[3], body=articles[3].body + " hồ tây mùa thu")
    _write(src, articles)
    updating.update([src], index)
    return index


@pytest.mark.parametrize("which", ["sample", "split"])
def test_pages_equal_the_plain_way(
    which: str, sample_index: Path, split_index: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every page, first with cold caches, then warm, equals the plain way's page."""
    index = sample_index if which == "sample" else split_index
    queries = _queries()
    assert len(queries) > 200
    fast = Searcher(index, warm=False)
    cold = _pages(fast, queries)
    fast._results.clear()  # the generation's caches (spans, frequencies) stay warm
    warm = _pages(fast, queries)
    snap = fast._live.current().snap
    assert len(snap.sidecars) == (1 if which == "sample" else 2) and snap.spans.items
    with monkeypatch.context() as patch:
        patch.setattr(search, "Scorer", PlainScorer)
        patch.setattr(ranking, "_union", _plain_union)
        patch.setattr(Snapshot, "term_spans", _spans_uncached)
        plain = _pages(Searcher(index, warm=False), queries)
    assert cold == plain
    assert warm == plain
