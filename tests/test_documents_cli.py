"""`searchsvc documents`, the register of cited numbers, run as a real subprocess."""

from __future__ import annotations

import collections
import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
import test_rel_harness
from whoosh import fields

from searchsvc.archive import read_sources, sample_archive
from searchsvc.indexing import indexer
from searchsvc.searching import BadParameter, Searcher, SearchRequest
from searchsvc.store import schema
from searchsvc.vietnamese import docnumbers


def cli(*args: str | Path, env: dict[str, str] | None = None) -> Any:
    """Run the searchsvc command in a subprocess."""
    return test_rel_harness.cli(*args, env=env, timeout=120)


def register_json(index: Path, *args: str) -> list[dict[str, Any]]:
    """Return the register as JSON."""
    out = cli("documents", "--index", index, "--format", "json", *args)
    assert out.returncode == 0, out.stderr
    found: list[dict[str, Any]] = json.loads(out.stdout)
    return found


def test_the_plans_of_the_district_committee_in_2022(sample_index: Path) -> None:
    out = cli("documents", "--index", sample_index, "--type", "KH", "--issuer", "UBND")
    assert out.returncode == 0, out.stderr
    wide = cli(*("documents", "--index", sample_index, "--format", "table", "--articles"))
    table = cli(
        *("documents", "--index", sample_index, "--format", "table"),
        *("--type", "KH", "--issuer", "UBND", "--year", "2022", "--articles"),
    )
    assert table.returncode == 0 and wide.returncode == 0, table.stderr
    lines = table.stdout.splitlines()
    assert lines[0] == "2 văn bản"
    rows = [line.split() for line in lines[2:] if not line.startswith("    ")]
    assert [r[0] for r in rows] == ["102/KH-UBND", "156/KH-UBND"]
    assert rows[0][-4:] == ["2022", "2", "12/04/2022", "14/10/2022"]
    announced = [line.split()[0] for line in lines if line.startswith("    ")]
    assert announced == ["12/04/2022", "14/10/2022", "24/06/2022"]
    assert "/articles/tin-tuc-2022-10-14-so-ket-ke-hoach-102-kh-ubnd" in table.stdout


def test_the_register_counts_what_the_articles_cite(sample_index: Path) -> None:
    entries = register_json(sample_index)
    citing: collections.Counter[str] = collections.Counter()
    for article in read_sources([sample_archive()], lambda r: None):
        citing.update(c.number for c in docnumbers.citations(f"{article.title}\n{article.body}"))
    assert {e["number"]: e["articles"] for e in entries} == dict(citing)
    laws = {e["number"]: e for e in entries if e["doc_type"] == "L"}
    assert set(laws) == {"10/2022/QH15", "102/2016/QH13"}
    assert laws["10/2022/QH15"]["issuer_name"] == "Quốc hội"
    assert all(set(e) == {*docnumbers_fields()} for e in entries)
    years = [e["year"] for e in entries if e["year"]]
    assert years == sorted(years, reverse=True)  # newest first, unknown years last
    assert entries[-1]["year"] is None


def docnumbers_fields() -> tuple[str, ...]:
    """Return the fields of a register entry without its articles."""
    return (
        *("number", "doc_type", "doc_type_name", "issuer", "issuer_name", "year", "issued"),
        *("articles", "first_published", "last_published"),
    )


def test_filters_take_names_and_years(sample_index: Path) -> None:
    by_name = register_json(sample_index, "--type", "Thông báo", "--issuer", "ubnd")
    assert {e["number"] for e in by_name} == {
        "12/TB-UBND",
        "41/TB-UBND",
        "214/TB-UBND",
        "318/TB-UBND",
    }
    assert register_json(sample_index, "--year", "1999") == []
    with_articles = register_json(sample_index, "--issuer", "BCĐ", "--articles")
    assert {e["number"] for e in with_articles} == {"54/KH-BCĐ", "17/TB-BCĐ"}
    for entry in with_articles:
        [article] = entry["cited_by"]
        assert article["permalink"] == f"/articles/{article['id']}"
        assert article["published"] == entry["first_published"]


def test_the_core_refuses_a_year_out_of_range_or_not_a_number(sample_index: Path) -> None:
    searcher = Searcher(sample_index, warm=False)
    assert searcher.documents(year="2022") == searcher.documents(year=2022) != []
    for year in (1899, "2101", "abc", "20 22", ""):
        with pytest.raises(BadParameter) as refused:
            searcher.documents(year=year)
        assert refused.value.name == "year"
        assert "từ 1900 đến 2100" in refused.value.message, refused.value.message


def test_documents_refuses_a_bad_year_in_the_words_of_search(sample_index: Path) -> None:
    for year in ("1800", "2101", "abc"):
        done = cli("documents", "--index", sample_index, "--year", year)
        searched = cli("search", "x", "--index", sample_index, "--year", year)
        assert (done.returncode, done.stdout) == (2, ""), done.stderr
        message = done.stderr.splitlines()[-1]
        assert message == searched.stderr.splitlines()[-1], (done.stderr, searched.stderr)
        assert message == (
            f"Error: Tùy chọn --year phải là số nguyên từ 1900 đến 2100 (nhận được: {year!r})."
        )


def test_csv_reads_back_in_excel_form_and_without_bom(sample_index: Path) -> None:
    out = cli(
        *("documents", "--index", sample_index, "--format", "csv", "--articles"),
        env={"SEARCHSVC_PUBLIC_URL": "https://timkiem.example.vn/"},
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("\ufeffnumber,doc_type,")
    rows = list(csv.DictReader(io.StringIO(out.stdout.removeprefix("\ufeff"))))
    plans = [r for r in rows if r["number"] == "102/KH-UBND"]
    assert len(plans) == 2 and plans[0]["doc_type_name"] == "Kế hoạch"
    assert plans[1]["article_title"].startswith("Sơ kết 6 tháng thực hiện Kế hoạch")
    assert plans[1]["article_permalink"].startswith("https://timkiem.example.vn/articles/")
    plain = cli("documents", "--index", sample_index, "--format", "csv", "--no-bom")
    assert plain.stdout.startswith("number,doc_type,")


@pytest.fixture(scope="module")
def old_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An index of the sample built with the schema of before the `cited` column."""
    patch = pytest.MonkeyPatch()
    current = schema.build_schema
    document = schema.document

    def old_schema() -> fields.Schema:
        built = current()
        built.remove("cited")
        return built

    def old_document(article: Any) -> dict[str, Any]:
        doc = document(article)
        doc.pop("cited")
        return doc

    patch.setattr(schema, "build_schema", old_schema)
    patch.setattr(schema, "document", old_document)
    path = tmp_path_factory.mktemp("old") / "index"
    try:
        indexer.build(None, path, workers=1)
    finally:
        patch.undo()
    return path


def test_an_index_of_the_old_format_says_to_rebuild(old_index: Path) -> None:
    out = cli("documents", "--index", old_index)
    assert out.returncode == 1 and "Traceback" not in out.stderr
    assert "rebuild it with `searchsvc index build`" in out.stderr
    result = Searcher(old_index).search(SearchRequest("ke hoach"))
    assert result.total > 0 and result.facets["doc_type"] == [] == result.facets["issuer"]


def test_search_filters_by_kind_and_issuer_from_the_terminal(sample_index: Path) -> None:
    out = cli(
        *("search", "", "--index", sample_index, "--format", "json", "--limit", "100"),
        *("--type", "ke hoach", "--issuer", "UBND"),
    )
    assert out.returncode == 0, out.stderr
    hits = json.loads(out.stdout)["hits"]
    wanted = Searcher(sample_index).search(SearchRequest("", per_page=100, doc_type="KH"))
    ubnd = {h.id for h in wanted.hits if any(n.endswith("KH-UBND") for n in h.documents)}
    assert len(ubnd) >= 3 and {h["id"] for h in hits} == ubnd
