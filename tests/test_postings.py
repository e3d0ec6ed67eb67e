"""Whole-term postings decoding agrees with Whoosh's own matcher, term by term."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from whoosh import fields
from whoosh.codec.whoosh3 import W3Codec
from whoosh.filedb.filestore import FileStorage

from searchsvc.indexing import indexer, updating
from searchsvc.store import generations
from searchsvc.store.postings import decode, read_postings
from searchsvc.store.snapshot import open_snapshot


def _stock(reader: Any, fieldname: str, term: str) -> tuple[list[int], list[float]]:
    """Return ids and weights of a term through Whoosh's matcher."""
    matcher = reader.postings(fieldname, term)
    ids, weights = [], []
    while matcher.is_active():
        ids.append(matcher.id())
        weights.append(matcher.weight())
        matcher.next()
    return ids, weights


def _check_every_term(reader: Any) -> int:
    """Assert read_postings equals the matcher for every term of every field; count terms."""
    checked = 0
    for fieldname in reader.indexed_field_names():
        field = reader.schema[fieldname]
        if isinstance(field, fields.NUMERIC):  # searched through columns, not postings
            continue
        for tbytes in reader.lexicon(fieldname):
            term = field.from_bytes(tbytes)
            decoded = read_postings(reader, fieldname, term)
            assert decoded is not None, (fieldname, term)
            ids, weights = _stock(reader, fieldname, term)
            assert decoded[0].tolist() == ids, (fieldname, term)
            assert np.array_equal(decoded[1], np.array(weights, dtype=np.float32))
            checked += 1
    return checked


def test_agrees_with_the_matcher_on_the_sample_index(sample_index: Path) -> None:
    """Every term of every segment of a real index decodes to the matcher's postings."""
    gen = sorted(sample_index.glob("gen-*"))[-1]
    ix = FileStorage(str(gen), supports_mmap=False).open_index()
    with ix.reader() as reader:
        leaves = [leaf for leaf, _ in reader.leaf_readers()]
        assert sum(_check_every_term(leaf) for leaf in leaves) > 1000


@pytest.mark.parametrize("blocklimit", [3, 7, 128, 1000])
def test_any_block_length_and_id_width(tmp_path: Path, blocklimit: int) -> None:
    """Blocks of any length, first ids of one, two or four bytes, gaps of any size agree."""
    schema = fields.Schema(body=fields.TEXT(phrase=False))
    ix = FileStorage(str(tmp_path)).create_index(schema)
    writer = ix.writer(codec=W3Codec(blocklimit=blocklimit))
    rng = np.random.default_rng(7)
    for d in range(1200):
        words = ["common"] * int(rng.integers(1, 4)) + ["every"]
        words += ["sparse"] if d % 97 == 0 else []
        words += ["half"] * (d % 3) if d % 2 else []
        writer.add_document(body=" ".join(words))
    writer.commit()
    with ix.reader() as reader:
        assert _check_every_term(reader) == 4


def test_deletions_are_decoded_and_garbage_falls_back(tmp_path: Path) -> None:
    """A segment with deletions decodes with its deleted ids; bytes that are not W3 give None."""
    schema = fields.Schema(body=fields.TEXT(phrase=False))
    ix = FileStorage(str(tmp_path)).create_index(schema)
    with ix.writer() as writer:
        for d in range(10):
            writer.add_document(body=f"word w{d}")
    with ix.writer() as writer:
        writer.delete_document(3)
    with ix.reader() as reader:
        assert reader.has_deletions()
        decoded = read_postings(reader, "body", "word")
        assert decoded is not None and decoded[0].tolist() == list(range(10))
    assert decode(b"nope" + bytes(20), 3) is None
    assert decode(b"W3Bl" + bytes(20), 3) is None


def test_snapshot_postings_skip_deleted_documents_after_an_update(tmp_path: Path) -> None:
    """After an update deletes from the built segment, every term equals Whoosh's matcher."""
    src = tmp_path / "a.jsonl"
    rows = [
        {"id": f"a{i}", "title": f"Tin số {i}", "body": f"phường quảng an {i % 7}"}
        for i in range(40)
    ]
    src.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    index = tmp_path / "index"
    indexer.build([src], index, workers=1)
    rows[5]["body"], rows[9]["body"] = "hồ tây", "hồ tây mùa thu"
    src.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    updating.update([src], index)
    live = generations.live_generation(index)
    assert live is not None
    snap = open_snapshot(live, "t")
    assert any(reader.has_deletions() for reader, _ in snap.leaves)
    checked = 0
    for fieldname in ("title_f", "body_f", "body_a", "body_p"):
        for term in {t for reader, _ in snap.leaves for t in reader.field_terms(fieldname)}:
            want: list[int] = []
            for reader, offset in snap.leaves:
                if (fieldname, term) in reader:
                    want += [offset + d for d in _stock(reader, fieldname, term)[0]]
            assert snap.postings(fieldname, term)[0].tolist() == sorted(want), (fieldname, term)
            checked += 1
    assert checked > 20
    snap.close()
