"""Every claim of README's "How queries are understood" holds: one check per bullet.

How it works (and how to extend it): the section is split into its bullets. Each bullet must
start with the opening words of exactly one check registered with `@claim("Opening words")`,
and every check must match a bullet, so a new or reworded bullet fails
`test_every_bullet_has_a_check` until it has a check, and a check whose bullet is gone fails too.
A check gets the bullet's text and its code spans (the README's own examples, which it runs as
queries), a Searcher on the bundled sample archive, one on a small archive written here
for the claims the sample cannot show, and the search page. Where a claim is about internals
that another test already holds, the check names that test (`covered_by`), so deleting it
fails here.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from searchsvc.config import Settings
from searchsvc.indexing import indexer
from searchsvc.searching import Searcher, SearchRequest, SearchResult
from searchsvc.vietnamese import text
from searchsvc.web import create_app

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
SECTION = "How queries are understood"


def section(title: str) -> str:
    """Return the text of README's `## title` section."""
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## )", README, re.S | re.M)
    assert match is not None, f"README has no section {title!r}"
    return match.group(1)


def bullets(body: str) -> list[str]:
    """Return the top-level bullets of a section, each as one line of text."""
    items = re.split(r"^- ", body, flags=re.M)[1:]
    return [" ".join(item.split()) for item in items]


def spans(bullet: str) -> list[str]:
    """Return the code spans of a bullet, in order."""
    return re.findall(r"`([^`]+)`", bullet)


@dataclass
class Env:
    """What a check may use: the sample index, the claims index, the page on each."""

    sample: Searcher
    made: Searcher
    page: FlaskClient
    made_page: FlaskClient

    def ids(self, query: str, searcher: Searcher | None = None, **kw: object) -> list[str]:
        """Return the ids a query finds, best first (up to 100)."""
        return [h.id for h in self.search(query, searcher, **kw).hits]

    def search(self, query: str, searcher: Searcher | None = None, **kw: object) -> SearchResult:
        """Run a query on the sample index (or another), 100 hits a page."""
        request = SearchRequest(query, per_page=100, **kw)  # type: ignore[arg-type]
        return (searcher or self.sample).search(request)


Check = Callable[[str, Env], None]
CHECKS: dict[str, Check] = {}


def claim(opening: str) -> Callable[[Check], Check]:
    """Register a check for the README bullet that starts with `opening`."""

    def register(check: Check) -> Check:
        CHECKS[opening] = check
        return check

    return register


def _found(pattern: str, bullet: str) -> re.Match[str]:
    """Return the match of pattern in a bullet; fail when the bullet no longer says it."""
    match = re.search(pattern, bullet)
    assert match is not None, f"the bullet no longer matches {pattern!r}"
    return match


def covered_by(*tests: str) -> None:
    """Fail unless each named test (`file.py::name`) exists: it holds part of a claim."""
    for test in tests:
        file, name = test.split("::")
        source = (ROOT / "tests" / file).read_text(encoding="utf-8")
        assert re.search(rf"^def {re.escape(name)}\(", source, re.M), f"{test} is gone"


def words_of(article: dict[str, object]) -> str:
    """Return an article's title and body, normalized and lowercased, for word tests."""
    return text.normalize(f"{article['title']} {article['body']}").lower()


def has_word(haystack: str, word: str) -> bool:
    """Tell whether word (lowercase NFC) stands in haystack as a whole word."""
    return re.search(rf"(?<!\w){re.escape(word)}(?!\w)", haystack) is not None


# ---------------------------------------------------------------- the claims


@claim("Accents are optional")
def _accents(bullet: str, env: Env) -> None:
    same = spans(bullet)[:3]  # `tay ho`, `Tây Hồ`, `TÂY HỒ`
    found = [set(env.ids(q)) for q in [*same, unicodedata.normalize("NFD", same[1])]]
    assert found[0] and all(f == found[0] for f in found), same
    for old, new in re.findall(r"`([^`]+)`/`([^`]+)`", bullet):  # either tone placement
        assert env.ids(old) and set(env.ids(old)) == set(env.ids(new)), (old, new)
    for exact, _folded in re.findall(r"`([^`]+)` above `([^`]+)`", bullet):
        hits = [words_of(env.sample.article(i)) for i in env.ids(exact)]
        flags = [has_word(h, exact.lower()) for h in hits]
        assert True in flags and False in flags, "the sample shows both kinds"
        assert flags == sorted(flags, reverse=True), f"exact {exact!r} first: {flags}"
    traditional = re.search(r"the traditional one: ([^)]*)\)", bullet)
    assert traditional is not None
    for word in spans(traditional.group(1)):  # `hòa`, `thủy`, `khỏe`
        for query in (word, _new_style(word)):  # queries: either spelling reads the same
            hits = env.search(query, env.made).hits
            assert {h.id for h in hits} == {"tones-old", "tones-new"}, query
            assert hits[0].score == hits[1].score, query  # documents: both spellings exact


def _new_style(word: str) -> str:
    """Return a word with its tone mark on the second vowel of oa/oe/uy (hoà, thuỷ, khoẻ)."""
    decomposed = unicodedata.normalize("NFD", word)
    moved = re.sub(r"([oOuU])([\u0300\u0301\u0303\u0309\u0323])([aAeEyY])", r"\1\3\2", decomposed)
    assert moved != decomposed, word
    return unicodedata.normalize("NFC", moved)


@claim("Vietnamese words span syllables")
def _adjacency(bullet: str, env: Env) -> None:
    assert env.ids("quản lý đô thị", env.made)[:2] == ["adjacent", "scattered"]
    assert env.ids("quan ly do thi", env.made)[:2] == ["adjacent", "scattered"]


@claim("Syntax")
def _syntax(bullet: str, env: Env) -> None:
    assert {'"quoted phrase"', "-word", "OR", "title:word"} <= set(spans(bullet))
    phrase = [words_of(env.sample.article(i)) for i in env.ids('"tổng vệ sinh"')]
    assert phrase and all("tổng vệ sinh" in h for h in phrase)
    assert len(env.ids("tổng vệ sinh")) > len(phrase)
    kept = [words_of(env.sample.article(i)) for i in env.ids("tây hồ -UBND")]
    assert kept and not any(has_word(h, "ubnd") for h in kept)
    either = set(env.ids("sen OR đào"))
    assert either == set(env.ids("sen")) | set(env.ids("đào")) != set(env.ids("sen"))
    titled = [env.sample.article(i)["title"] for i in env.ids("title:sen")]
    assert titled and all(has_word(str(t).lower(), "sen") for t in titled)
    for stray in ('"', "a/b", ":", "(", "[x", "title:", '"unclosed', "-", "x)]}"):
        env.search(stray)  # answers, never raises
    everything = env.sample.stats()["documents"]
    for empty in ("", "...", "*"):
        result = env.search(empty)
        dates = [h.published or "" for h in result.hits]
        assert result.total == everything and dates == sorted(dates, reverse=True)


@claim("All words are required first")
def _fallback(bullet: str, env: Env) -> None:
    strict = env.search("tổng vệ sinh")
    assert strict.total and not strict.understood.fallback
    partial = env.search("tổng vệ sinh zzqxy")
    assert partial.understood.fallback and partial.hits


@claim("Document numbers match as written")
def _numbers(bullet: str, env: Env) -> None:
    shown = spans(bullet)
    written, parts = shown[:-2], shown[-2:]  # `45/KH-UBND`, ...; their parts (`UBND`, `2019`)
    for number in written:
        assert env.ids(number, env.made)[:1] == [_slug(number)], number
    for part in parts:
        assert any(part in n and _slug(n) in env.ids(part, env.made) for n in written), part


@claim("A date typed in any common form")
def _dates(bullet: str, env: Env) -> None:
    *forms, impossible = spans(bullet)  # `9/3/2023` ... `ngày 9 tháng 3 năm 2023`; `31/02/2023`
    written = {_slug(f"date {form}") for form in forms}
    for form in forms:
        found = env.ids(form, env.made)
        assert found[:1] == ["published-that-day"], (form, found)
        assert written <= set(found), (form, written - set(found))
    assert env.search(impossible).understood.period is None  # text, not an error


@claim("A month")
def _months(bullet: str, env: Env) -> None:
    shown = spans(bullet)
    months, year = shown[:4], shown[4]  # `tháng 3/2023`, `3/2023`, ...; `năm 2022`
    for form in months:
        result = env.search(f"tây hồ {form}", env.made)
        assert result.understood.period and result.understood.period.applied, form
        assert [h.id for h in result.hits] == ["march-2023"], form
    in_year = env.search(f"tây hồ {year}", env.made)
    assert [h.id for h in in_year.hits] == ["year-2022"], year
    page = env.made_page.get("/", query_string={"q": f"tây hồ {months[0]}"}).get_data(as_text=True)
    assert next(s for s in shown if s.startswith("Đang lọc")) in page
    nothing = env.search("tây hồ tháng 7/2011", env.made)  # nothing published then: text
    assert nothing.understood.period and not nothing.understood.period.applied
    covered_by(
        "test_dates.py::test_a_month_or_year_with_words_narrows_by_publication",
        "test_dates.py::test_the_page_and_the_api_say_what_period_was_understood",
    )


def _slug(number: str) -> str:
    """Return the id of the claims article that holds a document number or date."""
    return "so-" + re.sub(r"[^A-Za-z0-9]+", "-", number).strip("-").lower()


@claim("Abbreviations expand both ways")
def _abbreviations(bullet: str, env: Env) -> None:
    table = ROOT / spans(bullet)[0]
    entries = [line for line in table.read_text(encoding="utf-8").splitlines()]
    entries = [e for e in entries if e.strip() and not e.startswith("#")]
    about = int(_found(r"about (\d+) entries", bullet).group(1))
    assert 0.9 * about <= len(entries) <= 1.1 * about, len(entries)
    short, long = _found(r"`(\w+)` finds `([^`]+)` and back", bullet).groups()
    for typed, written, other in (
        (short, "abbr-short", "abbr-long"),
        (long, "abbr-long", "abbr-short"),
    ):
        found = env.ids(typed, env.made)  # both forms, the one written as typed first
        assert written in found and other in found, (typed, found)
        assert found.index(written) < found.index(other), (typed, found)
    forms = re.search(r"the others \((.*?)\)\.", bullet)
    assert forms is not None
    for form in spans(forms.group(1)):  # `TP HCM`, `TP.HCM`, ... `thành phố HCM`
        assert set(env.ids(form, env.made)[:2]) == {"hcm-short", "hcm-long"}, form
    covered_by(
        "test_search.py::test_forms_of_a_concept_count_alike_within_a_longer_query",
        "test_search.py::test_mixed_and_joined_forms_find_the_same_concept",  # TU, ĐU
    )


@claim("Text typed in Telex")
def _telex(bullet: str, env: Env) -> None:
    first = bullet[: bullet.index("the page says")]
    said = _found(r"the page says `([^`]+)`", bullet).group(1)
    for query in spans(first):  # `thi ddua`, `quaanj Taay Hoof`, `Nguyeenx Thij Quynhf`
        result = env.search(query)
        assert result.understood.telex, query
        assert env.ids(query) == env.ids(result.understood.telex), query
    page = env.page.get("/", query_string={"q": spans(first)[0]}).get_data(as_text=True)
    assert said in re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", page))
    for typed, meant in re.findall(r"`([^`]+)` -> `([^`]+)`", bullet):  # word by word
        assert env.search(typed).understood.telex == meant, typed
    english = re.search(r"plain English \(([^)]*)\)", bullet)
    assert english is not None
    for typed in spans(english.group(1)):
        assert env.search(typed).understood.telex is None, typed
    covered_by("test_telex_oracle.py::test_every_syllable_typed_any_way_reads_as_bogo_reads_it")


@claim("Snippets mark what matched")
def _marks(bullet: str, env: Env) -> None:
    [hit] = env.search("Tây Hồ", env.made, category="Đánh dấu").hits
    assert "<mark>Tây Hồ</mark>" in hit.snippet and "<mark>" not in hit.snippet.replace(
        "<mark>Tây Hồ</mark>", ""
    ), hit.snippet  # neither the `hồ` of `Hồ sơ` nor `tay hỗ` of `chung tay hỗ trợ`
    [whole] = env.search("ubnd", env.made, category="Dạng viết").hits
    assert "<mark>Ủy ban nhân dân</mark>" in whole.snippet, whole.snippet
    covered_by(
        "test_marks.py::test_typed_accents_decide_and_words_are_marked_together",
        "test_marks.py::test_lone_words_only_where_they_never_stand_together",
        "test_marks.py::test_dates_are_marked_as_the_body_writes_them",
        "test_marks.py::test_the_window_prefers_the_passage_where_the_words_stand_together",
    )


@claim("Completions")
def _completions(bullet: str, env: Env) -> None:
    offered = re.findall(r"`([^`]+)` offers `([^`]+)`(?:, not `([^`]+)`)?", bullet)
    assert len(offered) >= 4
    for typed, wanted, never in offered:  # `hoa` offers `hòa giải`, not `hoạch số` ...
        out = env.sample.suggest(typed, 50)
        assert wanted in out, (typed, out)
        assert not never or never not in out, (typed, never)
    for typed in re.findall(r"over several\s+words \(`([^`]+)`, `([^`]+)`\)", bullet)[0]:
        completions = env.sample.suggest(typed)
        assert completions and all(env.search(c).total for c in completions), typed
    threshold = re.search(r"from ([\d,]+) titles on", bullet)
    assert threshold is not None
    _check_once_seen_phrases(int(threshold.group(1).replace(",", "")))
    covered_by("test_suggest.py::test_ranked_by_how_many_articles_hold_the_phrase")
    covered_by("test_suggest.py::test_a_first_word_typed_folded_offers_one_phrase_per_word")


def _check_once_seen_phrases(threshold: int) -> None:
    """Below `threshold` titles a phrase seen once is offered; from there on, only twice."""
    from searchsvc.searching.suggest import build_suggester

    filler = [f"Bản tin số {i} của phường" for i in range(threshold)]
    once, twice = ["Khánh thành cầu Nhật Tân"], ["Khai mạc hội hoa", "Khai mạc hội hoa sen"]
    small = build_suggester(filler[: threshold - 10] + once + twice)
    large = build_suggester(filler + once + twice)
    assert "khánh thành" in _lowered(small.suggest("khanh th"))  # the phrase, not the title
    assert "khánh thành" not in _lowered(large.suggest("khanh th"))
    assert "khai mạc" in _lowered(large.suggest("khai m"))


def _lowered(completions: list[str]) -> list[str]:
    """Return completions in lower case (a phrase is shown as a title writes it)."""
    return [c.lower() for c in completions]


@claim('"Did you mean"')
def _did_you_mean(bullet: str, env: Env) -> None:
    typo = env.search("cai cach hanh chin")
    assert typo.did_you_mean
    for syllable in typo.did_you_mean.split():
        assert env.search(syllable).total, syllable  # built of syllables in the index
    corrected = env.search(typo.did_you_mean)
    assert corrected.total and not corrected.understood.fallback  # it finds more
    assert env.search("tây hồ").did_you_mean is None  # many results: nothing offered


@claim("Cost is bounded")
def _cost(bullet: str, env: Env) -> None:
    limits = re.search(r"cut to (\d+) characters and (\d+) words", bullet)
    assert limits is not None
    chars, words = int(limits.group(1)), int(limits.group(2))
    long = env.search("tây hồ " * chars)
    assert len(long.understood.searched) <= chars and long.understood.notes
    many = " ".join(f"từ{i}" for i in range(words + 1))
    assert any(f" {words} từ" in note for note in env.search(many).understood.notes)
    assert not env.search(" ".join(many.split()[:words])).understood.notes
    example = re.search(r'`("[^`]*)` is (\d+) words', bullet)
    assert example is not None
    counted = int(example.group(2))
    filler = " ".join(f"x{i}" for i in range(words - counted))
    assert not env.search(f"{example.group(1)} {filler}").understood.notes  # fits: 4 + 8
    assert env.search(f"{example.group(1)} {filler} y").understood.notes  # one more is cut
    box = re.search(r"The search box takes up\s+to (\d+) characters", bullet)
    assert box is not None
    assert f'maxlength="{box.group(1)}"' in env.page.get("/").get_data(as_text=True)
    covered_by(
        "test_cost.py::test_every_alternative_counts_against_the_word_cap",
        "test_cost.py::test_the_reviews_query_reads_at_most_one_budget_of_bodies",
        "test_cost.py::test_did_you_mean_reuses_what_the_first_pass_scored",
        "test_search.py::test_time_budget_returns_partial_results_flagged",
        "test_security.py::test_search_box_limit_fits_the_query_string_limit",
        "test_security.py::test_links_carry_only_the_query_as_searched",
    )


@claim("Facets count every matching article")
def _facets(bullet: str, env: Env) -> None:
    result = env.search("tây hồ")
    categories = result.facets["category"]
    assert len(categories) > 1 and not result.facets.get("month")
    for value in categories:
        assert env.search("tây hồ", category=value.value).total == value.count, value
    chosen = env.search("tây hồ", category=categories[0].value)
    assert len(chosen.facets["category"]) == len(categories)  # the others stay clickable
    year = result.facets["year"][0].value
    assert env.search("tây hồ", year=int(year)).facets.get("month")


# ---------------------------------------------------------------- the claims archive


def _claims_archive() -> Iterator[dict[str, str]]:
    """Yield the articles the claims need that the sample does not show plainly."""
    found = bullets(section(SECTION))
    numbers = spans(next(b for b in found if b.startswith("Document numbers")))
    for i, number in enumerate(numbers[:-2]):
        body = f"Văn bản số {number} của quận, ký {i + 1} tuần trước."
        yield {"id": _slug(number), "title": f"Văn bản {i + 1}", "body": body}
    dates = spans(next(b for b in found if b.startswith("A date typed")))[:-1]
    for i, written in enumerate(dates):
        body = f"Hội nghị sơ kết được tổ chức {written} tại hội trường phường {i + 1}."
        yield {"id": _slug(f"date {written}"), "title": f"Sơ kết {i + 1}", "body": body}
    yield {
        "id": "published-that-day",
        "title": "Hội nghị tổng kết",
        "body": "Hội nghị tổng kết công tác của quận.",
        "date": "2023-03-09T08:00:00",
    }
    yield {
        "id": "march-2023",
        "title": "Tây Hồ tháng ba",
        "body": "Tin quận Tây Hồ.",
        "date": "2023-03-15",
    }
    yield {
        "id": "year-2022",
        "title": "Tây Hồ năm ấy",
        "body": "Tin quận Tây Hồ.",
        "date": "2022-05-20",
    }
    yield {"id": "adjacent", "title": "Tin một", "body": "Tăng cường quản lý đô thị trên địa bàn."}
    scattered = "Thị trường, đô la, lý lịch và quản trị được bàn trên địa bàn."
    yield {"id": "scattered", "title": "Tin hai", "body": scattered}
    yield {"id": "abbr-short", "title": "Tin ba", "body": "UBND quận họp phiên thường kỳ."}
    yield {"id": "abbr-long", "title": "Tin bốn", "body": "Ủy ban nhân dân quận họp phiên."}
    yield {"id": "hcm-short", "title": "Tin năm", "body": "Đoàn công tác đến TP.HCM làm việc."}
    yield {"id": "hcm-long", "title": "Tin sáu", "body": "Đoàn đến Thành phố Hồ Chí Minh họp."}
    yield {"id": "tones-new", "title": "Hoà giải", "body": "Tổ hoà giải, thuỷ lợi, sức khoẻ."}
    yield {"id": "tones-old", "title": "Hòa giải", "body": "Tổ hòa giải, thủy lợi, sức khỏe."}
    marks = "Hồ sơ được nhận đủ. Mọi người chung tay hỗ trợ. Quận Tây Hồ cảm ơn."
    yield {"id": "marks", "title": "Cảm ơn", "body": marks, "category": "Đánh dấu"}
    whole = "Ủy ban nhân dân phường đã họp với ban công tác mặt trận và nhân dân."
    yield {"id": "whole-form", "title": "Họp phường", "body": whole, "category": "Dạng viết"}


@pytest.fixture(scope="module")
def env(sample_index: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    """The sample's Searcher, the claims archive's, and the page on the sample."""
    root = tmp_path_factory.mktemp("claims")
    source = root / "claims.jsonl"
    first = date(2019, 1, 1)
    rows = [
        {"date": (first + timedelta(days=i)).isoformat(), **row}
        for i, row in enumerate(_claims_archive())
    ]
    source.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
    indexer.build([source], root / "index")
    sample = Searcher(sample_index, Settings(index=sample_index))
    made = Searcher(root / "index", Settings(index=root / "index"))
    page = create_app({"index": sample_index, "rate_limit": False}).test_client()
    made_page = create_app({"index": root / "index", "rate_limit": False}).test_client()
    yield Env(sample, made, page, made_page)
    sample.close()
    made.close()


# ---------------------------------------------------------------- the tests


def _check_for(bullet: str) -> list[str]:
    """Return the openings of the checks registered for a bullet."""
    return [opening for opening in CHECKS if bullet.startswith(opening)]


def test_every_bullet_has_a_check() -> None:
    found = bullets(section(SECTION))
    assert len(found) >= 5
    for bullet in found:
        assert len(_check_for(bullet)) == 1, f"no single check for: {bullet[:80]}"
    for opening in CHECKS:
        assert any(b.startswith(opening) for b in found), f"no bullet left for {opening!r}"


KNOWN_FALSE: dict[str, str] = {
    # Claims that do not hold on main, by opening, with why. Each is a strict xfail: once the
    # behaviour (or the bullet) is fixed the check passes, the test fails, and the entry goes.
}


@pytest.mark.parametrize(
    "bullet",
    [
        pytest.param(b, id=" ".join(b.split()[:4]), marks=_marks)
        for b in bullets(section(SECTION))
        for _marks in [
            [
                pytest.mark.xfail(strict=True, reason=KNOWN_FALSE[o])
                for o in _check_for(b)
                if o in KNOWN_FALSE
            ]
        ]
    ],
)
def test_the_claim_holds(bullet: str, env: Env) -> None:
    [opening] = _check_for(bullet)
    CHECKS[opening](bullet, env)
