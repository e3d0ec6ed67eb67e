"""A generation's lexicon file against the lexicon derived in memory, and older indexes."""

from __future__ import annotations

import os
import random
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from searchsvc.indexing import indexer
from searchsvc.searching import Searcher, SearchRequest
from searchsvc.searching.spelling import edits
from searchsvc.searching.suggest import Suggester
from searchsvc.store import generations as gens
from searchsvc.store import lexicon, phrases
from searchsvc.store.lexicon import Lexicon, Vocabulary
from searchsvc.store.snapshot import Snapshot, open_snapshot
from searchsvc.vietnamese import text

TYPOS = ("cai cach hanh chin", "phuong xuan laa", "ke hoch", "hoi nghi tong ket nam", "uy bna")


@pytest.fixture(scope="module")
def snap(sample_index: Path) -> Iterator[Snapshot]:
    """Return the sample index's live generation, opened."""
    live = gens.live_generation(sample_index)
    assert live is not None
    opened = open_snapshot(live, "test")
    yield opened
    opened.close()


def prefixes(titles: list[str]) -> list[str]:
    """Return what visitors type on the way to titles: prefixes, folded, Telex, spaced."""
    out = {"", " ", "x", "45/KH", "61/2018", "xuaan", "hòa", "ủy ban ", "zzz"}
    for title in titles:
        for typed in (title, text.fold(title)):
            out.update(typed[:n] for n in range(1, min(len(typed), 18) + 1))
            out.add(typed[: typed.find(" ") + 1] if " " in typed else typed)
    return sorted(out)


def assert_same_completions(a: Suggester, b: Suggester, typed: list[str]) -> None:
    """Check that two suggesters complete every prefix alike, at several limits."""
    for prefix in typed:
        for limit in (1, 5, 10, 50):
            assert a.suggest(prefix, limit) == b.suggest(prefix, limit), (prefix, limit)


def assert_same_tables(mapped: Lexicon, derived: Lexicon) -> None:
    """Check that the file's tables hold what the derivation made, item for item."""
    for name in ("phrase_keys", "displays", "counts", "lengths", "spaces", "heads"):
        assert list(getattr(mapped.completions, name)) == list(getattr(derived.completions, name))
    for name in ("head_words", "title_keys", "titles"):
        assert list(getattr(mapped.completions, name)) == list(getattr(derived.completions, name))
    assert mapped.completions.openers == derived.completions.openers


def round_trip(tmp_path: Path, derived: Lexicon, documents: int = 7) -> Lexicon:
    """Write a lexicon to a file and map it back."""
    path = tmp_path / lexicon.FILE
    lexicon.write(path, derived, documents, documents)
    mapped = lexicon.load(path, documents, documents)
    assert mapped is not None
    return mapped


def test_a_build_writes_the_lexicon_the_generation_derives(
    sample_index: Path, snap: Snapshot
) -> None:
    mapped = lexicon.load(snap.path / lexicon.FILE, snap.n, int(snap.live.sum()))
    assert mapped is not None
    derived = lexicon.derive(snap)
    assert_same_tables(mapped, derived)
    typed = prefixes(snap.titles)
    assert_same_completions(Suggester(mapped.completions), Suggester(derived.completions), typed)
    assert isinstance(lexicon.of(snap).completions.phrase_keys, lexicon.Strings)  # mapped


def test_a_large_archive_completes_alike_from_the_file(tmp_path: Path, snap: Snapshot) -> None:
    """Past SMALL_ARCHIVE titles, phrases seen once are dropped; the file keeps the rest."""
    rng = random.Random(10)
    words = [w for t in snap.titles for w in t.split()]
    titles = [" ".join(rng.choices(words, k=rng.randint(3, 12))) for _ in range(6000)]
    assert len(set(titles)) >= phrases.SMALL_ARCHIVE
    docnums = [("45/KH-UBND", 3), ("61/2018/NĐ-CP", 1)]
    made = phrases.completions(titles, [("Cải cách hành chính", 40)], docnums)
    derived = Lexicon(made, Vocabulary.build({"hoa": 3}, {}))
    mapped = round_trip(tmp_path, derived)
    assert_same_tables(mapped, derived)
    typed = prefixes(titles[:300])
    assert_same_completions(Suggester(mapped.completions), Suggester(made), typed)


def test_the_vocabulary_answers_as_its_tables(tmp_path: Path, snap: Snapshot) -> None:
    frequencies, accents = lexicon.vocabulary_tables(snap)
    frequencies["日本"] = 4  # a wide key: fixed-width keys are as wide as the widest
    mapped = round_trip(
        tmp_path, Lexicon(phrases.completions([]), Vocabulary.build(frequencies, accents))
    )
    near = {e for word in list(frequencies)[:40] for e in edits(word)}
    words = sorted(frequencies) + sorted(near) + ["", "a\0", "x" * 40, "日本語", "\udc80"]
    found = mapped.vocabulary.frequencies_of(words)
    assert found == [frequencies.get(w, 0) for w in words]
    assert any(found) and not all(found)
    for word in words:
        assert mapped.vocabulary.accented(word) == (
            accents.get(word, word) if word in frequencies else word
        )


def searchers(index: Path, tmp_path: Path) -> tuple[Searcher, Searcher]:
    """Return searchers over an index and over a copy whose generation lost its lexicon."""
    old = tmp_path / "old"
    shutil.copytree(index, old)
    live = gens.live_generation(old)
    assert live is not None
    (live / lexicon.FILE).unlink()
    return Searcher(index), Searcher(old)


def test_an_index_without_the_file_opens_and_answers_the_same(
    sample_index: Path, tmp_path: Path
) -> None:
    new, old = searchers(sample_index, tmp_path)
    assert new.ready() and old.ready()
    for typed in [*prefixes([]), "hoa", "cai", "ke hoa", "tay h", "phong tr", "hội nghị"]:
        assert new.suggest(typed, 50) == old.suggest(typed, 50), typed
    corrected = [new.search(SearchRequest(q)).did_you_mean for q in TYPOS]
    assert corrected == [old.search(SearchRequest(q)).did_you_mean for q in TYPOS]
    assert any(corrected)
    live = gens.live_generation(tmp_path / "old")
    assert live is not None and not (live / lexicon.FILE).exists()  # a reader never writes
    snap = open_snapshot(live, "test")
    assert isinstance(lexicon.of(snap).completions.phrase_keys, list)  # derived in memory
    snap.close()


@pytest.mark.parametrize("damage", ["empty", "truncated", "garbage", "other documents"])
def test_a_damaged_or_foreign_file_is_derived_again(
    sample_index: Path, tmp_path: Path, damage: str
) -> None:
    new, old = searchers(sample_index, tmp_path)
    live = gens.live_generation(tmp_path / "old")
    assert live is not None
    good = (gens.live_generation(sample_index) or live) / lexicon.FILE
    data = good.read_bytes()
    bad = {"empty": b"", "truncated": data[: len(data) // 2], "garbage": os.urandom(len(data))}
    if damage == "other documents":
        snap = open_snapshot(live, "test")
        lexicon.write(live / lexicon.FILE, lexicon.derive(snap), snap.n + 1, snap.n + 1)
        snap.close()
    else:
        (live / lexicon.FILE).write_bytes(bad[damage])
    for typed in ("hoa", "cai", "ke hoa", "xuaan", "45/KH"):
        assert old.suggest(typed) == new.suggest(typed)
    assert [old.search(SearchRequest(q)).did_you_mean for q in TYPOS] == [
        new.search(SearchRequest(q)).did_you_mean for q in TYPOS
    ]


def test_an_update_writes_its_own_lexicon(tmp_path: Path) -> None:
    archive, index = tmp_path / "a.jsonl", tmp_path / "index"
    record = '{{"id": "{0}", "title": "{1}", "body": "Nội dung bài {0}.", "date": "2020-01-0{2}"}}'
    lines = [record.format(f"a{i}", f"Hội nghị tổng kết năm {i}", i + 1) for i in range(3)]
    archive.write_text("\n".join(lines) + "\n", encoding="utf-8")
    indexer.build([archive], index)
    first = gens.live_generation(index)
    assert first is not None and (first / lexicon.FILE).exists()
    lines.append(record.format("b1", "Khánh thành cầu Nhật Tân", 5))
    archive.write_text("\n".join(lines) + "\n", encoding="utf-8")
    indexer.update([archive], index)
    second = gens.live_generation(index)
    assert second is not None and second != first
    assert (second / lexicon.FILE).stat().st_ino != (first / lexicon.FILE).stat().st_ino
    snap = open_snapshot(second, "test")
    try:
        mapped = lexicon.load(second / lexicon.FILE, snap.n, int(snap.live.sum()))
        assert mapped is not None
        assert_same_tables(mapped, lexicon.derive(snap))
        assert "Khánh thành cầu Nhật Tân" in Suggester(mapped.completions).suggest("khanh thanh")
    finally:
        snap.close()
