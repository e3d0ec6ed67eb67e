"""Completions on a small archive: phrases anywhere in titles, categories, document numbers."""

from __future__ import annotations

from pathlib import Path

import pytest

from searchsvc.searching import Searcher, SearchRequest
from searchsvc.searching.suggest import build_suggester
from searchsvc.vietnamese import text


@pytest.fixture(scope="module")
def searcher(sample_index: Path) -> Searcher:
    """Return a searcher over the sample index."""
    return Searcher(sample_index, warm=False)


@pytest.mark.parametrize(
    ("typed", "wanted"),
    [
        ("hoa", "hòa giải"),
        ("cai", "Cải cách hành chính"),  # a category name
        ("cải", "Cải cách hành chính"),
        ("ke hoa", "kế hoạch"),
        ("phong tr", "phong trào"),
        ("ủy ban", "Ủy ban nhân dân"),
        ("hòa giải", "hòa giải"),
        ("xuaan", "Xuân La"),  # Telex
        ("thi", "thi đua"),
        ("45/KH", "45/KH-UBND"),  # a cited document number
        ("61/2018", "61/2018/NĐ-CP"),
    ],
)
def test_small_archive_completes_phrases_anywhere(
    searcher: Searcher, typed: str, wanted: str
) -> None:
    out = searcher.suggest(typed)
    assert wanted in out, out
    assert all(text.fold(s).startswith(text.fold(typed).split()[0][:2]) for s in out), out


def test_never_from_the_second_syllable_of_a_bound_word(searcher: Searcher) -> None:
    for typed in ("hoa", "hoach", "ch"):
        out = [text.fold(s) for s in searcher.suggest(typed, 50)]
        assert not any(s.startswith("hoach") for s in out), out


def test_accents_typed_come_first(searcher: Searcher) -> None:
    out = searcher.suggest("hòa")
    assert out and text.accent_key(out[0]).startswith("hòa"), out


def test_every_completion_finds_articles(searcher: Searcher) -> None:
    for typed in ("hoa", "cai", "ke", "phong", "uy ban", "xuaan", "t", "45/KH", "nghi", "tay h"):
        for completion in searcher.suggest(typed):
            assert searcher.search(SearchRequest(completion)).total > 0, (typed, completion)


def test_ranked_by_how_many_articles_hold_the_phrase() -> None:
    titles = [f"Phường Nhật Tân {i} tổ chức hội nghị" for i in range(3)] + [
        "Hội nghị tổng kết",
        "Kế hoạch tổ chức lễ hội",
        "Kế hoạch số 2",
        "Kế hoạch phát triển",
    ]
    suggester = build_suggester(titles)
    out = suggester.suggest("to")
    assert out[0] == "tổ chức" and out.index("tổ chức hội") > 1  # diverse first: tổng kết
    assert out[1] == "tổng kết"
    assert "hoạch số" not in suggester.suggest("hoa")
    assert suggester.suggest("ho")[0] == "hội nghị"


def test_a_first_word_typed_folded_offers_one_phrase_per_word() -> None:
    """`tha` offers thành, Thái, tham: the commonest word's phrases do not fill the list."""
    titles = [
        *(f"Thành {rest} {i}" for rest in ("công", "phố", "lập") for i in range(3)),
        *(f"Thái Lan mùa {i}" for i in range(4)),
        "Tham gia hội thi",
        "Tham gia giải chạy",
        *(f"{first} hoạch số {i}" for first in ("Kế", "Quy", "Thu") for i in range(2)),
        "Hoa hậu áo dài",
        "Hòa giải ở cơ sở",
    ]
    suggester = build_suggester(titles)
    firsts = [s.split()[0].lower() for s in suggester.suggest("tha", 5)]
    assert firsts[:3] == ["thành", "thái", "tham"], firsts  # 9, 4 and 2 title places
    out = [text.accent_key(s) for s in suggester.suggest("hoa", 10)]
    assert {s.split()[0] for s in out[:2]} == {"hoa", "hòa"}, out
    assert out.index("hoạch số") > 1, out  # 6 places, but no title or clause starts with it
    accented = suggester.suggest("thành", 5)
    assert len([s for s in accented if s.lower().startswith("thành ")]) >= 3, accented
