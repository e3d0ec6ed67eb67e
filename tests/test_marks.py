"""What snippets mark: typed words where they stand together, accents as typed, forms whole."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from searchsvc.searching import Searcher, SearchRequest
from searchsvc.searching.query import understand
from searchsvc.searching.snippets import make_snippet
from searchsvc.vietnamese import text

_MARKED = re.compile(r"<mark>(.*?)</mark>")


def marked(query: str, body: str) -> list[str]:
    """Return the marked pieces of a body's snippet for a query."""
    return _MARKED.findall(make_snippet(body, understand(query).marks()))


BODY = (
    "Các đoàn viên chung tay hỗ trợ người dân làm Hồ sơ trực tuyến. "
    "Sáng nay, quận Tây Hồ tổ chức hội nghị tại hồ Tây."
)


def test_typed_accents_decide_and_words_are_marked_together() -> None:
    assert marked("Tây Hồ", BODY) == ["Tây Hồ"]
    assert marked("TÂY HỒ", BODY) == ["Tây Hồ"]
    # Without accents every place the two words stand together is marked, no lone Hồ.
    assert marked("tay ho", BODY) == ["tay hỗ", "Tây Hồ"]


def test_lone_words_only_where_they_never_stand_together() -> None:
    body = "Kỳ thi năm nay diễn ra sớm. Cuộc đua thuyền rồng thu hút người xem."
    assert marked("thi đua", body) == ["thi", "đua"]
    together = body + " Phong trào thi đua lan rộng."
    assert marked("thi đua", together) == ["thi đua"]
    assert marked("thi đua Tây Hồ", together + " " + BODY) == ["thi đua", "Tây Hồ"]


def test_an_expansion_is_marked_as_its_whole_phrase() -> None:
    body = (
        "Ủy ban nhân dân phường rà soát địa bàn, người dân góp ý cho ban chỉ đạo; "
        "UBND quận chủ trì."
    )
    assert marked("ubnd", body) == ["Ủy ban nhân dân", "UBND"]
    assert marked("Ủy ban nhân dân", body) == ["Ủy ban nhân dân", "UBND"]


def test_dates_are_marked_as_the_body_writes_them() -> None:
    body = "Ngày 27/6/2014, UBND quận ban hành kế hoạch; hạn chót ngày 30 tháng 6 năm 2014."
    assert marked("27/06/2014", body) == ["Ngày 27/6/2014"]
    assert marked("2014-06-30", body) == ["ngày 30 tháng 6 năm 2014"]


def test_the_window_prefers_the_passage_where_the_words_stand_together() -> None:
    lone = "Kỳ thi năm nay. " + "Nội dung khác của bản tin. " * 12 + "Cuộc đua thuyền. "
    filler = "Thông tin thêm về hoạt động của phường. " * 10
    body = lone + filler + "Quận phát động phong trào thi đua yêu nước năm nay." + filler
    snippet = make_snippet(body, understand("thi đua").marks())
    assert "<mark>thi đua</mark> yêu nước" in snippet


@pytest.fixture(scope="module")
def searcher(sample_index: Path) -> Searcher:
    """Return a searcher over the sample index."""
    return Searcher(sample_index, warm=False)


def test_sample_snippets_never_mark_stray_syllables(searcher: Searcher) -> None:
    result = searcher.search(SearchRequest("Tây Hồ", per_page=100))
    together = 0
    for hit in result.hits:
        pieces = {m.lower() for m in _MARKED.findall(hit.snippet)}
        if "Tây Hồ" in searcher.article(hit.id)["body"]:
            together += 1
            assert pieces == {"tây hồ"}, (hit.id, pieces)
    assert together > 30
    for query in ("ubnd", "UBND"):
        hits = searcher.search(SearchRequest(query, per_page=100)).hits
        assert len(hits) > 30
        for hit in hits:
            pieces = {text.fold(m) for m in _MARKED.findall(hit.snippet)}
            assert pieces and pieces <= {"ubnd", "uy ban nhan dan"}, (hit.id, pieces)
