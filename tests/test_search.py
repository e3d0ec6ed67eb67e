"""Search behaviour on the bundled sample archive, through the public Searcher API."""

from __future__ import annotations

import re
import time
import unicodedata
from datetime import date, datetime
from pathlib import Path

import pytest

from searchsvc.archive import Article, read_sources, sample_archive
from searchsvc.config import Settings
from searchsvc.errors import BadRequest, NotFound
from searchsvc.indexing import indexer
from searchsvc.searching import BadParameter, Searcher, SearchRequest, SearchResult, parse_date
from searchsvc.vietnamese import text

_WORDS = re.compile(r"[^\W_]+")


@pytest.fixture(scope="session")
def searcher(sample_index: Path) -> Searcher:
    """Return a searcher over the sample index."""
    return Searcher(sample_index)


@pytest.fixture(scope="session")
def articles() -> list[Article]:
    """Return the sample articles as read from disk."""
    return list(read_sources([sample_archive()]))


def run(searcher: Searcher, query: str, **kw: object) -> SearchResult:
    """Search with per_page 100 unless told otherwise."""
    kw.setdefault("per_page", 100)
    return searcher.search(SearchRequest(query, **kw))  # type: ignore[arg-type]


def ids(result: SearchResult) -> list[str]:
    """Return the hit ids of a result."""
    return [h.id for h in result.hits]


def rank_of(result: SearchResult, fragment: str) -> int:
    """Return the 0-based rank of the first hit whose id contains fragment."""
    for i, hit in enumerate(result.hits):
        if fragment in hit.id:
            return i
    raise AssertionError(f"{fragment} not in {ids(result)}")


def brute_count(articles: list[Article], *words: str) -> int:
    """Count sample articles whose folded words include every given folded word."""
    n = 0
    for a in articles:
        found = set(_WORDS.findall(text.fold(text.normalize(a.title + " " + a.body))))
        n += all(w in found for w in words)
    return n


def test_stats_and_article(searcher: Searcher, articles: list[Article]) -> None:
    stats = searcher.stats()
    assert stats["documents"] == len(articles) == 55
    some = articles[0]
    got = searcher.article(some.id)
    assert got["id"] == some.id and got["title"] == some.title
    with pytest.raises(NotFound):
        searcher.article("no-such-article")


def test_accent_insensitive_forms_find_the_same(searcher: Searcher) -> None:
    base = set(ids(run(searcher, "Tây Hồ")))
    assert len(base) >= 44
    for q in ("tay ho", "TÂY HỒ", unicodedata.normalize("NFD", "Tây Hồ"), "tây  hồ"):
        assert set(ids(run(searcher, q))) == base, q


def test_accented_query_ranks_exact_accents_first(searcher: Searcher) -> None:
    result = run(searcher, "đường")
    duong = ("bieu-duong", "thai-binh-duong", "nha-giao-viet-nam")
    exact = [i for i, h in enumerate(result.hits) if not any(d in h.id for d in duong)]
    folded_only = [i for i, h in enumerate(result.hits) if any(d in h.id for d in duong)]
    assert len(folded_only) == 3 and len(exact) == 11
    assert max(exact) < min(folded_only)
    result = run(searcher, "dương")
    assert {h.id.split("-2")[0] for h in result.hits[:3]} <= {"tin-tuc"}
    assert all(any(d in h.id for d in duong) for h in result.hits[:3])


def test_unaccented_query_expresses_no_preference(searcher: Searcher) -> None:
    assert run(searcher, "duong").total == 14
    assert set(ids(run(searcher, "duong"))) == set(ids(run(searcher, "đường")))


def test_tone_placement_variants_are_equal(searcher: Searcher) -> None:
    for a, b in (("hòa", "hoà"), ("thủy", "thuỷ"), ("Thụy Khuê", "Thuỵ Khuê"), ("khỏe", "khoẻ")):
        ra, rb = run(searcher, a), run(searcher, b)
        assert ids(ra) == ids(rb) and ra.total > 0, (a, b)
    top = run(searcher, "hòa").hits[0]
    assert "hoa-giai" in top.id


def test_adjacent_syllables_rank_above_scattered(searcher: Searcher) -> None:
    result = run(searcher, "thi đua")
    apart = rank_of(result, "thuyen-rong")
    assert apart >= 4
    assert rank_of(result, "phat-dong-thi-dua") < apart
    quoted = run(searcher, '"thi đua"')
    assert "thuyen-rong" not in " ".join(ids(quoted)) and quoted.total >= 2


def test_document_numbers_match_exactly(searcher: Searcher) -> None:
    for number, fragment in (
        ("45/KH-UBND", "ke-hoach-45-kh-ubnd"),
        ("34-CT/TW", "chi-thi-34-ct-tw"),
        ("97/2019/QH14", "nghi-quyet-97-2019-qh14"),
        ("1234/QĐ-UBND", "quyet-dinh-1234"),
    ):
        result = run(searcher, number)
        assert fragment in result.hits[0].id, (number, ids(result)[:3])
        assert result.did_you_mean is None
    assert "45-kh-ubnd" not in run(searcher, "45/2016/QĐ-TTg").hits[0].id


def test_abbreviations_expand_both_ways(searcher: Searcher) -> None:
    short = ids(run(searcher, "UBND"))
    for day in ("2013-06-10", "2018-07-05", "2023-10-05"):
        assert any(day in i for i in short), day
    long = ids(run(searcher, "Ủy ban nhân dân"))
    for day in ("2015-08-14", "2017-01-09", "2020-02-06"):
        assert any(day in i for i in long), day
    result = run(searcher, "HĐND")
    assert "Hội đồng nhân dân" in result.understood.expansions
    assert any("2013-06-10" in i for i in ids(result))


def _writes(searcher: Searcher, hit_id: str, phrase: str) -> bool:
    """Return whether an article's title or body holds a phrase (folded, as words)."""
    article = searcher.article(hit_id)
    folded = " ".join(_WORDS.findall(text.fold(f"{article['title']} {article['body']}")))
    return f" {' '.join(_WORDS.findall(text.fold(phrase)))} " in f" {folded} "


@pytest.mark.parametrize(
    ("typed", "other"),
    [("UBND", "Ủy ban nhân dân"), ("Ủy ban nhân dân", "UBND"), ("uy ban nhan dan", "UBND")],
)
def test_a_concept_alone_lists_the_form_typed_first(
    searcher: Searcher, typed: str, other: str
) -> None:
    result = run(searcher, typed)
    literal = [_writes(searcher, h.id, typed) for h in result.hits]
    assert any(literal) and not all(literal)
    assert literal == sorted(literal, reverse=True), literal  # every literal one first
    assert other in result.understood.expansions


def test_forms_of_a_concept_count_alike_within_a_longer_query(tmp_path: Path) -> None:
    import json

    src = tmp_path / "two.jsonl"
    filler = " ".join(["Bài viết về ngành học và chương trình mới trong năm nay."] * 3)
    records = [
        {"id": "long", "title": "Hội thảo", "body": f"Chất lượng giáo dục Việt Nam. {filler}"},
        {"id": "short", "title": "Hội thảo", "body": f"Chất lượng giáo dục VN. {filler}"},
    ]
    src.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records), "utf-8")
    index_dir = tmp_path / "index"
    indexer.build([src], index_dir)
    two = Searcher(index_dir, warm=False)
    try:
        for query in ("giáo dục VN", "giáo dục Việt Nam", "chất lượng giáo dục vn"):
            hits = two.search(SearchRequest(query)).hits
            assert {h.id for h in hits} == {"long", "short"}, query
            low, high = sorted(h.score for h in hits)
            assert low >= 0.9 * high, (query, [(h.id, h.score) for h in hits])
    finally:
        two.close()


def test_mixed_and_joined_forms_find_the_same_concept(searcher: Searcher) -> None:
    written = [a for a in ids(run(searcher, "TP.HCM"))]
    assert written
    for query in ("thành phố HCM", "TPHCM", "TP HCM", "Thành phố Hồ Chí Minh", "tp hcm"):
        result = run(searcher, query)
        assert written[0] in ids(result)[:3], query
    assert "Thành phố Hồ Chí Minh" in run(searcher, "thành phố HCM").understood.expansions
    assert run(searcher, "Cty").understood.expansions == ["công ty"]
    assert run(searcher, "tu").understood.expansions == []  # từ, tư, tự: not Thành ủy
    assert run(searcher, "TU").understood.expansions == ["Thành ủy"]


def test_expansion_tolerates_punctuation_inside_the_spelled_out_form(
    searcher: Searcher, articles: list[Article]
) -> None:
    # Officials write "phòng cháy, chữa cháy": PCCC must find those articles too.
    spelled = [
        a.id
        for a in articles
        if "phong chay, chua chay" in text.fold(a.body) and "pccc" not in text.fold(a.body)
    ]
    assert spelled, "the sample should spell PCCC out with a comma somewhere"
    found = ids(run(searcher, "PCCC"))
    for article_id in spelled:
        assert article_id in found


def test_telex_query_is_read_as_vietnamese(searcher: Searcher) -> None:
    result = run(searcher, "thi ddua")
    assert result.understood.telex == "thi đua"
    assert result.understood.searched == "thi đua"
    assert ids(result)[:4] == ids(run(searcher, "thi đua"))[:4]


def test_fallback_when_no_article_has_every_word(searcher: Searcher) -> None:
    result = run(searcher, "thi đua zqxvw")
    assert result.understood.fallback and result.total > 0
    assert not run(searcher, "thi đua").understood.fallback


def test_did_you_mean_offers_only_better_corrections(searcher: Searcher) -> None:
    result = run(searcher, "hoa giaii")
    assert result.understood.fallback and result.did_you_mean == "hoa giải"
    corrected = run(searcher, result.did_you_mean)
    assert corrected.total > 0 and not corrected.understood.fallback
    assert run(searcher, "thi đua").did_you_mean is None


def test_facets_add_up_and_match_brute_force(searcher: Searcher, articles: list[Article]) -> None:
    result = run(searcher, "tây hồ")
    assert result.total == brute_count(articles, "tay", "ho")
    assert sum(f.count for f in result.facets["category"]) == result.total
    assert sum(f.count for f in result.facets["year"]) == result.total
    every = run(searcher, "")
    assert every.total == 55
    assert {f.value: f.count for f in every.facets["category"]}["Văn hóa - Xã hội"] == 14


def test_category_and_year_filters_agree_with_facets(searcher: Searcher) -> None:
    base = run(searcher, "tây hồ")
    for facet in base.facets["category"]:
        filtered = run(searcher, "tây hồ", category=facet.value)
        assert filtered.total == facet.count
        assert all(h.category == facet.value for h in filtered.hits)
        counts = {f.value: f.count for f in filtered.facets["category"]}
        assert counts == {f.value: f.count for f in base.facets["category"]}
    year = base.facets["year"][0]
    filtered = run(searcher, "tây hồ", year=int(year.value))
    assert filtered.total == year.count
    assert sum(f.count for f in filtered.facets["month"]) == filtered.total
    assert all((h.published or "").startswith(year.value) for h in filtered.hits)


def test_date_filters_are_inclusive(searcher: Searcher) -> None:
    day = date(2013, 6, 10)
    result = run(searcher, "", date_from=day, date_to=day)
    assert result.total == 1 and "2013-06-10" in result.hits[0].id
    later = run(searcher, "", date_from=date(2024, 1, 1))
    assert later.total > 0 and all((h.published or "") >= "2024-01-01" for h in later.hits)
    both = run(searcher, "tây hồ", year=2014, date_to=date(2014, 6, 30))
    assert all("2014-0" in (h.published or "") for h in both.hits)


def test_parse_date_forms() -> None:
    assert parse_date("2023-03-09") == parse_date("09/03/2023") == date(2023, 3, 9)
    with pytest.raises(BadRequest, match="from"):
        parse_date("31/02/2023", "from")


def test_sort_orders(searcher: Searcher) -> None:
    newest = [h.published for h in run(searcher, "tây hồ", sort="newest").hits]
    oldest = [h.published for h in run(searcher, "tây hồ", sort="oldest").hits]
    assert newest == sorted(newest, reverse=True) and oldest == sorted(oldest)  # type: ignore[type-var]
    assert set(newest) == set(oldest)


def test_pagination(searcher: Searcher) -> None:
    full = ids(run(searcher, "tây hồ", per_page=10))
    page2 = ids(run(searcher, "tây hồ", per_page=5, page=2))
    assert page2 == full[5:10]
    far = run(searcher, "tây hồ", page=50, per_page=10)
    assert far.hits == [] and far.total > 0


@pytest.mark.parametrize(
    "kw",
    [
        {"page": 0},
        {"page": 1001},
        {"per_page": 101},
        {"per_page": 0},
        {"sort": "random"},
        {"year": 0},
        {"year": 1800},
        {"year": 2101},
    ],
)
def test_invalid_parameters_are_bad_requests(searcher: Searcher, kw: dict[str, object]) -> None:
    with pytest.raises(BadParameter) as caught:
        searcher.search(SearchRequest("tây hồ", **kw))  # type: ignore[arg-type]
    [name] = kw
    assert caught.value.name == name and caught.value.message.startswith(f"Tham số '{name}' ")


def test_date_range_reversed_finds_nothing_and_says_why(searcher: Searcher) -> None:
    result = searcher.search(
        SearchRequest("", date_from=date(2024, 1, 2), date_to=date(2024, 1, 1))
    )
    assert (result.total, result.hits, result.did_you_mean) == (0, [], None)
    assert result.understood.notes == ["Khoảng thời gian trống: ngày bắt đầu ở sau ngày kết thúc."]


def test_snippets_mark_matches_with_original_accents(searcher: Searcher) -> None:
    hit = run(searcher, "thi dua").hits[0]
    assert "<mark>thi đua</mark>" in hit.snippet.lower()  # marked where they stand together
    assert 100 <= len(re.sub(r"</?mark>", "", hit.snippet)) <= 280
    assert re.sub(r"</?mark>", "", hit.snippet).count("<") == 0


@pytest.mark.parametrize(
    "query",
    [
        "x" * 10_000,
        " ".join(f"từ{i}" for i in range(500)),
        "!!! ??? ... ,,, ;;; :::",
        "*",
        '"tây hồ',
        'tây "',
        '""',
        "AND",
        "OR",
        "- -- -",
        "title:",
        "a/b\\c:d[e]f{g}(h)",
        "tây OR",
        "OR hồ",
        "-tây",
        'title:"',
        "\x00\x01\u200b",
        "%s %d {0}",
    ],
)
def test_pathological_queries_answer_within_budget(searcher: Searcher, query: str) -> None:
    started = time.perf_counter()
    result = searcher.search(SearchRequest(query))
    elapsed = (time.perf_counter() - started) * 1000
    assert elapsed < Settings().query_budget_ms + 1000
    assert result.total >= 0 and isinstance(result.hits, list)


def test_exclusion_and_or_and_title(searcher: Searcher) -> None:
    with_lake = run(searcher, "tây hồ")
    without = run(searcher, "tây hồ -đường")
    assert 0 < without.total < with_lake.total
    assert without.understood.excluded == ["đường"]
    either = run(searcher, "hòa OR hoa")
    assert either.total >= run(searcher, "hòa").total
    titled = run(searcher, "title:thi title:đua")
    assert titled.total >= 1 and all("thi đua" in h.title.lower() for h in titled.hits)


def test_suggest_completes_accent_insensitively(searcher: Searcher) -> None:
    out = searcher.suggest("tay h")
    assert 0 < len(out) <= 10
    assert all(text.fold(s).startswith("tay h") for s in out)
    assert searcher.suggest("Tây H") == out
    assert searcher.suggest("") == [] and searcher.suggest("   ") == []
    assert len(searcher.suggest("t", limit=3)) <= 3


def _one_article_index(tmp_path: Path, body: str, title: str = "Bài thử") -> Path:
    """Build an index of one JSON Lines article in tmp_path."""
    import json

    src = tmp_path / "one.jsonl"
    record = {"id": "x1", "title": title, "body": body, "date": "2024-05-01", "category": "Thử"}
    src.write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    index_dir = tmp_path / "index"
    indexer.build([src], index_dir)
    return index_dir


def test_snippet_escapes_untrusted_html(tmp_path: Path) -> None:
    body = (
        "thêm chữ " * 40
        + "Mở <b onmouseover=1>Tây Hồ</b> <script>alert(1)</script> & "
        + "thêm chữ " * 40
    )
    result = Searcher(_one_article_index(tmp_path, body)).search(SearchRequest("tây hồ"))
    snippet = result.hits[0].snippet
    assert "<script" not in snippet and "<b" not in snippet
    assert "&lt;script&gt;" in snippet and "&amp;" in snippet
    assert re.sub(r"</?mark>", "", snippet).count("<") == 0
    assert "<mark>Tây Hồ</mark>" in snippet


def test_searcher_reloads_a_new_generation(tmp_path: Path) -> None:
    index_dir = _one_article_index(tmp_path, "Nội dung đầu tiên về hồ sen.")
    searcher = Searcher(index_dir, Settings(index=index_dir, reload_interval_s=0))
    assert searcher.search(SearchRequest("hồ sen")).total == 1
    import json

    src = tmp_path / "two.jsonl"
    records = [
        {"id": "y1", "title": "Hai", "body": "Bài mới về cây sấu.", "date": "2024-06-01"},
        {"id": "y2", "title": "Ba", "body": "Bài mới khác về cây sấu.", "date": "2024-06-02"},
    ]
    src.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records), "utf-8")
    old = searcher.stats()["generation"]
    report = indexer.build([src], index_dir)
    # The new generation is opened and warmed beside the old one, which answers until then.
    first = searcher.search(SearchRequest("hồ sen")).total
    assert first == 1 or searcher.stats()["generation"] == report.generation
    deadline = time.monotonic() + 30
    while searcher.stats()["generation"] == old and time.monotonic() < deadline:
        assert searcher.search(SearchRequest("hồ sen")).total in (0, 1)
        time.sleep(0.01)
    assert searcher.stats()["generation"] == report.generation
    loaded = searcher._live.current()
    assert loaded.suggester is not None  # warmed before it was switched to
    assert searcher.search(SearchRequest("cây sấu")).total == 2
    assert searcher.search(SearchRequest("hồ sen")).total == 0
    assert searcher.stats()["documents"] == 2


def test_published_is_iso_with_vietnam_offset(searcher: Searcher) -> None:
    hit = run(searcher, "45/KH-UBND").hits[0]
    assert hit.published is not None and hit.published.endswith("+07:00")
    assert datetime.fromisoformat(hit.published).year == 2014


def test_mixed_telex_query_keeps_foreign_words(searcher: Searcher) -> None:
    result = run(searcher, "Covid Taay Hoof")
    assert result.understood.telex == "Covid Tây Hồ"
    assert ids(result) == ids(run(searcher, "Covid Tây Hồ"))
    assert result.total > 0
    # Word by word: one telling Telex word is enough among foreign names and abbreviations.
    assert run(searcher, "lanhx ddaoj VNPT").understood.telex == "lãnh đạo VNPT"
    web = run(searcher, "web bawngf image optimizer").understood
    assert web.telex == "web bằng image optimizer"
    assert run(searcher, "Nguyeenx Thij Quynhf").understood.telex == "Nguyễn Thị Quỳnh"
    for english in ("keep", "google maps", "down town center", "how to"):
        assert run(searcher, english).understood.telex is None, english


def test_time_budget_returns_partial_results_flagged(sample_index: Path) -> None:
    settings = Settings(index=sample_index, query_budget_ms=1)
    hurried = Searcher(sample_index, settings, warm=False)
    try:
        words = "tây hồ ủy ban nhân dân quận tổ chức hội nghị thi đua khen thưởng năm"
        result = hurried.search(SearchRequest(words))
        assert result.partial
        again = hurried.search(SearchRequest(words))
        assert again.partial  # partial results are never cached as complete ones
    finally:
        hurried.close()


def test_search_after_an_update_that_changed_an_article(tmp_path: Path) -> None:
    import json

    src = tmp_path / "src.jsonl"

    def write(body: str) -> None:
        records = [{"id": "x1", "title": "Một", "body": body}, {"id": "x2", "body": "năm sáu"}]
        src.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records), "utf-8")

    write("hai ba")
    index_dir = tmp_path / "index"
    indexer.build([src], index_dir)
    built = indexer.status(index_dir).built_at
    time.sleep(1.1)  # the times have seconds: the update's must differ from the build's
    write("bốn bảy")
    indexer.update([src], index_dir)
    searcher = Searcher(index_dir, Settings(index=index_dir, reload_interval_s=0), warm=False)
    try:
        assert searcher.search(SearchRequest("hai")).total == 0
        assert ids(searcher.search(SearchRequest("bốn bảy"))) == ["x1"]
        assert searcher.search(SearchRequest("")).total == 2
        stats = searcher.stats()
        assert stats["documents"] == 2
        update = indexer.status(index_dir).last_update
        assert update is not None and stats["updated_at"] == update["at"]
        assert stats["built_at"] == built and str(stats["updated_at"]) > str(built)
    finally:
        searcher.close()


def test_long_unbroken_text_indexes_in_linear_time() -> None:
    from searchsvc.store import schema

    started = time.perf_counter()
    schema.analyze("a" * 100_000 + " 45/KH-UBND")
    assert time.perf_counter() - started < 2.0


def test_result_cache_returns_equal_results_and_stays_bounded(sample_index: Path) -> None:
    """A repeated request answers from the cache with the same result; the LRU keeps its size."""
    s = Searcher(sample_index)
    s._results.size = 3
    requests = [SearchRequest(query=q) for q in ("tây hồ", "thi dua", "UBND", "phường")]
    first = [s.search(r) for r in requests]
    assert len(s._results._items) == 3  # the oldest was forgotten
    again = s.search(requests[-1])
    assert (again.total, again.hits, again.facets) == (
        first[-1].total,
        first[-1].hits,
        first[-1].facets,
    )
    assert again.understood == first[-1].understood and again.did_you_mean == first[-1].did_you_mean
    assert again is not first[-1]  # a fresh object: a caller mutating it cannot spoil the cache
