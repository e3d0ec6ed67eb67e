"""What snippets mark: typed words where they stand together, accents as typed, forms whole."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from searchsvc.searching import Searcher, SearchRequest, marks
from searchsvc.searching.marks import AccentView, Occurrences, Span, find_run, run_pattern
from searchsvc.searching.query import Word, make_word, understand
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


def _every_run(folded: str, view: str | None, words: tuple[Word, ...]) -> list[Span]:
    """Return the runs as first written: every run searched, longest first (the oracle)."""
    covered = [False] * len(words)
    spans: list[Span] = []
    for size in range(len(words), 0, -1):
        for i in range(len(words) - size + 1):
            if all(covered[i : i + size]):
                continue
            found = marks._spans(folded, view, words[i : i + size])
            if found:
                spans += found
                covered[i : i + size] = [True] * size
    return spans


_VOCABULARY = ["của", "các", "và", "là", "có", "được", "cho", "một", "người", "Việt", "năm", "Hồ"]


_GAPS = [" ", " ", " ", "-", ", ", " - ", "...", "....", "_", "\n", " / ", ""]


@settings(max_examples=400, deadline=None)
@given(
    body=st.lists(
        st.tuples(st.sampled_from([*_VOCABULARY, "tay", "ho", "Của", "9"]), st.sampled_from(_GAPS)),
        max_size=60,
    ),
    typed=st.lists(
        st.sampled_from([*_VOCABULARY, "cua", "cac", "nguoi", "viet", "tay"]), min_size=1
    ),
)
def test_runs_found_as_when_every_run_was_searched(
    body: list[tuple[str, str]], typed: list[str]
) -> None:
    """Runs found from the words' places are exactly those a search for each run finds."""
    normalized = text.normalize("".join(word + gap for word, gap in body))
    folded = text.fold(normalized)
    accented = text.accent_key(normalized)
    view = accented if len(accented) == len(normalized) else None
    for m in understand(" ".join(typed[:12])).marks():
        if m.parts and len(m.words) > 1:
            assert marks._run_spans(folded, view, m.words) == _every_run(folded, view, m.words)


def test_twelve_common_words_search_the_body_a_few_times(monkeypatch: pytest.MonkeyPatch) -> None:
    """A 12-word query over a long body searches it for runs that can exist, not all 78."""
    calls = []
    real = marks._spans

    def counting(
        folded: str, view: str | None, words: tuple[Word, ...], found: Occurrences | None = None
    ) -> list[Span]:
        calls.append(len(words))
        return real(folded, view, words, found)

    monkeypatch.setattr(marks, "_spans", counting)
    body = "Người dân của các phường và xã là một năm có được cho Việt Nam. " * 50
    query = "nam nguoi viet cua cac va la co duoc cho mot nhung"
    assert marked(query, body)
    assert len(calls) <= 30  # 12 single words + the pairs and triples that stand together


@pytest.mark.parametrize(
    ("body", "typed"),
    [
        ("của của của", "của của"),  # runs never overlap: one, then a lone word
        ("tây hồ_tây hồ tây-hồ", "tây hồ"),  # an underscore joins no run
        ("tây\nhồ, tây ... hồ tây.... hồ", "tay ho"),  # a newline or 4 marks break a run
        ("Tây Hồ tay hỗ TÂY HỒ", "Tây Hồ"),  # exact accents only, where any
        ("năm 2023 người Việt năm", "năm người việt"),
    ],
)
def test_runs_found_as_when_every_run_was_searched_in_hard_cases(body: str, typed: str) -> None:
    normalized = text.normalize(body)
    folded = text.fold(normalized)
    accented = text.accent_key(normalized)
    view = accented if len(accented) == len(normalized) else None
    [mark] = [m for m in understand(typed).marks() if m.parts and len(m.words) > 1]
    assert marks._run_spans(folded, view, mark.words) == _every_run(folded, view, mark.words)


# The hand-rolled run finder against the regex it replaces, on generated text: letters that
# fold alike, digits, every kind of separator the pattern treats specially (space, dash,
# slash, underscore, newline, runs of up to four), and words that are prefixes of others.
_ALPHABET = "aađo0 1 -/_\n.,ơ"
_WORDS = ["a", "ao", "đo", "o", "a1", "ơ", "aa", "0"]


@given(
    st.text(alphabet=_ALPHABET, max_size=60),
    st.lists(st.sampled_from(_WORDS), min_size=1, max_size=4),
)
@settings(max_examples=3000, deadline=None)
def test_find_run_finds_what_the_regex_finds(body: str, words: list[str]) -> None:
    expected = [m.span() for m in run_pattern(words).finditer(body)]
    assert find_run(body, words) == expected


@given(st.text(max_size=40), st.lists(st.text(min_size=1, max_size=3), min_size=1, max_size=3))
@settings(max_examples=2000, deadline=None)
def test_find_run_matches_the_regex_on_any_text(body: str, words: list[str]) -> None:
    expected = [m.span() for m in run_pattern(words).finditer(body)]
    assert find_run(body, words) == expected


def test_find_run_on_a_real_passage() -> None:
    folded = text.fold("Quận Tây Hồ - Hà Nội; tây hồ/ha noi, tay  ho tay\nho tay_ho")
    assert find_run(folded, ["tay", "ho"]) == [
        m.span() for m in run_pattern(["tay", "ho"]).finditer(folded)
    ]
    assert len(find_run(folded, ["tay", "ho"])) == 3  # not across a newline nor an underscore


_SYLLABLES = ["tây", "tay", "hồ", "ho", "hộ", "sơ", "thi", "đua", "a"]


@given(
    st.lists(st.sampled_from([*_SYLLABLES, " ", " ", "-", ", ", ". "]), max_size=40),
    st.lists(st.sampled_from(_SYLLABLES), min_size=2, max_size=6),
)
@settings(max_examples=1500, deadline=None)
def test_pruned_runs_are_every_run(pieces: list[str], typed: list[str]) -> None:
    body = text.normalize("".join(pieces))
    folded = text.fold(body)
    view = text.accent_key(body)
    words = tuple(make_word(w) for w in typed)
    assert marks._run_spans(folded, view, words) == _every_run(folded, view, words)
    assert marks._run_spans(folded, None, words) == _every_run(folded, None, words)


@given(
    st.text(alphabet=_ALPHABET, max_size=60),
    st.lists(st.sampled_from(_WORDS), min_size=1, max_size=4),
    st.lists(st.sampled_from(_WORDS), max_size=3),
)
@settings(max_examples=3000, deadline=None)
def test_runs_read_off_one_scan_are_find_runs(
    body: str, words: list[str], others: list[str]
) -> None:
    # The scan looks for every word of the query; a run is any few of them.
    assert Occurrences(body, words + others).run(words) == find_run(body, words)


def _one_scan(folded: str, words: list[str]) -> list[tuple[int, int, str]]:
    """Return every whole word of words in a text, by one regex scan for any of them."""
    tokens = sorted({w for w in words if re.fullmatch(r"[^\W_]+", w)}, key=len, reverse=True)
    if not tokens:
        return []
    alternatives = "|".join(re.escape(w) for w in tokens)
    pattern = re.compile(rf"(?<![^\W_])(?:{alternatives})(?![^\W_])")
    return [(m.start(), m.end(), m.group()) for m in pattern.finditer(folded)]


@given(
    st.one_of(st.text(alphabet=_ALPHABET + "ᾼ가_²", max_size=80), st.text(max_size=40)),
    st.lists(st.one_of(st.sampled_from(_WORDS), st.text(min_size=1, max_size=2)), max_size=5),
)
@settings(max_examples=3000, deadline=None)
def test_occurrences_are_what_one_scan_for_any_word_finds(body: str, words: list[str]) -> None:
    found = Occurrences(body, words)
    assert list(zip(found.starts, found.ends, found.texts, strict=True)) == _one_scan(body, words)
    for word, places in found.at.items():
        assert [found.texts[i] for i in places] == [word] * len(places)


@given(
    st.lists(st.sampled_from([*_SYLLABLES, " ", " ", "-", ", ", ". ", "_"]), max_size=40),
    st.lists(st.sampled_from(_SYLLABLES), min_size=1, max_size=6),
)
@settings(max_examples=1500, deadline=None)
def test_spans_from_one_scan_are_the_spans(pieces: list[str], typed: list[str]) -> None:
    body = text.normalize("".join(pieces))
    folded = text.fold(body)
    view = text.accent_key(body)
    words = tuple(make_word(w) for w in typed)
    found = Occurrences(folded, [w.folded for w in words])
    assert marks._run_spans(folded, view, words, found) == _every_run(folded, view, words)
    assert marks._spans(folded, view, words, found) == marks._spans(folded, view, words)


_KEYED = "àáảãạăằắẳâầấđèéẻêềếìíỉĩịòóỏõọôồốơờớởùúủũụưừứửỳýỷỹỵaeiouyqgnhtcA À Ý,.-\n'0İÐð\u0300\u0301"


@given(
    st.one_of(st.text(alphabet=_KEYED, max_size=80), st.text(max_size=40)),
    st.lists(st.tuples(st.integers(0, 80), st.integers(1, 12)), max_size=6),
)
@settings(max_examples=3000, deadline=None)
def test_accent_view_slices_are_the_accent_key_sliced(
    raw: str, cuts: list[tuple[int, int]]
) -> None:
    body = text.normalize(raw)
    key = text.accent_key(body)
    lowered = text.accent_lower(body)
    assert len(lowered) == len(key)  # tone placement keeps lengths
    view = AccentView(lowered)
    for start, size in [(0, len(body)), *cuts]:
        if start < len(body):
            end = min(len(body), start + size)
            assert view[start:end] == key[start:end], (start, end)


def test_accent_view_on_a_real_passage() -> None:
    body = "Thuỷ lợi hoà bình, khoẻ mạnh; quý già: Hoà Bình-Thuỷ 'Khoẻ' (òai) thuý"
    key = text.accent_key(body)
    view = AccentView(text.accent_lower(body))
    for start, end in itertools.combinations(range(len(body) + 1), 2):
        assert view[start:end] == key[start:end], (start, end)
