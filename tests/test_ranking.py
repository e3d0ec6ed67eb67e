"""Shortcuts in phrase verification and the prepared-body cache give what the slow way gives."""

from __future__ import annotations

import re

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from searchsvc.searching.ranking import _has_phrase, _intersect, _member, _union
from searchsvc.searching.snippets import fold_loosely, prepare
from searchsvc.store.snapshot import BodyCache

_ALPHABET = "ab _-,.\n–x"
_SEPARATOR = r"[\s\-–—/,;:.]+"


def _pattern(words: list[str]) -> re.Pattern[str]:
    """Return the phrase pattern ranking builds for folded words."""
    return re.compile(r"(?<![^\W_])" + _SEPARATOR.join(map(re.escape, words)) + r"(?![^\W_])")


@settings(max_examples=400, deadline=None)
@given(
    st.text(alphabet=_ALPHABET, max_size=60),
    st.lists(st.text(alphabet="abx", min_size=1, max_size=3), min_size=1, max_size=3),
)
def test_has_phrase_agrees_with_a_regex_search(folded: str, words: list[str]) -> None:
    """Trying the pattern only where the first word occurs finds exactly what search finds."""
    pattern = _pattern(words)
    assert _has_phrase(folded, words, pattern) == (pattern.search(folded) is not None)


def test_has_phrase_respects_word_boundaries() -> None:
    """A phrase inside a longer word, or after an underscore-free letter, does not count."""
    pattern = _pattern(["viet", "nam"])
    assert _has_phrase("o viet - nam.", ["viet", "nam"], pattern)
    assert not _has_phrase("xviet nam", ["viet", "nam"], pattern)
    assert not _has_phrase("viet namx viet", ["viet", "nam"], pattern)
    assert _has_phrase("viet namx viet nam", ["viet", "nam"], pattern)


def test_body_cache_is_bounded() -> None:
    """The least recently used bodies go once their strings pass the byte budget."""
    cache = BodyCache(max_bytes=20_000)
    for docnum in range(10):
        cache.put(("prepared", docnum), ("x" * 3000, "x" * 3000))
    cache.get(("prepared", 7))
    cache.put(("loose", 10), ("y" * 3000,))
    assert cache.used <= 20_000
    assert cache.get(("prepared", 0)) is None
    assert cache.get(("prepared", 7)) is not None and cache.get(("loose", 10)) is not None


@settings(max_examples=600, deadline=None)
@given(
    st.text(alphabet="aAeEdđĐêệ\u0301 \n\t\xa0\u2003\x85\u2028\u200b-–,.x_", max_size=80),
    st.lists(st.text(alphabet="aedx", min_size=1, max_size=3), min_size=1, max_size=3),
)
def test_a_loose_fold_finds_what_the_prepared_body_finds(body: str, words: list[str]) -> None:
    """Phrase checks on the loosely folded body agree with checks on the prepared body."""
    pattern = _pattern(words)
    prepared = prepare(body)[1]
    assert _has_phrase(fold_loosely(body), words, pattern) == _has_phrase(prepared, words, pattern)


_DOCS = st.lists(st.integers(0, 3000), max_size=400).map(
    lambda xs: np.array(sorted(set(xs)), dtype=np.int32)
)


@given(_DOCS, _DOCS)
@settings(max_examples=500, deadline=None)
def test_set_operations_agree_with_numpy(a: np.ndarray, b: np.ndarray) -> None:
    # Both ways of membership (binary search for few lookups, a bitmap for many) are taken.
    assert _member(a, b).tolist() == np.isin(a, b).tolist()
    assert _intersect(a, b).tolist() == np.intersect1d(a, b).tolist()
    assert _union([a, b], 3001).tolist() == np.union1d(a, b).tolist()


@given(st.lists(_DOCS, max_size=4), st.sampled_from([3001, 40_000]))
@settings(max_examples=500, deadline=None)
def test_union_agrees_with_numpy(arrays: list[np.ndarray], n: int) -> None:
    # Few docnums for n are merged, many go through a bitmap of n: both ways are taken.
    want = np.zeros(0, dtype=np.int32)
    for a in arrays:
        want = np.union1d(want, a)
    got = _union(arrays, n)
    assert got.dtype == np.int32 and got.tolist() == want.tolist()
