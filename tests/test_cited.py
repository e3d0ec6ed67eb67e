"""Cited documents as data on the sample archive: facets, filters, the article's list, the API.

Counts are checked against a brute force over the articles read from disk with
`docnumbers.citations`, so they hold whatever the sample grows into.
"""

from __future__ import annotations

import collections
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from searchsvc.archive import Article, read_sources, sample_archive
from searchsvc.searching import Searcher, SearchRequest, SearchResult
from searchsvc.vietnamese import docnumbers, text
from searchsvc.web import create_app


@pytest.fixture(scope="module")
def searcher(sample_index: Path) -> Searcher:
    """A searcher over the sample index."""
    return Searcher(sample_index)


@pytest.fixture(scope="module")
def client(sample_index: Path) -> Iterator[FlaskClient]:
    """A test client of the app on the sample index, without rate limiting."""
    app = create_app({"index": sample_index, "rate_limit": False})
    with app.test_client() as test_client:
        yield test_client


@pytest.fixture(scope="module")
def cited() -> dict[str, list[docnumbers.Citation]]:
    """The documents each sample article cites, by article id (brute force from the files)."""
    articles: list[Article] = list(read_sources([sample_archive()], lambda r: None))
    return {a.id: docnumbers.citations(f"{a.title}\n{a.body}") for a in articles}


def run(searcher: Searcher, query: str = "", **kw: object) -> SearchResult:
    """Search with 100 hits a page."""
    return searcher.search(SearchRequest(query, per_page=100, **kw))  # type: ignore[arg-type]


def brute(cited: dict[str, list[docnumbers.Citation]], ids: set[str], attr: str) -> dict[str, int]:
    """Count the articles among ids citing a document with each value of attr."""
    counts: collections.Counter[str] = collections.Counter()
    for article_id in ids:
        counts.update({getattr(c, attr) for c in cited[article_id] if getattr(c, attr)})
    return dict(counts)


def counts(result: SearchResult, facet: str) -> dict[str, int]:
    """Return a facet as value: count."""
    return {v.value: v.count for v in result.facets[facet]}


def test_the_sample_cites_several_kinds_and_issuers(searcher: Searcher) -> None:
    every = run(searcher)
    assert len(counts(every, "doc_type")) >= 8 and len(counts(every, "issuer")) >= 8
    labels = {v.value: v.label for v in every.facets["doc_type"]}
    assert labels["KH"] == "Kế hoạch" and labels["NĐ"] == "Nghị định"
    assert {v.value: v.label for v in every.facets["issuer"]}["HĐND"] == "Hội đồng nhân dân"


@pytest.mark.parametrize("query", ["", "tay ho", "ke hoach", "ubnd"])
def test_facets_count_matching_articles_like_brute_force(
    searcher: Searcher, cited: dict[str, list[docnumbers.Citation]], query: str
) -> None:
    result = run(searcher, query)
    ids = {h.id for h in result.hits}
    assert len(ids) == result.total
    assert counts(result, "doc_type") == brute(cited, ids, "kind")
    assert counts(result, "issuer") == brute(cited, ids, "issuer")


def test_a_facet_leaves_its_own_filter_out_and_applies_the_others(searcher: Searcher) -> None:
    base = run(searcher)
    for value in base.facets["doc_type"]:
        filtered = run(searcher, doc_type=value.value)
        assert filtered.total == value.count, value
        assert counts(filtered, "doc_type") == counts(base, "doc_type")  # own filter left out
        issuers = counts(filtered, "issuer")
        for issuer, count in issuers.items():  # the other facet counts under this filter
            assert run(searcher, doc_type=value.value, issuer=issuer).total == count
    kh = run(searcher, doc_type="KH", issuer="UBND", year=2022)
    assert {h.title for h in kh.hits} >= {
        "Kế hoạch số 102/KH-UBND về chuyển đổi số quận Tây Hồ năm 2022",
        "Kế hoạch số 156/KH-UBND tổ chức hoạt động hè cho thiếu nhi quận Tây Hồ năm 2022",
    }


@pytest.mark.parametrize("spelled", ["KH", "kh", "Kế hoạch", "ke hoach", " KẾ HOẠCH "])
def test_a_kind_filter_takes_the_code_or_the_name(searcher: Searcher, spelled: str) -> None:
    assert run(searcher, doc_type=spelled).total == run(searcher, doc_type="KH").total > 0


def test_an_issuer_filter_takes_the_code_or_the_name(searcher: Searcher) -> None:
    hdnd = run(searcher, issuer="HĐND")
    assert hdnd.total >= 1
    for spelled in ("hdnd", "HDND", "Hội đồng nhân dân"):
        assert {h.id for h in run(searcher, issuer=spelled).hits} == {h.id for h in hdnd.hits}


def test_an_unknown_value_filters_everything_out(searcher: Searcher) -> None:
    assert run(searcher, doc_type="no such kind").total == 0
    assert run(searcher, issuer="<script>").total == 0


def test_the_api_filters_and_counts_with_labels(client: FlaskClient) -> None:
    body = client.get("/api/search?issuer=ubnd&per_page=1").get_json()
    issuers = {f["value"]: f for f in body["facets"]["issuer"]}
    assert issuers["UBND"]["count"] == body["total"] > 0
    assert issuers["UBND"]["label"] == "Ủy ban nhân dân"
    kinds = body["facets"]["doc_type"]
    assert kinds and all("label" in f for f in kinds)
    assert all("label" not in f for f in body["facets"]["category"])
    kh = client.get("/api/search?doc_type=K%E1%BA%BF+ho%E1%BA%A1ch").get_json()
    assert kh["total"] == {f["value"]: f["count"] for f in kinds}["KH"]


def test_the_page_shows_both_facets_and_a_filter_chip(client: FlaskClient) -> None:
    page = client.get("/?q=ubnd").get_data(as_text=True)
    assert 'id="facet-doc_type">Loại văn bản</h3>' in page
    assert 'id="facet-issuer">Cơ quan ban hành</h3>' in page
    link = re.search(r'href="([^"]*doc_type=KH[^"]*)"', page)
    assert link is not None
    filtered = client.get(link[1].replace("&amp;", "&")).get_data(as_text=True)
    assert "Loại văn bản: Kế hoạch (KH)" in filtered
    assert 'class="on" aria-current="true"' in filtered
    assert 'name="doc_type" value="KH"' in filtered  # the search form keeps the filter


def test_an_article_lists_the_documents_it_cites(client: FlaskClient, searcher: Searcher) -> None:
    [hit] = run(searcher, "102/KH-UBND sơ kết").hits[:1]
    body = client.get(f"/api/articles/{hit.id}").get_json()
    numbers = [d["number"] for d in body["documents"]]
    assert numbers == ["102/KH-UBND", "06/QĐ-TTg", "2231/UBND-TCKH"]
    plan = body["documents"][0]
    assert plan == {
        "number": "102/KH-UBND",
        "doc_type": "KH",
        "doc_type_name": "Kế hoạch",
        "issuer": "UBND",
        "issuer_name": "Ủy ban nhân dân",
        "year": 2022,
        "issued": "2022-04-08",
        "search": "/?q=102%2FKH-UBND",
    }
    page = client.get(f"/articles/{hit.id}").get_data(as_text=True)
    assert "Văn bản được nhắc đến" in page
    assert '<a href="/?q=102/KH-UBND">Kế hoạch số 102/KH-UBND</a>' in page
    # The link finds the articles citing that number, this one among them.
    found = client.get(plan["search"].replace("/?", "/api/search?")).get_json()
    assert hit.id in {h["id"] for h in found["hits"]}
    assert found["total"] == 2


def test_an_article_citing_nothing_lists_nothing(client: FlaskClient, searcher: Searcher) -> None:
    hit = run(searcher, "hoa đào Nhật Tân").hits[0]
    assert client.get(f"/api/articles/{hit.id}").get_json()["documents"] == []
    assert "Văn bản được nhắc đến" not in client.get(f"/articles/{hit.id}").get_data(as_text=True)


def test_document_numbers_in_article_text_are_escaped(client: FlaskClient) -> None:
    body = client.get("/api/search?doc_type=%3Cscript%3E").get_json()
    assert body["total"] == 0
    page = client.get("/?doc_type=%3Cscript%3Ealert(1)%3C/script%3E").get_data(as_text=True)
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)" in page


def test_text_fold_of_codes_is_how_filters_compare() -> None:
    # The filters compare folded text: HĐND and HDND are one code, as typed on a phone.
    assert text.fold("HĐND") == text.fold("HDND") == "hdnd"
