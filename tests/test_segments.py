"""SegmentBuilder writes the same index as Whoosh's own SegmentWriter, read with stock Whoosh."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest
from whoosh.codec.whoosh3 import W3LeafMatcher

from searchsvc import archive
from searchsvc.indexing import writers
from searchsvc.indexing.segments import SegmentBuilder
from searchsvc.store import schema

TERM_STATS = ("weight", "doc_frequency", "min_length", "max_length", "max_weight", "min_id")


def sample_documents(copies: int = 1) -> list[dict[str, Any]]:
    """Return the fields of the sample archive's articles, repeated under new ids."""
    articles = list(archive.read_sources([archive.sample_archive()]))
    return [
        schema.document(dataclasses.replace(a, id=f"{a.id}-{k}") if k else a)
        for k in range(copies)
        for a in articles
    ]


def write_stock(path: Path, docs: list[dict[str, Any]]) -> None:
    """Write docs with Whoosh's SegmentWriter (our FastSegmentWriter)."""
    path.mkdir()
    writers.create_index(path)
    writer = writers.FastSegmentWriter(writers.open_index(path))
    for doc in docs:
        writer.add_document(**doc)
    writer.commit()


def write_built(path: Path, docs: list[dict[str, Any]], limitmb: float) -> int:
    """Write docs with SegmentBuilder; return the number of segments."""
    path.mkdir()
    writers.create_index(path)
    builder = SegmentBuilder(writers.open_index(path), limitmb)
    for doc in docs:
        builder.add_document(doc)
    segments = builder.finish()
    writers._write_toc(path, segments)
    return len(segments)


def reader(path: Path) -> Any:
    """Open a stock Whoosh reader of an index (a context manager)."""
    return writers.open_index(path).reader()


def assert_same_documents(a: Any, b: Any) -> None:
    """Check stored fields, field lengths and columns document by document."""
    assert a.doc_count_all() == b.doc_count_all() > 0
    for docnum in range(a.doc_count_all()):
        assert a.stored_fields(docnum) == b.stored_fields(docnum)
    for name in a.schema.names():
        assert a.field_length(name) == b.field_length(name), name
        lengths = [a.doc_field_length(d, name) for d in range(a.doc_count_all())]
        assert lengths == [b.doc_field_length(d, name) for d in range(b.doc_count_all())], name
        assert bool(a.has_column(name)) == bool(b.has_column(name)), name
        if a.has_column(name):
            assert list(a.column_reader(name)) == list(b.column_reader(name)), name


def assert_same_postings(a: Any, b: Any) -> int:
    """Check every term's statistics and postings field by field; return the postings seen."""
    seen = 0
    for name in a.schema.names():
        if not a.schema[name].indexed:
            continue
        terms = list(a.lexicon(name))
        assert terms == list(b.lexicon(name)), name
        for term in terms:
            ia, ib = a.term_info(name, term), b.term_info(name, term)
            for stat in TERM_STATS:
                assert getattr(ia, stat)() == getattr(ib, stat)(), (name, term, stat)
            assert a.doc_frequency(name, term) == b.doc_frequency(name, term)
            assert a.frequency(name, term) == b.frequency(name, term)
            postings = list(a.postings(name, term).items_as("weight"))
            assert postings == list(b.postings(name, term).items_as("weight")), (name, term)
            seen += len(postings)
    return seen


def block_stats(matcher: Any) -> list[tuple[Any, ...]]:
    """Return what each W3 block of a posting list records (what snapshot.py reads)."""
    assert isinstance(matcher, W3LeafMatcher)
    blocks = []
    while not matcher._atend:
        matcher._read_data()
        ids, weights, values = matcher._data
        stats = (matcher._blocklength, matcher._maxid, matcher._maxweight)
        blocks.append((*stats, matcher._minlength, matcher._maxlength, ids, weights, values))
        matcher._next_block()
    return blocks


def test_one_segment_reads_like_whoosh_own(tmp_path: Path) -> None:
    docs = sample_documents()
    write_stock(tmp_path / "stock", docs)
    assert write_built(tmp_path / "ours", docs, limitmb=64) == 1
    with reader(tmp_path / "stock") as stock, reader(tmp_path / "ours") as ours:
        assert_same_documents(stock, ours)
        assert assert_same_postings(stock, ours) > 20_000
        for name, term in [("body_f", "phuong"), ("title_f", "tay"), ("id", docs[0]["id"])]:
            assert block_stats(stock.postings(name, term)) == block_stats(ours.postings(name, term))


def test_long_posting_lists_and_large_frequencies(tmp_path: Path) -> None:
    docs = sample_documents(copies=3)  # common terms span two 128-posting blocks
    docs[7]["body_f"] = docs[7]["body_f"] + ["phuong"] * 700  # a frequency over 255
    write_stock(tmp_path / "stock", docs)
    write_built(tmp_path / "ours", docs, limitmb=64)
    with reader(tmp_path / "stock") as stock, reader(tmp_path / "ours") as ours:
        assert_same_documents(stock, ours)
        assert_same_postings(stock, ours)
        common = [t for t in stock.lexicon("body_f") if stock.doc_frequency("body_f", t) > 128]
        assert common
        for term in common:
            stats = block_stats(ours.postings("body_f", term))
            assert len(stats) > 1
            assert stats == block_stats(stock.postings("body_f", term))


def test_a_small_memory_budget_writes_several_segments_that_read_the_same(
    tmp_path: Path,
) -> None:
    docs = sample_documents(copies=2)
    write_stock(tmp_path / "stock", docs)
    assert write_built(tmp_path / "ours", docs, limitmb=0.2) > 2
    with reader(tmp_path / "stock") as stock, reader(tmp_path / "ours") as ours:
        assert_same_documents(stock, ours)
        assert_same_postings(stock, ours)
    ix = writers.open_index(tmp_path / "ours")
    with ix.searcher() as searcher:
        for docnum in (0, len(docs) // 2, len(docs) - 1):
            found = list(searcher.document_numbers(id=docs[docnum]["id"]))
            assert found == [docnum]


def test_unknown_fields_are_refused(tmp_path: Path) -> None:
    (tmp_path / "ix").mkdir()
    writers.create_index(tmp_path / "ix")
    builder = SegmentBuilder(writers.open_index(tmp_path / "ix"), 16)
    with pytest.raises(Exception, match="nonsense"):
        builder.add_document({"id": "x", "nonsense": "y"})
    assert builder.finish() == []
