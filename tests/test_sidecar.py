"""Segment sidecars hold exactly what Whoosh holds: postings, lengths, columns, stored fields."""

from __future__ import annotations

import contextlib
import dataclasses
import io
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from whoosh.filedb.filestore import FileStorage

from searchsvc.indexing import indexer, updating
from searchsvc.searching import Searcher, SearchRequest
from searchsvc.store import generations, sidecar
from searchsvc.store.schema import BODY_HEAD_CHARS
from searchsvc.store.snapshot import open_snapshot
from searchsvc.vietnamese import text


def _stock(reader: Any, fieldname: str, tbytes: bytes) -> tuple[list[int], list[float]]:
    """Return ids and weights of a term through Whoosh's matcher."""
    matcher = reader._terms.matcher(fieldname, tbytes, reader.schema[fieldname].format)
    ids, weights = [], []
    while matcher.is_active():
        ids.append(matcher.id())
        weights.append(matcher.weight())
        matcher.next()
    return ids, weights


def _check_segment(leaf: Any, side: sidecar.Sidecar) -> int:
    """Assert a sidecar equals its Whoosh segment everywhere; return the terms checked."""
    checked = 0
    assert side.doccount == leaf.doc_count_all()
    for fieldname in leaf.indexed_field_names():
        for tbytes in leaf.lexicon(fieldname):
            ids, weights = side.postings(fieldname, tbytes)
            want_ids, want_w = _stock(leaf, fieldname, tbytes)
            assert ids.tolist() == want_ids, (fieldname, tbytes)
            assert np.array_equal(weights.astype(np.float32), np.array(want_w, np.float32))
            checked += 1
        assert side.postings(fieldname, b"\xffno such term")[0].size == 0
    for docnum in range(leaf.doc_count_all()):
        assert side.stored(docnum) == {"body": "", **leaf.stored_fields(docnum)}
        head = str(leaf.stored_fields(docnum).get("body") or "")[:BODY_HEAD_CHARS]
        assert side.folded_head(docnum) == text.fold(" ".join(text.normalize(head).split()))
        for name in leaf.schema.scorable_names():
            want = leaf.doc_field_length(docnum, name, 0) or 0
            assert side.lengths(name)[docnum] == pytest.approx(want), (name, docnum)
    for name in leaf.schema.names():
        if leaf.has_column(name):
            values = list(leaf.column_reader(name))
            got = side.column(name)
            got = got.tolist() if isinstance(got, np.ndarray) else got
            want = [v.decode("utf-8") if isinstance(v, bytes) else v for v in values]
            assert got == (want if side.columns[name] == "int" else [str(v) for v in want])
    return checked


@contextlib.contextmanager
def _leaves(gen: Path) -> Iterator[list[Any]]:
    """Yield the segment readers of a generation, closing them after."""
    ix = FileStorage(str(gen), supports_mmap=False).open_index()
    with ix.reader() as reader:
        yield [leaf for leaf, _ in reader.leaf_readers()]


def test_a_build_writes_a_sidecar_equal_to_whoosh(sample_index: Path) -> None:
    """Every term, length, column and stored field of the built sidecar matches Whoosh."""
    gen = generations.live_generation(sample_index)
    assert gen is not None
    checked = 0
    with _leaves(gen) as leaves:
        for leaf in leaves:
            path = sidecar.path_for(gen, leaf._segment)
            assert path.exists()
            checked += _check_segment(leaf, sidecar.open_file(path))
            derived = io.BytesIO()
            sidecar.write(leaf, derived)  # the derivation from Whoosh writes the same bytes
            assert derived.getvalue() == path.read_bytes()
    assert checked > 1000


def _rows(n: int) -> list[dict[str, Any]]:
    return [
        {"id": f"a{i}", "title": f"Tin số {i}", "body": f"phường quảng an {i % 7} hồ tây"}
        for i in range(n)
    ]


def _write(path: Path, rows: list[dict[str, Any]]) -> None:
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")


def test_an_update_writes_sidecars_for_whooshs_own_segments(tmp_path: Path) -> None:
    """After an update (changes, deletions) every segment has a sidecar equal to Whoosh."""
    src = tmp_path / "a.jsonl"
    rows = _rows(40)
    _write(src, rows)
    index = tmp_path / "index"
    indexer.build([src], index, workers=1)
    rows[5]["body"], rows[9]["body"] = "hồ tây mùa thu", "phủ tây hồ"
    _write(src, [r for i, r in enumerate(rows) if i != 3])
    updating.update([src], index, delete_missing=True)
    live = generations.live_generation(index)
    assert live is not None
    with _leaves(live) as leaves:
        assert len(leaves) >= 2 and any(leaf.has_deletions() for leaf in leaves)
        for leaf in leaves:
            _check_segment(leaf, sidecar.open_file(sidecar.path_for(live, leaf._segment)))
    snap = open_snapshot(live, "t")
    assert snap.document_numbers("a3") and not any(
        snap.live[d] for d in snap.document_numbers("a3")
    )
    ids, _ = snap.postings("body_f", "mua")
    assert [snap.fields(int(d))["id"] for d in ids] == ["a5"]
    snap.close()


def test_an_index_without_sidecars_still_opens_and_answers_the_same(tmp_path: Path) -> None:
    """Sidecars removed (an index of the older format): derived in memory, same answers."""
    src = tmp_path / "a.jsonl"
    _write(src, _rows(30))
    index = tmp_path / "index"
    indexer.build([src], index, workers=1)
    request = SearchRequest(query="quang an 3")
    before = Searcher(index, warm=False).search(request)
    live = generations.live_generation(index)
    assert live is not None
    for path in live.glob(f"*{sidecar.SUFFIX}"):
        path.write_bytes(b"damaged") if path.stat().st_size % 2 else path.unlink()
    after = Searcher(index, warm=False).search(request)
    assert after.total == before.total > 0
    assert [h.id for h in after.hits] == [h.id for h in before.hits]


def test_a_damaged_sidecar_is_refused_with_a_reason(tmp_path: Path) -> None:
    """A file that is not a sidecar raises SidecarError naming it, never a traceback."""
    path = tmp_path / "MAIN_x.srd"
    path.write_bytes(b"not a sidecar at all")
    with pytest.raises(sidecar.SidecarError, match=r"MAIN_x\.srd"):
        sidecar.open_file(path)


def _without_heads(path: Path) -> None:
    """Rewrite a sidecar's table of contents as it was before bodies' heads were kept."""
    raw = path.read_bytes()
    _, at = sidecar._HEAD.unpack(raw[: sidecar._HEAD.size])
    meta = json.loads(raw[at:])
    del meta["head_chars"]
    meta["arrays"] = {k: v for k, v in meta["arrays"].items() if not k.startswith("head:")}
    path.write_bytes(raw[:at] + json.dumps(meta).encode("utf-8"))


def _pages(index: Path, queries: list[str]) -> list[dict[str, Any]]:
    """Return every field of the first page of each query but its time."""
    searcher = Searcher(index, warm=False)
    pages = []
    for query in queries:
        page = dataclasses.asdict(searcher.search(SearchRequest(query, per_page=50)))
        page.pop("took_ms")
        pages.append(page)
    searcher.close()
    return pages


_HEADS_QUERIES = [
    "Tây Hồ",
    "tay ho",
    '"hồ tây"',
    "ubnd quận",
    "UBND",
    "cải cách hành chính",
    '"ke hoach" 45/KH-UBND',
    "thi đua yêu nước",
]


def test_sidecars_without_heads_open_and_give_the_same_pages(
    sample_index: Path, tmp_path: Path
) -> None:
    """An index whose sidecars predate bodies' heads prepares bodies at query time instead."""
    index = tmp_path / "index"
    shutil.copytree(sample_index, index)
    before = _pages(index, _HEADS_QUERIES)
    live = generations.live_generation(index)
    assert live is not None
    paths = list(live.glob(f"*{sidecar.SUFFIX}"))
    assert paths and all(sidecar.open_file(p).folded_head(0) is not None for p in paths)
    for path in paths:
        _without_heads(path)
        assert sidecar.open_file(path).folded_head(0) is None
    assert sum(p["total"] for p in before) > 50
    assert _pages(index, _HEADS_QUERIES) == before
