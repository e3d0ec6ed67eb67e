"""Snippet helpers against their definitions: the one-pass window finder, body preparation."""

from __future__ import annotations

import itertools
import sys

from hypothesis import given, settings
from hypothesis import strategies as st

from searchsvc.searching.snippets import MAX_BODY_CHARS, TARGET, _best_window, prepare
from searchsvc.vietnamese import text


def _reference(spans: list[tuple[int, int, str]], length: int) -> int:
    """Return the best window start by recounting every window (the definition)."""
    best, best_key = 0, (-1, -1, 0)
    j = 0
    for i, (start, _, _) in enumerate(spans):
        j = max(j, i)
        while j + 1 < len(spans) and spans[j + 1][1] <= start + TARGET:
            j += 1
        inside = spans[i : j + 1]
        adjacent = sum(1 for a, b in itertools.pairwise(inside) if b[0] - a[1] <= 2)
        key = (len({s[2] for s in inside}), adjacent, -start)
        if key > best_key:
            best, best_key = start, key
    lead = 40 if best > 40 else best
    return max(0, min(best - lead, length - TARGET))


@st.composite
def _spans(draw: st.DrawFn) -> list[tuple[int, int, str]]:
    """Draw non-overlapping spans in text order, as the regex finds them."""
    out, at = [], 0
    for _ in range(draw(st.integers(0, 40))):
        at += draw(st.integers(0, 120))
        size = draw(st.integers(1, 12))
        out.append((at, at + size, draw(st.sampled_from("abcd"))))
        at += size
    return out


@settings(max_examples=500, deadline=None)
@given(_spans(), st.integers(0, 3000))
def test_best_window_matches_the_definition(spans: list[tuple[int, int, str]], extra: int) -> None:
    """Same start for any spans, including ties, gaps wider than a window and adjacency."""
    length = (spans[-1][1] if spans else 0) + extra
    assert _best_window(spans, length) == _reference(spans, length)


def _prepared(body: str) -> tuple[str, str]:
    """Return a body prepared as first written: split and joined, folded with its check."""
    body = " ".join(text.normalize(body[:MAX_BODY_CHARS]).split())
    return body, text.fold(body)


def test_collapse_splits_at_every_whitespace_character() -> None:
    # Where a character is a separator, `split` makes two words of the first sample.
    for code in range(sys.maxunicode + 1):
        sample = f"a\n{chr(code)}b"
        assert text.collapse(sample) == " ".join(sample.split()), hex(code)
    for char in " \n\t\r\u00a0\u2028\x85":
        for sample in (f"{char}a", f"a{char}", f"a {char}b", f"a{char}{char}b"):
            assert text.collapse(sample) == " ".join(sample.split()), repr(sample)


_LINES = st.text(alphabet="ab đ\n\t\r\u00a0\u2028\u3000\u0301\u200b\x85\x00", max_size=60)


@settings(max_examples=1000)
@given(st.one_of(_LINES, st.text(max_size=60)))
def test_collapse_is_split_and_join(raw: str) -> None:
    assert text.collapse(raw) == " ".join(raw.split())


@settings(max_examples=500)
@given(st.one_of(_LINES, st.text(max_size=60), st.text(alphabet="Hồ hoà\u0300\n ", min_size=1)))
def test_prepare_is_split_join_and_fold(raw: str) -> None:
    for sample in (raw, raw * 150):  # short and past MAX_BODY_CHARS
        assert prepare(sample) == _prepared(sample)
