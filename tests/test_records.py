"""Exports, feeds, OpenSearch and related reading (issue 12 §2-4), on real indexes.

Two archives: the bundled sample, and a JSON Lines archive of 260 articles (more than a page
of 100 can hold) whose titles and bodies carry what a spreadsheet or a feed could trip on:
formula-like cells, markup, quotes and control characters.
"""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import feedparser
import pytest
import test_rel_harness
from flask.testing import FlaskClient

from searchsvc.indexing import indexer
from searchsvc.searching import Searcher, SearchRequest
from searchsvc.searching.related import COMMON_FLOOR, MAX_DOCNUMS, MAX_TERMS, related
from searchsvc.searching.values import NO_DAYS
from searchsvc.store.snapshot import Snapshot
from searchsvc.web import create_app, records, xmldocs

MANY = 260
ATOM = "{http://www.w3.org/2005/Atom}"
OPENSEARCH = "{http://a9.com/-/spec/opensearch/1.1/}"


def cli(*args: str | Path, env: dict[str, str] | None = None) -> Any:
    """Run the searchsvc command in a subprocess."""
    return test_rel_harness.cli(*args, env=env, timeout=180)


def tricky(i: int) -> dict[str, Any]:
    """Return article i of the large archive; a few carry formula cells, markup or quotes."""
    titles = {
        0: '=HYPERLINK("http://evil.example","Bấm vào") thông báo đê điều',
        1: "-2+3 và @SUM(A1) trong thông báo đê điều",
        2: 'Thông báo đê điều <script>alert("x")</script> & “ngoặc kép”',
    }
    return {
        "id": f"de-dieu-{i:04d}",
        "title": titles.get(i, f"Thông báo số {i} về tuần tra đê điều mùa mưa lũ"),
        "body": (
            f"Ủy ban nhân dân phường tổ chức tuần tra đê điều đợt {i}, bảo vệ tuyến đê Hồng Hà. "
            "Lực lượng xung kích trực 24/24 giờ; người dân phát hiện sự cố báo ngay "
            "<b>đường dây nóng</b>, không tự ý xử lý.\x07 "
            + ("Thực hiện Kế hoạch số 77/KH-UBND ngày 02/5/2023 của UBND quận. " if i % 2 else "")
        ),
        "date": (date(2020, 1, 1) + timedelta(days=3 * i)).isoformat(),
        "category": "Thông báo" if i % 3 else "Tin tức",
    }


@pytest.fixture(scope="module")
def many_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An index of MANY articles about one topic, with tricky titles among them."""
    root = tmp_path_factory.mktemp("many")
    source = root / "de-dieu.jsonl"
    lines = [json.dumps(tricky(i), ensure_ascii=False) for i in range(MANY)]
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    index = root / "index"
    indexer.build([source], index, workers=1)
    return index


def app_client(index: Path, **config: Any) -> FlaskClient:
    """Return a test client of the app on an index (rate limiting off unless configured)."""
    return create_app({"index": index, "rate_limit": False, **config}).test_client()


@pytest.fixture(scope="module")
def sample(sample_index: Path) -> Iterator[FlaskClient]:
    """A client on the sample index."""
    with app_client(sample_index) as client:
        yield client


# ---------------------------------------------------------------- exports from the terminal


def test_all_streams_every_match_in_the_chosen_sort(many_index: Path) -> None:
    out = cli("search", "đê điều", "--index", many_index, "--all", "--format", "csv")
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("\ufeffid,published,category,title,url,permalink,")
    rows = list(csv.DictReader(io.StringIO(out.stdout.removeprefix("\ufeff"))))
    assert len(rows) == MANY > 100  # a page holds 100 at most
    newest = cli(*("search", "đê điều", "--index", many_index, "--all", "--sort", "newest"))
    data = json.loads(newest.stdout)
    dates = [h["published"] for h in data["hits"]]
    assert data["total"] == len(dates) == MANY and dates == sorted(dates, reverse=True)
    assert dates[0] == "2022-02-16T00:00:00+07:00"  # ISO 8601 with the Hà Nội offset
    plain = cli(*("search", "đê điều", "--index", many_index, "--all", "--format", "csv"),
                "--no-bom", "--sort", "oldest")  # fmt: skip
    assert plain.stdout.startswith("id,published,")
    oldest = list(csv.DictReader(io.StringIO(plain.stdout)))
    assert [r["id"] for r in oldest] == [f"de-dieu-{i:04d}" for i in range(MANY)]


def test_csv_cells_cannot_run_as_formulas_and_keep_the_text(many_index: Path) -> None:
    out = cli(
        *("search", "đê điều", "--index", many_index, "--all", "--format", "csv"),
        env={"SEARCHSVC_PUBLIC_URL": "https://timkiem.example.vn"},
    )
    rows = {r["id"]: r for r in csv.DictReader(io.StringIO(out.stdout.removeprefix("\ufeff")))}
    assert rows["de-dieu-0000"]["title"].startswith("'=HYPERLINK(")
    assert rows["de-dieu-0001"]["title"].startswith("'-2+3 và @SUM")
    assert rows["de-dieu-0002"]["title"] == (
        'Thông báo đê điều <script>alert("x")</script> & “ngoặc kép”'
    )
    for row in rows.values():
        assert all(not v.startswith(("=", "+", "-", "@")) for v in row.values())
        assert row["permalink"] == f"https://timkiem.example.vn/articles/{row['id']}"
        # Markup in an article is its text: kept as text in the cell, never as a tag.
        assert "<b>đường dây nóng</b>" in row["snippet"] and "\x07" not in row["snippet"]
    assert rows["de-dieu-0003"]["documents"] == "77/KH-UBND"


def test_matches_reads_each_hit_only_when_the_stream_reaches_it(
    many_index: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    reads: list[int] = []
    fields = Snapshot.fields

    def counted(self: Snapshot, docnum: int) -> dict[str, Any]:
        reads.append(docnum)
        return fields(self, docnum)

    monkeypatch.setattr(Snapshot, "fields", counted)
    found = Searcher(many_index, warm=False).matches(SearchRequest("đê điều", sort="oldest"))
    assert found.total == MANY and reads == []
    first = next(found.hits)
    assert first.id == "de-dieu-0000" and len(reads) == 1
    rest = sum(1 for _ in found.hits)
    assert rest == MANY - 1 and len(reads) == MANY


# ---------------------------------------------------------------- /export.csv


def test_the_page_export_has_the_same_columns_and_a_cap(
    many_index: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = app_client(many_index)
    response = client.get("/export.csv?q=%C4%91%C3%AA+%C4%91i%E1%BB%81u&sort=oldest")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="tim-kiem-de-dieu.csv"' in response.headers["Content-Disposition"]
    body = response.get_data().decode("utf-8")
    rows = list(csv.DictReader(io.StringIO(body.removeprefix("\ufeff"))))
    assert body.startswith("\ufeff") and len(rows) == MANY
    assert tuple(rows[0]) == records.export.HIT_FIELDS
    assert rows[2]["title"].startswith("Thông báo đê điều <script>")
    monkeypatch.setattr(records, "EXPORT_ROWS", 7)
    capped = client.get("/export.csv?q=de+dieu")
    assert capped.headers["X-Total-Count"] == str(MANY) and capped.headers["X-Export-Rows"] == "7"
    assert len(list(csv.reader(io.StringIO(capped.get_data(as_text=True))))) == 1 + 7


def test_the_export_follows_filters_and_refuses_bad_ones(sample: FlaskClient) -> None:
    response = sample.get("/export.csv?doc_type=KH&issuer=UBND&sort=newest")
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).removeprefix("\ufeff"))))
    assert rows and all("KH-" in r["documents"] for r in rows)
    assert [r["published"] for r in rows] == sorted((r["published"] for r in rows), reverse=True)
    assert sample.get("/export.csv?from=2023-02-30").status_code == 400
    empty = sample.get("/export.csv?from=2023-05-01&to=2023-01-01")
    assert empty.status_code == 200 and empty.get_data(as_text=True).count("\n") == 1


def test_export_and_feed_are_rate_limited_like_the_api(sample_index: Path) -> None:
    client = app_client(sample_index, rate_limit=True, rate_limit_per_minute=2)
    statuses = [client.get("/export.csv?q=ubnd").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    other = app_client(sample_index, rate_limit=True, rate_limit_per_minute=2)
    assert [other.get("/feed.atom?q=ubnd").status_code for _ in range(3)] == [200, 200, 429]


def test_the_results_page_links_its_export_and_feed(sample: FlaskClient) -> None:
    page = sample.get("/?q=k%E1%BA%BF+ho%E1%BA%A1ch&doc_type=KH&page=2&sort=newest").get_data(
        as_text=True
    )
    export_link = '<a class="record-link" href="/export.csv?q=k%E1%BA%BF+ho%E1%BA%A1ch'
    assert export_link + '&amp;sort=newest&amp;doc_type=KH" download>Tải CSV' in page
    feed = 'href="/feed.atom?q=k%E1%BA%BF+ho%E1%BA%A1ch&amp;doc_type=KH"'
    assert '<link rel="alternate" type="application/atom+xml"' in page and feed in page
    assert ">Theo dõi<" in page


# ---------------------------------------------------------------- feeds


def parsed_feed(client: FlaskClient, url: str) -> Any:
    """Fetch a feed and parse it with feedparser; fail on anything but a clean Atom 1.0 feed."""
    response = client.get(url)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/atom+xml; charset=utf-8"
    feed = feedparser.parse(response.get_data())
    assert feed.bozo == 0, feed.get("bozo_exception")
    assert feed.version == "atom10"
    return feed


def test_a_feed_holds_the_20_newest_matches_as_valid_atom(many_index: Path) -> None:
    feed = parsed_feed(app_client(many_index), "/feed.atom?q=de+dieu&sort=oldest&page=3")
    entries = feed.entries
    assert len(entries) == records.FEED_ENTRIES == 20
    assert [e.id for e in entries] == [xmldocs.stable_id("article", f"de-dieu-{i:04d}")
                                       for i in range(MANY - 1, MANY - 21, -1)]  # fmt: skip
    assert len({e.id for e in entries}) == 20  # unique ids
    assert all(e.updated_parsed and e.title and e.link.startswith("/articles/") for e in entries)
    assert feed.feed.updated == entries[0].updated == "2022-02-16T00:00:00+07:00"
    [self_link] = [link for link in feed.feed.links if link.rel == "self"]
    assert self_link.href == "/feed.atom?q=de+dieu"
    assert feed.feed.id.startswith("urn:uuid:") and feed.feed.author == records.SITE_NAME


def test_feed_text_is_escaped_and_links_use_the_public_url(many_index: Path) -> None:
    client = app_client(many_index, public_url="https://timkiem.example.vn/")
    response = client.get("/feed.atom?q=script+alert", headers={"Host": "evil.example"})
    raw = response.get_data(as_text=True)
    assert "<script>" not in raw and "&lt;script&gt;" in raw and "evil.example" not in raw
    ET.fromstring(response.get_data())  # well-formed: the control character was dropped
    feed = feedparser.parse(response.get_data())
    [entry] = feed.entries
    assert entry.title == 'Thông báo đê điều <script>alert("x")</script> & “ngoặc kép”'
    assert entry.summary_detail.type == "text/plain"
    assert "<b>đường dây nóng</b>" in entry.summary  # text, as the article has it
    assert entry.link == "https://timkiem.example.vn/articles/de-dieu-0002"
    self_link = [link.href for link in feed.feed.links if link.rel == "self"]
    assert self_link == ["https://timkiem.example.vn/feed.atom?q=script+alert"]


def test_a_feed_follows_filters_and_an_empty_one_is_still_valid(sample: FlaskClient) -> None:
    feed = parsed_feed(sample, "/feed.atom?doc_type=K%E1%BA%BF+ho%E1%BA%A1ch")
    assert feed.entries
    for entry in feed.entries:
        cited = sample.get("/api" + entry.link).get_json()["documents"]
        assert any(d["doc_type"] == "KH" for d in cited), entry.title
    assert feed.feed.title == "Tin mới – doc_type: Kế hoạch"
    empty = parsed_feed(sample, "/feed.atom?q=zzzqqqxxx")
    assert empty.entries == [] and empty.feed.updated  # the index's build time


def test_control_characters_never_reach_the_xml() -> None:
    entry = xmldocs.Entry("urn:x", "a\x00b\x1fc\ud800", "/a", "2024-01-01T00:00:00+07:00", None,
                          None, "s\x0bt")  # fmt: skip
    feed = xmldocs.Feed("urn:f", "t", "s", "2024-01-01T00:00:00+07:00", "/f", "/", "a", [entry])
    root = ET.fromstring(xmldocs.atom(feed))
    assert root.find(f"{ATOM}entry/{ATOM}title").text == "abc"  # type: ignore[union-attr]


# ---------------------------------------------------------------- OpenSearch


def test_opensearch_description_and_suggestions(sample_index: Path) -> None:
    client = app_client(sample_index, public_url="https://timkiem.example.vn")
    response = client.get("/opensearch.xml", headers={"Host": "evil.example"})
    assert response.headers["Content-Type"].startswith("application/opensearchdescription+xml")
    root = ET.fromstring(response.get_data())
    assert root.tag == f"{OPENSEARCH}OpenSearchDescription"
    name = root.find(f"{OPENSEARCH}ShortName")
    assert name is not None and name.text == "Tìm kiếm Tây Hồ" and len(name.text) <= 16
    urls = {u.get("type"): u.get("template") for u in root.iter(f"{OPENSEARCH}Url")}
    assert urls["text/html"] == "https://timkiem.example.vn/?q={searchTerms}"
    suggest = urls["application/x-suggestions+json"]
    assert suggest == "https://timkiem.example.vn/api/suggest/opensearch?q={searchTerms}"
    answer = client.get("/api/suggest/opensearch?q=ke+hoa")
    assert answer.headers["Content-Type"] == "application/x-suggestions+json; charset=utf-8"
    query, completions = json.loads(answer.get_data())
    assert query == "ke hoa" and completions and all(isinstance(c, str) for c in completions)
    assert json.loads(client.get("/api/suggest/opensearch?q=").get_data()) == ["", []]


def test_every_page_links_the_opensearch_description(sample: FlaskClient) -> None:
    article = sample.get("/api/search?q=ubnd").get_json()["hits"][0]["permalink"]
    link = '<link rel="search" type="application/opensearchdescription+xml" title="Tìm kiếm Tây Hồ"'
    for url, status in (("/", 200), ("/?q=ubnd", 200), (article, 200), ("/no/such", 404)):
        response = sample.get(url, headers={"Accept": "text/html"})
        assert response.status_code == status
        assert link + ' href="/opensearch.xml">' in response.get_data(as_text=True), url


# ---------------------------------------------------------------- related reading


def test_an_article_shows_related_ones_never_itself(sample: FlaskClient) -> None:
    hits = sample.get("/api/search?q=102/KH-UBND").get_json()["hits"]
    review = next(h for h in hits if h["title"].startswith("Sơ kết 6 tháng"))
    body = sample.get(f"/api/articles/{review['id']}").get_json()
    related_ids = [r["id"] for r in body["related"]]
    assert 1 <= len(related_ids) <= 5 and review["id"] not in related_ids
    plan = next(h for h in hits if h["title"].startswith("Kế hoạch số 102/KH-UBND"))
    assert related_ids[0] == plan["id"]  # the cited plan counts strongly
    page = sample.get(review["permalink"]).get_data(as_text=True)
    assert "Bài viết liên quan" in page and f'href="/articles/{plan["id"]}"' in page


def test_related_work_is_bounded_and_no_article_is_its_own(sample_index: Path) -> None:
    snap = Searcher(sample_index, warm=False)._live.current().snap
    bound = (2 * MAX_TERMS + MAX_DOCNUMS) * max(COMMON_FLOOR, snap.n)
    for docnum in range(snap.n):
        found = related(snap, docnum)
        assert docnum not in found.docnums and len(found.docnums) <= 5
        assert found.postings <= bound


def test_copies_under_the_same_title_are_not_related(many_index: Path) -> None:
    snap = Searcher(many_index, warm=False)._live.current().snap
    found = related(snap, 10)
    titles = [snap.titles[d] for d in found.docnums]
    assert snap.titles[10] not in titles and len(titles) == len(set(titles))


def _surfaces(client: FlaskClient, index: Path, query: str) -> dict[str, Any]:
    """Return what the page, the API, the export, the feed and the CLI say of one search."""
    api = client.get(f"/api/search?{query}&per_page=100").get_json()
    export = client.get(f"/export.csv?{query}")
    feed = parsed_feed(client, f"/feed.atom?{query}")
    page = client.get(f"/?{query}").get_data(as_text=True)
    args = dict(pair.split("=") for pair in query.split("&"))
    options = ("--from", args["from"], "--to", args["to"], "--format", "json")
    streamed = cli("search", args["q"], "--index", index, "--all", *options)
    assert streamed.returncode == 0, streamed.stderr
    cli_all = json.loads(streamed.stdout)
    return {
        "api": (api["total"], api["understood"]["notes"], [h["id"] for h in api["hits"]]),
        "export": (int(export.headers["X-Total-Count"]), export.get_data(as_text=True)),
        "feed": [e.link.rsplit("/", 1)[-1] for e in feed.entries],
        "page": page,
        "cli": (
            cli_all["total"],
            cli_all["understood"]["notes"],
            [h["id"] for h in cli_all["hits"]],
        ),
    }


def test_page_api_export_feed_and_cli_agree_on_a_date_range(
    sample: FlaskClient, sample_index: Path
) -> None:
    """One core rule for dates: a real range gives the same articles everywhere, and from after
    to gives none everywhere with the same note (the export had its own shortcut for it)."""
    real = _surfaces(sample, sample_index, "q=ubnd&from=2022-01-01&to=2022-12-31")
    total, notes, ids = real["api"]
    assert total > 1 and notes == [] and real["cli"] == (total, [], ids)
    assert real["export"][0] == total and real["export"][1].count("\n") == 1 + total
    newest = [
        h.id
        for h in Searcher(sample_index, warm=False)
        .search(
            SearchRequest(
                "ubnd",
                per_page=20,
                sort="newest",
                date_from=date(2022, 1, 1),
                date_to=date(2022, 12, 31),
            )
        )
        .hits
    ]
    assert real["feed"] == newest and set(newest) <= set(ids)
    assert f"Tìm thấy <strong>{total}</strong> kết quả" in real["page"]

    empty = _surfaces(sample, sample_index, "q=ubnd&from=2022-12-31&to=2022-01-01")
    assert empty["api"] == (0, [NO_DAYS], []) and empty["cli"] == (0, [NO_DAYS], [])
    assert empty["export"] == (0, real["export"][1].splitlines(keepends=True)[0])
    assert empty["feed"] == [] and "Không có kết quả" in empty["page"]
    assert "“Từ ngày” đang ở sau “Đến ngày”" in empty["page"]
