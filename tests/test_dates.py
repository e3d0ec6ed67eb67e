"""Dates typed any common way: in titles and bodies, as the publication date, months and years."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest

from searchsvc.archive import Article, read_sources, sample_archive
from searchsvc.indexing import indexer
from searchsvc.searching import Searcher, SearchRequest, SearchResult
from searchsvc.vietnamese import dates

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"


def forms(day: date) -> list[str]:
    """Return the ways people type one date."""
    d, m, y = day.day, day.month, day.year
    return [
        f"{d}/{m}/{y}",
        f"{d:02}/{m:02}/{y}",
        f"{d}-{m}-{y}",
        f"{d}.{m}.{y}",
        day.isoformat(),
        f"ngày {d} tháng {m} năm {y}",
        f"ngay {d} thang {m} nam {y}",
    ]


@pytest.fixture(scope="module")
def searcher(sample_index: Path) -> Searcher:
    """Return a searcher over the sample index."""
    return Searcher(sample_index, warm=False)


@pytest.fixture(scope="module")
def articles() -> list[Article]:
    """Return the sample articles."""
    return list(read_sources([sample_archive()]))


def run(searcher: Searcher, query: str) -> SearchResult:
    """Search with 100 hits a page."""
    return searcher.search(SearchRequest(query, per_page=100))


def test_every_written_form_reads_as_the_same_day() -> None:
    day = date(2023, 3, 9)
    for typed in forms(day):
        assert dates.day_terms(f"Họp {typed}, tại quận") == ["2023-03-09"], typed
        (found,) = dates.find(typed)
        assert (found.kind, found.first, found.last) == ("day", day, day), typed
    for not_a_date in ("31/02/2023", "45/KH-UBND", "12/2019/QH14", "1.200.000", "9/3", "2023"):
        assert dates.day_terms(not_a_date) == [], not_a_date
        assert [m.kind for m in dates.find(not_a_date)] in ([], ["month"]), not_a_date


def test_months_and_years() -> None:
    for typed in ("tháng 3/2023", "3/2023", "03/2023", "tháng 3 năm 2023", "thang 3/2023"):
        (found,) = dates.find(f"thi đua {typed}")
        assert found.kind == "month" and found.label == "tháng 3/2023", typed
        assert (found.first, found.last) == (date(2023, 3, 1), date(2023, 3, 31))
    (year,) = dates.find("phòng cháy năm 2022")
    assert (year.kind, year.label, year.first, year.last) == (
        "year",
        "năm 2022",
        date(2022, 1, 1),
        date(2022, 12, 31),
    )
    assert dates.find("13/2023") == [] and dates.find("năm 20222") == []


def test_body_dates_match_in_any_form(searcher: Searcher, articles: list[Article]) -> None:
    # The sample writes 01/7/2021 and 27/6/2014 in bodies; each form finds those articles.
    for day in (date(2021, 7, 1), date(2014, 6, 27)):
        writers = {
            a.id for a in articles if day.isoformat() in dates.day_terms(a.title + "\n" + a.body)
        }
        assert writers, day
        for typed in forms(day):
            assert writers <= {h.id for h in run(searcher, typed).hits}, typed


def test_articles_published_that_day_rank_first(
    searcher: Searcher, articles: list[Article]
) -> None:
    checked = 0
    for article in articles:
        assert article.published is not None
        day = article.published.date()
        same_day = {a.id for a in articles if a.published and a.published.date() == day}
        for typed in forms(day)[:2] + forms(day)[-1:]:
            hits = [h.id for h in run(searcher, typed).hits]
            assert set(hits[: len(same_day)]) == same_day, (typed, hits[:3])
            checked += 1
    assert checked >= 150


def test_a_month_or_year_with_words_narrows_by_publication(searcher: Searcher) -> None:
    everything = run(searcher, "thi đua")
    result = run(searcher, "thi đua tháng 2/2023")
    assert 0 < result.total < everything.total
    for hit in result.hits:
        assert hit.published and hit.published.startswith("2023-02")
    period = result.understood.period
    assert period is not None and period.applied
    assert (period.label, period.start, period.end) == ("tháng 2/2023", "2023-02-01", "2023-02-28")
    assert period.without == "thi đua"
    year = run(searcher, "phòng cháy năm 2016")
    assert year.total > 0 and all(h.published.startswith("2016") for h in year.hits)  # type: ignore[union-attr]


def test_a_period_with_nothing_published_is_searched_as_text(searcher: Searcher) -> None:
    result = run(searcher, "phòng cháy tháng 5/2030")
    period = result.understood.period
    assert period is not None and not period.applied and period.without == "phòng cháy"
    assert result.total > 0


def test_a_month_or_year_alone_lists_that_period(searcher: Searcher) -> None:
    result = run(searcher, "tháng 2/2023")
    published = [h.published or "" for h in result.hits]
    assert published and all(p.startswith("2023-02") for p in published)
    year = run(searcher, "năm 2016")
    assert year.total == 4 and all((h.published or "").startswith("2016") for h in year.hits)


@pytest.mark.parametrize(
    "query", ["31/02/2023", "99/99/9999", "0/0/0", "ngày 32 tháng 13", "tháng 0/2023"]
)
def test_impossible_dates_are_text_not_errors(searcher: Searcher, query: str) -> None:
    result = run(searcher, query)
    assert result.total >= 0 and result.understood.period is None


@pytest.mark.skipif(not SEEDS.is_dir(), reason="../shared/seeds is absent")
def test_the_seed_page_is_found_by_its_publication_date(tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    indexer.build([SEEDS, sample_archive()], index_dir)
    seeds = Searcher(index_dir, warm=False)
    try:
        seed = seeds.search(SearchRequest("Phát động phong trào thi đua năm 2023")).hits[0]
        assert seed.published is not None
        assert datetime.fromisoformat(seed.published).date() == date(2023, 3, 9)
        for typed in ("9/3/2023", "09/03/2023", *forms(date(2023, 3, 9))):
            hits = seeds.search(SearchRequest(typed)).hits
            assert hits and hits[0].id == seed.id, typed
    finally:
        seeds.close()


def test_the_page_and_the_api_say_what_period_was_understood(sample_index: Path) -> None:
    from searchsvc.web import create_app

    client = create_app({"index": sample_index, "rate_limit": False}).test_client()
    body = client.get("/api/search?q=thi+đua+tháng+2/2023").get_json()
    assert body["understood"]["period"] == {
        "label": "tháng 2/2023",
        "start": "2023-02-01",
        "end": "2023-02-28",
        "applied": True,
        "without": "thi đua",
    }
    assert client.get("/api/search?q=thi+đua").get_json()["understood"]["period"] is None
    page = client.get("/?q=thi+đua+tháng+2/2023").get_data(as_text=True)
    assert "Đang lọc: tháng 2/2023" in page
    assert 'href="/?q=thi+%C4%91ua"' in page  # the chip removes the period from the query
    for query in ("9/3/2023", "31/02/2023", "tháng 13/2023", "năm 99999", "ngày 9 tháng 3"):
        assert client.get("/api/search", query_string={"q": query}).status_code == 200
        assert client.get("/", query_string={"q": query}).status_code == 200
