"""Export rows and CSV (searchsvc.searching.export): Excel's BOM, formula guard, round trip."""

from __future__ import annotations

import csv
import io

from hypothesis import given
from hypothesis import strategies as st

from searchsvc.searching import Hit, export


def test_cells_a_spreadsheet_would_run_are_quoted() -> None:
    for risky in ('=HYPERLINK("http://x")', "+1", "-2+3", "@SUM(A1)", "\tx", "\rx"):
        assert export.safe_cell(risky) == "'" + risky
    assert export.safe_cell("Kế hoạch 45/KH-UBND") == "Kế hoạch 45/KH-UBND"
    assert export.safe_cell(12.5) == 12.5 and export.safe_cell(None) == ""


def test_csv_has_a_bom_crlf_and_reads_back() -> None:
    rows = [{"a": "Tây Hồ", "b": "=1+1"}, {"a": 'có "ngoặc", phẩy\nxuống dòng', "b": 3}]
    text = "".join(export.csv_lines(rows, ("a", "b")))
    assert text.startswith("\ufeffa,b\r\n")
    back = list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))
    assert back == [{"a": "Tây Hồ", "b": "'=1+1"}, {"a": 'có "ngoặc", phẩy\nxuống dòng', "b": "3"}]
    assert "".join(export.csv_lines([], ("a",), bom=False)) == "a\r\n"


def test_a_hit_row_has_plain_text_and_the_permalink() -> None:
    snippet = "a <mark>b</mark> &amp; c"
    hit = Hit("x", "=title", None, "2023-03-09", None, 1.5, snippet, ["45/KH-UBND", "34-CT/TW"])
    row = export.hit_row(hit, "/articles/x")
    assert row["snippet"] == "a b & c" and row["documents"] == "45/KH-UBND; 34-CT/TW"
    assert row["permalink"] == "/articles/x" and set(row) == set(export.HIT_FIELDS)


@given(st.lists(st.text(max_size=30), max_size=5))
def test_no_cell_ever_starts_a_formula(cells: list[str]) -> None:
    text = "".join(export.csv_lines([dict(enumerate(cells))], list(range(len(cells))), bom=False))
    for row in list(csv.reader(io.StringIO(text)))[1:]:
        assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in row)
