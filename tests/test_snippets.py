"""The one-pass snippet window finder picks what the direct definition picks."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from searchsvc.searching.snippets import TARGET, _best_window


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
