"""Query fuzzing (issue 7): hostile query text never raises and always answers within budget.

Hypothesis feeds `Searcher.search` and `/api/search` arbitrary Unicode (combining marks, RTL,
emoji, controls and NUL, lone surrogates, 10,000-character strings) and fragments of query
syntax. The only exception allowed is errors.BadRequest, and only for invalid parameters.
The harness functions take their sizes as arguments so `scripts/soak` runs them larger.
"""

from __future__ import annotations

import time
import urllib.parse
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from searchsvc.config import Settings
from searchsvc.errors import BadRequest

BUDGET_S = Settings().query_budget_ms / 1000
MARGIN_S = 1.5  # a shared 2-core machine: the margin absorbs scheduling, not slow code


# ---------------------------------------------------------------- strategies

SYNTAX = [
    '"',
    "'",
    "-",
    "--",
    "+",
    "OR",
    "AND",
    "NOT",
    "or",
    "and",
    "title:",
    "body:",
    "category:",
    "year:",
    "id:",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    "/",
    "\\",
    ":",
    "::",
    "*",
    "?",
    "~",
    "^",
    "~2",
    "^3",
    "TO",
    "[a TO z]",
    "{1 TO 9}",
    "*:*",
    '""',
    "**",
    "?*",
    "<",
    ">",
    "&",
    "|",
    "!",
    "@",
    "#",
    "%",
    "=",
    ";",
    ",",
    ".",
    "..",
    "...",
    "/..",
    "%00",
    "%2F",
    "\x00",
    "title:(",
    'title:"',
    '-"',
    "OR OR",
    "AND AND",
    "-*",
    "-OR",
    "NOT -",
]
WORDS = [
    "tây hồ",
    "Tây Hồ",
    "TÂY HỒ",
    "tay ho",
    "hoà",
    "hòa",
    "thủy",
    "thuỷ",
    "đường",
    "duong",
    "UBND",
    "HĐND",
    "45/KH-UBND",
    "34-CT/TW",
    "97/2019/QH14",
    "09/03/2023",
    "TP.HCM",
    "ddoongj",
    "thi ddua",
    "quaanj Taay Hoof",
    "năm",
    "người",
    "việt nam",
    "cải cách",
    "Ủy ban nhân dân",
    "phường",
    "a",
    "x",
    "ng",
    "12",
    "2023",
]
RTL = st.characters(min_codepoint=0x0590, max_codepoint=0x08FF) | st.sampled_from(
    list("\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u061c")
)
EMOJI = st.characters(min_codepoint=0x1F300, max_codepoint=0x1FAFF) | st.sampled_from(
    ["\u200d", "\ufe0f", "\U0001f3fb", "\U0001f1fb", "\U0001f1f3"]
)
EMOJI_SEQUENCES = st.sampled_from(["🇻🇳", "👨‍👩‍👧‍👦", "🏳️‍🌈", "👍🏽", "#️⃣"])
COMBINING = st.characters(categories=["Mn", "Me"])
CONTROL = st.characters(categories=["Cc", "Cf", "Zl", "Zp", "Co", "Cn"])
SURROGATE = st.characters(categories=["Cs"])
ANY_CHAR = st.characters()  # every codepoint but surrogates

PIECE = st.one_of(
    st.sampled_from(SYNTAX),
    st.sampled_from(WORDS),
    EMOJI_SEQUENCES,
    st.text(st.one_of(RTL, EMOJI, COMBINING, CONTROL, ANY_CHAR), max_size=8),
)


@st.composite
def fragments(draw: st.DrawFn) -> str:
    """Return a query made of syntax fragments, words and odd characters, oddly joined."""
    parts = draw(st.lists(PIECE, max_size=12))
    seps = draw(
        st.lists(st.sampled_from(["", " ", "  ", "\t", "\n", "\u3000", "\xa0"]), min_size=12)
    )
    return "".join(p + s for p, s in zip(parts, seps, strict=False))


@st.composite
def long_queries(draw: st.DrawFn) -> str:
    """Return a 10,000-character query built from a short random seed (cheap to generate)."""
    seed = draw(st.one_of(fragments(), st.text(min_size=1, max_size=40)).filter(bool))
    return (seed * (10_000 // len(seed) + 1))[:10_000]


QUERIES = st.one_of(
    st.text(max_size=60),
    st.text(st.one_of(COMBINING, RTL, EMOJI, CONTROL), max_size=40),
    st.text(st.one_of(ANY_CHAR, SURROGATE), max_size=40),
    fragments(),
    long_queries(),
    st.just(""),
    st.just("\x00" * 500),
    st.just(" ".join(["hòa"] * 500)),
)


# ---------------------------------------------------------------- the checks


def check_result(result: Any, per_page: int) -> None:
    """Check the shape of one SearchResult."""
    assert result.total >= 0
    assert len(result.hits) <= per_page
    for hit in result.hits:
        assert "<" not in hit.snippet.replace("<mark>", "").replace("</mark>", ""), hit.snippet


def timed_search(searcher: Any, request: Any) -> tuple[Any, float]:
    """Run one search and return its result and wall time."""
    start = time.monotonic()
    result = searcher.search(request)
    return result, time.monotonic() - start


def run_searcher(index: Path, examples: int, seed: int | None = None) -> dict[str, Any]:
    """Feed hostile queries to Searcher.search; return inputs tried and the slowest time."""
    from searchsvc.searching import Searcher, SearchRequest

    searcher = Searcher(index)
    seen = {"inputs": 0, "slowest_s": 0.0}

    @_settings(examples, seed)
    @given(q=QUERIES, page=st.integers(1, 3), sort=st.sampled_from(["relevance", "newest"]))
    def one(q: str, page: int, sort: str) -> None:
        result, took = timed_search(searcher, SearchRequest(query=q, page=page, sort=sort))
        seen["inputs"] += 1
        seen["slowest_s"] = max(seen["slowest_s"], took)
        assert took <= BUDGET_S + MARGIN_S, f"{took:.2f}s for {q[:80]!r}"
        check_result(result, 10)

    one()
    return seen


PARAMS = st.fixed_dictionaries(
    {},
    optional={
        "page": st.integers(-5, 10**6),
        "per_page": st.integers(-5, 1000),
        "category": st.one_of(st.text(max_size=20), st.sampled_from(["Tin tức", "Thông báo"])),
        "year": st.integers(-1, 10**5),
        "sort": st.one_of(st.sampled_from(["relevance", "newest", "oldest"]), st.text(max_size=8)),
    },
)


def run_params(index: Path, examples: int, seed: int | None = None) -> dict[str, Any]:
    """Feed odd parameters with a plain query: only BadRequest may come out."""
    from searchsvc.searching import Searcher, SearchRequest

    searcher = Searcher(index)
    seen = {"inputs": 0, "bad_request": 0}

    @_settings(examples, seed)
    @given(q=st.sampled_from(WORDS), params=PARAMS)
    def one(q: str, params: dict[str, Any]) -> None:
        seen["inputs"] += 1
        try:
            result, took = timed_search(searcher, SearchRequest(query=q, **params))
        except BadRequest:
            seen["bad_request"] += 1
            return
        assert took <= BUDGET_S + MARGIN_S
        check_result(result, max(1, min(100, params.get("per_page", 10))))

    one()
    return seen


def raw_query_strings() -> st.SearchStrategy[str]:
    """Return query strings as a browser or an attacker may send them, even invalid UTF-8."""
    encoded = QUERIES.map(lambda q: urllib.parse.quote(q.encode("utf-8", "surrogatepass")))
    raw_bytes = st.binary(max_size=40).map(urllib.parse.quote_from_bytes)
    return st.one_of(encoded, raw_bytes, st.sampled_from(["%", "%%", "%ZZ", "%ED%A0%80", "%FF"]))


def run_http(index: Path, examples: int, seed: int | None = None) -> dict[str, Any]:
    """Feed hostile q to /api/search and the page through the test client: 200 or 4xx, in time."""
    from searchsvc.web import create_app

    client = create_app({"index": index, "rate_limit": False}).test_client()
    seen = {"inputs": 0, "status": {}}

    @_settings(examples, seed)
    @given(q=raw_query_strings(), path=st.sampled_from(["/api/search", "/"]))
    def one(q: str, path: str) -> None:
        start = time.monotonic()
        response = client.get(f"{path}?q={q}")
        took = time.monotonic() - start
        seen["inputs"] += 1
        seen["status"][response.status_code] = seen["status"].get(response.status_code, 0) + 1
        assert response.status_code in (200, 400, 414), (q[:80], response.status_code)
        assert took <= BUDGET_S + MARGIN_S, f"{took:.2f}s for {q[:80]!r}"
        if path.startswith("/api/"):
            body = response.get_json()
            assert isinstance(body, dict)
            if response.status_code != 200:
                assert set(body) >= {"error", "status"}, body

    one()
    return seen


def _settings(examples: int, seed: int | None) -> Callable[[Any], Any]:
    """Return hypothesis settings for a fuzz run of the given size."""
    from hypothesis import seed as fix_seed

    chosen = settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    if seed is None:
        return chosen
    return lambda f: fix_seed(seed)(chosen(f))


# ---------------------------------------------------------------- the tests


def test_hostile_queries_never_raise_and_answer_in_time(sample_index: Path) -> None:
    """Arbitrary Unicode and query syntax to Searcher.search: a result, within the budget."""
    assert run_searcher(sample_index, examples=300)["inputs"] >= 300


def test_odd_parameters_raise_only_bad_request(sample_index: Path) -> None:
    """Out-of-range and garbage parameters: a result or errors.BadRequest, nothing else."""
    assert run_params(sample_index, examples=150)["inputs"] >= 150


def test_hostile_queries_over_http_never_500(sample_index: Path) -> None:
    """Hostile q (even invalid UTF-8) to /api/search and /: never a 5xx, always in time."""
    assert run_http(sample_index, examples=200)["inputs"] >= 200
