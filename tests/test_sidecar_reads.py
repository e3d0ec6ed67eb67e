"""Sidecars read through pread give what views of the mapped file give, and map nothing."""

from __future__ import annotations

import gc
import json
import mmap
import os
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from searchsvc.indexing import indexer, updating
from searchsvc.searching import Searcher, SearchRequest
from searchsvc.store import generations, sidecar
from searchsvc.store.snapshot import PostingsCache, SpanCache, open_snapshot


def _mapped_only(path: Path) -> sidecar.Sidecar:
    """Return a sidecar read only through its memory map (the read path before pread)."""
    with open(path, "rb") as f:
        return sidecar.Sidecar(mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ), str(path))


def _sidecar_paths(index: Path) -> list[Path]:
    """Return the sidecar files of an index's live generation."""
    live = generations.live_generation(index)
    assert live is not None
    return sorted(live.glob(f"*{sidecar.SUFFIX}"))


def _assert_same(new: sidecar.Sidecar, old: sidecar.Sidecar) -> int:
    """Assert two readers of one sidecar agree on everything; return the terms compared."""
    assert new.fd is not None and old.fd is None
    compared = 0
    for fieldname in sorted(old.fields):
        words, dfs = old.terms(fieldname)
        got_words, got_dfs = new.terms(fieldname)
        assert got_words == words and got_dfs.tolist() == dfs.tolist()
        for word in words:
            tbytes = word.encode("utf-8")
            (ids, ws), (want_ids, want_w) = (
                new.postings(fieldname, tbytes),
                old.postings(fieldname, tbytes),
            )
            assert ids.dtype == want_ids.dtype and ws.dtype == want_w.dtype
            assert np.array_equal(ids, want_ids) and np.array_equal(ws, want_w), word
            for near in (tbytes[:-1], tbytes + b"\0", tbytes + b"z", b"\0" + tbytes):
                assert new.term_index(fieldname, near) == old.term_index(fieldname, near)
            compared += 1
    for docnum in range(old.doccount):
        assert new.stored(docnum) == old.stored(docnum)
        assert new.stored_without_body(docnum) == old.stored_without_body(docnum)
        for cut in (0, 1, 7, 100, 1001):
            assert new.body(docnum, cut) == old.body(docnum, cut)
    for name in old.meta["lengths"]:
        assert np.array_equal(new.lengths(name), old.lengths(name))
    for name, kind in old.columns.items():
        got, want = new.column(name), old.column(name)
        assert (got.tolist() if kind == "int" else got) == (
            want.tolist() if kind == "int" else want
        )
    return compared


@pytest.mark.parametrize(("block", "scan_bytes"), [(64, 1 << 16), (1, 0), (3, 40)])
def test_pread_reads_equal_mapped_reads_on_a_built_index(
    sample_index: Path, monkeypatch: pytest.MonkeyPatch, block: int, scan_bytes: int
) -> None:
    """Every term's postings, stored field, body cut, length and column read alike.

    Also with tiny blocks of the sparse key index and term runs read term by term.
    """
    monkeypatch.setattr(sidecar, "BLOCK", block)
    monkeypatch.setattr(sidecar, "SCAN_BYTES", scan_bytes)
    compared = 0
    for path in _sidecar_paths(sample_index):
        compared += _assert_same(sidecar.open_file(path), _mapped_only(path))
    assert compared > 1000


def _joined_by_views(snap: Any, paths: list[Path], fieldname: str, term: str) -> tuple[Any, Any]:
    """Return a term's live postings joined from mapped views, as snapshots did before pread."""
    ids, ws = [], []
    for path, offset in zip(paths, snap.offsets.tolist(), strict=True):
        got_ids, got_w = _mapped_only(path).postings(fieldname, term.encode("utf-8"))
        ids.append(got_ids + offset)
        ws.append(got_w.astype(np.float32))
    joined_ids, joined_w = np.concatenate(ids), np.concatenate(ws)
    keep = snap.live[joined_ids]
    return joined_ids[keep], joined_w[keep]


def test_joined_postings_of_an_updated_index_equal_the_mapped_join(tmp_path: Path) -> None:
    """Over several segments with deletions, snapshot postings equal the old join of views."""
    src = tmp_path / "a.jsonl"
    rows = [
        {"id": f"a{i}", "title": f"Tin số {i}", "body": f"phường quảng an {i % 7} hồ tây"}
        for i in range(60)
    ]
    src.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    index = tmp_path / "index"
    indexer.build([src], index, workers=1)
    rows[5]["body"] = "hồ tây mùa thu"
    src.write_text(
        "\n".join(json.dumps(r, ensure_ascii=False) for i, r in enumerate(rows) if i != 3),
        encoding="utf-8",
    )
    updating.update([src], index, delete_missing=True)
    live = generations.live_generation(index)
    assert live is not None
    snap = open_snapshot(live, "t")
    paths = [sidecar.path_for(live, r._segment) for r, _ in snap.leaves]
    assert len(snap.sidecars) >= 2 and snap.deletions
    checked = 0
    # Cold; then the spans of every term cached but not its postings; then spans evicted.
    for spans in (SpanCache(), None, SpanCache(max_bytes=2000)):
        snap.cache = PostingsCache()
        snap.spans = spans or snap.spans
        for fieldname in ("body_f", "title_f", "id", "body_p"):
            for term in {t for t, _ in snap.terms(fieldname)} | {"không có"}:
                ids, ws = snap.postings(fieldname, term)
                want_ids, want_w = _joined_by_views(snap, paths, fieldname, term)
                assert np.array_equal(ids, want_ids) and np.array_equal(ws, want_w), term
                assert ids.dtype == np.int32 and ws.dtype == np.float32
                assert not ids.flags.writeable and not ws.flags.writeable  # shared via the cache
                checked += 1
    assert checked > 150 and snap.spans.used <= 2000
    snap.close()


def _mapped_files() -> set[str]:
    """Return the paths of the files mapped into this process."""
    lines = Path("/proc/self/maps").read_text().splitlines()
    return {line.split(maxsplit=5)[5] for line in lines if len(line.split(maxsplit=5)) == 6}


def test_a_searched_index_maps_none_of_its_sidecars(sample_index: Path) -> None:
    """After pages, articles and suggestions, no sidecar file is mapped into the process."""
    if not Path("/proc/self/maps").exists():
        pytest.skip("no /proc/self/maps")
    searcher = Searcher(sample_index)
    for text in ("Hà Nội", "bong da", '"thành phố"', "giá vàng tăng"):
        result = searcher.search(SearchRequest(query=text))
        for hit in result.hits:
            searcher.article(hit.id)
    assert searcher.suggest("ha")
    paths = {str(p) for p in _sidecar_paths(sample_index)}
    assert paths and not paths & _mapped_files()
    mapped = _mapped_only(_sidecar_paths(sample_index)[0])  # the check sees a mapped one
    assert str(_sidecar_paths(sample_index)[0]) in _mapped_files()
    del mapped


def test_a_sidecar_closes_its_file_when_dropped(sample_index: Path) -> None:
    """The descriptor kept for pread is closed once nothing holds the sidecar."""
    side = sidecar.open_file(_sidecar_paths(sample_index)[0])
    fd = side.fd
    assert fd is not None and side.body(0) == _mapped_only(_sidecar_paths(sample_index)[0]).body(0)
    os.fstat(fd)
    del side
    gc.collect()
    with pytest.raises(OSError):
        os.fstat(fd)
