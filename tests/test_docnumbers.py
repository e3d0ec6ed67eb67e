"""Cited document numbers (searchsvc.vietnamese.docnumbers): kinds, issuers, years, non-numbers."""

from __future__ import annotations

import re
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from searchsvc.archive import read_sources, sample_archive
from searchsvc.vietnamese import docnumbers, text
from searchsvc.vietnamese.docnumbers import Citation, citations


def one(value: str) -> Citation:
    """Return the only citation of a text."""
    [found] = citations(value)
    return found


@pytest.mark.parametrize(
    ("written", "number", "kind", "issuer", "year"),
    [
        ("Kế hoạch số 45/KH-UBND về tổng vệ sinh", "45/KH-UBND", "KH", "UBND", None),
        ("Quyết định 1234/QĐ-UBND phê duyệt", "1234/QĐ-UBND", "QĐ", "UBND", None),
        ("Nghị quyết 15/2023/NQ-HĐND", "15/2023/NQ-HĐND", "NQ", "HĐND", 2023),
        ("Chỉ thị 34-CT/TW về thi đua", "34-CT/TW", "CT", "TW", None),
        ("Luật số 97/2019/QH14", "97/2019/QH14", "L", "QH", 2019),
        ("Nghị quyết số 97/2019/QH14", "97/2019/QH14", "NQ", "QH", 2019),
        ("Luật Căn cước số 26/2023/QH15 có hiệu lực", "26/2023/QH15", "L", "QH", 2023),
        ("theo 97/2019/QH14", "97/2019/QH14", None, "QH", 2019),  # no word: kind unknown
        ("Nghị định 61/2018/NĐ-CP", "61/2018/NĐ-CP", "NĐ", "CP", 2018),
        ("theo NĐ 61/CP của Chính phủ", "61/CP", "NĐ", "CP", None),
        ("Thông tư 32/2020/TT-BGDĐT", "32/2020/TT-BGDĐT", "TT", "BGDĐT", 2020),
        ("Quyết định số 45/2016/qđ-ttg", "45/2016/QĐ-TTg", "QĐ", "TTg", 2016),
        ("Thông báo số 17/TB-BCĐ", "17/TB-BCĐ", "TB", "BCĐ", None),
        ("Tờ trình 45/TTr-UBND", "45/TTr-UBND", "TTr", "UBND", None),
        ("văn bản số 2231/UBND-TCKH gửi các phường", "2231/UBND-TCKH", "CV", "UBND", None),
        ("Công văn số 1856/UBND-VP", "1856/UBND-VP", "CV", "UBND", None),
        # A kind word far before the number names nothing: "Kết luận" here is no kind.
        (
            "Kết luận, đề nghị bám sát văn bản số 2231/UBND-TCKH",
            "2231/UBND-TCKH",
            "CV",
            "UBND",
            None,
        ),
        ("Hướng dẫn 05-HD/BTGTW", "05-HD/BTGTW", "HD", "BTGTW", None),
        ("Nghị quyết số 15-NQ/QU", "15-NQ/QU", "NQ", "QU", None),
        ("Pháp lệnh số 02/2022/UBTVQH15", "02/2022/UBTVQH15", "PL", "UBTVQH", 2022),
        ("Quyết định số 88/XYZ", "88/XYZ", "QĐ", "XYZ", None),  # capitals after a kind word
        ("Chỉ thị 34–CT/TW (en dash)", "34-CT/TW", "CT", "TW", None),
    ],
)
def test_numbers_are_read_with_their_parts(
    written: str, number: str, kind: str | None, issuer: str, year: int | None
) -> None:
    found = one(written)
    assert (found.number, found.kind, found.issuer, found.year) == (number, kind, issuer, year)


@pytest.mark.parametrize(
    "written",
    [
        "ngày 09/03/2023 và 9/3/2023",
        "TP.HCM, COVID-19, GD&ĐT, F0/F1, 1/2, 3-4",
        "năm học 2021-2022, quý I/2024, số 5/tháng",
        "mã 17-HP",  # a kind code with no issuer
        "45/KH",  # no issuer
        "số 77/ABC-XYZ",  # capitals no table knows, without a kind word
        "www.example.vn/12/KH-UBND",  # inside a path
        "1/2/45/KH-UBND",
        "45/2016-QĐ/TTg",  # not a shape numbers are written in
        "Luật 12/1800/QH1",  # no such year
    ],
)
def test_other_joined_words_are_not_numbers(written: str) -> None:
    assert citations(written) == []


def test_the_year_comes_from_an_issue_date_written_after_the_number() -> None:
    plan = one("Kế hoạch số 102/KH-UBND ngày 08/4/2022 về chuyển đổi số")
    assert (plan.year, plan.issued) == (2022, date(2022, 4, 8))
    letter = one("Công văn số 1234/UBND-VP ngày 3 tháng 5 năm 2021 của UBND quận")
    assert (letter.year, letter.issued) == (2021, date(2021, 5, 3))
    # A date elsewhere in the sentence is not the issue date.
    assert one("Kế hoạch 45/KH-UBND của UBND quận ngày 08/4/2022").year is None
    # The number's own year wins over a later date.
    assert one("Nghị định 61/2018/NĐ-CP ngày 23/4/2019").year == 2018


def test_a_number_cited_twice_is_one_citation_knowing_all_it_was_told() -> None:
    found = citations(
        "Kế hoạch 102/KH-UBND. Thực hiện Kế hoạch số 102/KH-UBND ngày 08/4/2022; 09/CT-UBND "
        "và Chỉ thị 9/CT-UBND"
    )
    assert [(c.number, c.year) for c in found] == [("102/KH-UBND", 2022), ("09/CT-UBND", None)]


def test_a_letter_kind_is_only_a_default() -> None:
    # Cited once bare (a letter by default) and once after its kind word: the word wins.
    assert one("số 61/CP. Theo Nghị định 61/CP").kind == "NĐ"


def test_lines_round_trip() -> None:
    for value in ("Kế hoạch 102/KH-UBND ngày 08/4/2022", "Luật số 97/2019/QH14", "34-CT/TW"):
        for found in citations(value):
            assert Citation.from_line(found.line()) == found
    assert Citation.from_line("") is None and Citation.from_line("a\tb") is None
    assert Citation.from_line("1/KH-UBND\tKH\tUBND\tnot a year\t") is None


def test_the_tables_name_every_code_the_sample_cites() -> None:
    kinds, issuers = docnumbers.kinds(), docnumbers.issuers()
    assert kinds.names["KH"] == "Kế hoạch" and issuers.names["HĐND"] == "Hội đồng nhân dân"
    assert kinds.find("ke hoach") == ["KH"] and kinds.find("qđ") == ["QĐ"]
    assert issuers.find("hdnd") == ["HĐND"] and issuers.find("Ủy ban nhân dân")[0] == "UBND"
    articles = list(read_sources([sample_archive()], lambda r: None))
    cited = [c for a in articles for c in citations(f"{a.title}\n{a.body}")]
    assert {c.kind for c in cited} >= {"KH", "QĐ", "NQ", "CT", "TB", "NĐ", "TT", "CV", "L"}
    assert {c.issuer for c in cited} >= {"UBND", "HĐND", "TW", "QH", "CP", "TTg", "BCĐ", "QU"}
    for found in cited:
        assert found.kind is None or found.kind in kinds.names, found
        assert found.issuer in issuers.names, found


@given(st.text(alphabet="0123456789/-–.KHQĐUBNDTWkhqđ ngày số", max_size=60))
def test_never_raises_and_every_number_is_in_the_text(value: str) -> None:
    found = citations(value)
    folded = text.fold(value).replace("–", "-")
    for cited in found:
        assert text.fold(cited.number) in folded
        assert re.match(r"\d", cited.number)


@given(st.text(max_size=200))
def test_never_raises_on_any_text(value: str) -> None:
    citations(value)
