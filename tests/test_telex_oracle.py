"""Telex reading checked against an independent input method engine (bogo, test-only).

Every Vietnamese syllable our rules accept is typed in Telex three ways an input method
takes (modifier keys after their letter; modifier keys after the final consonant; the tone
key before the final consonant) and must come out as bogo makes it. Whatever we produce
from any typed letters must be a syllable bogo's own validation accepts.
"""

from __future__ import annotations

import itertools
import unicodedata
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from searchsvc.vietnamese import syllable
from searchsvc.vietnamese.text import accent_key

bogo = pytest.importorskip("bogo")
validation = pytest.importorskip("bogo.validation")

_KEYS = {"â": "aa", "ă": "aw", "ê": "ee", "ô": "oo", "ơ": "ow", "ư": "uw", "đ": "dd"}
_TONE_KEYS = "zsfrxj"  # tone 0..5


def syllables() -> Iterator[tuple[syllable.Syllable, int]]:
    """Yield every (syllable, tone) our rules accept."""
    for onset, nucleus, coda in itertools.product(
        ["", *syllable.ONSETS], sorted(syllable.NUCLEI), sorted(syllable.CODAS)
    ):
        syl = syllable.Syllable(onset, nucleus, coda)
        if syllable.parse(onset + nucleus + coda) != syl:
            continue
        for tone in range(6):
            if syllable.is_valid(syl, tone):
                yield syl, tone


def typed_ways(syl: syllable.Syllable, tone: int) -> list[str]:
    """Return Telex key sequences for a syllable: modifiers in place or late, tone last or early."""
    onset = syl.onset.replace("đ", "dd")
    plain = "".join(unicodedata.normalize("NFD", c)[0] for c in syl.nucleus)
    mods = [c for c in syl.nucleus if c in _KEYS]
    in_place = "".join(_KEYS.get(c, c) for c in syl.nucleus)
    tone_key = _TONE_KEYS[tone] if tone else ""
    ways = [onset + in_place + syl.coda + tone_key]
    if syl.coda and tone:
        ways.append(onset + in_place + tone_key + syl.coda)
    if syl.coda and len(set(mods)) == 1 and mods[0] in "âêô" and len(mods) == 1:
        ways.append(onset + plain + syl.coda + _KEYS[mods[0]][0] + tone_key)
    if syl.coda and mods and all(m in "ăơư" for m in mods):
        ways.append(onset + plain + syl.coda + "w" + tone_key)
    return [w.replace("â", "a").replace("ê", "e").replace("ô", "o") for w in ways]


def _ours(typed: str) -> str | None:
    """Return our reading of one typed word, or None."""
    found = syllable.telex_word(typed)
    return None if found is None else found[0]


def test_every_syllable_typed_any_way_reads_as_bogo_reads_it() -> None:
    checked = 0
    for syl, tone in syllables():
        want = syllable.compose(syl, tone)
        for typed in typed_ways(syl, tone):
            theirs = bogo.process_sequence(typed)
            if accent_key(theirs) != want or syllable.is_numeral(typed):
                continue  # bogo reads it otherwise (oo: ôô), or it is a Roman numeral (xix)
            assert _ours(typed) == want, (typed, theirs)
            checked += 1
    assert checked > 30_000


@settings(max_examples=1500, deadline=None)
@given(st.text(alphabet="abcdeghiklmnopqrstuvwxyfjz", min_size=1, max_size=9))
def test_what_we_read_is_a_syllable_bogo_accepts(typed: str) -> None:
    ours = _ours(typed)
    if ours is not None and ours != typed:
        assert validation.is_valid_string(ours), (typed, ours)


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("quynhf", "quỳnh"),
        ("quyts", "quýt"),
        ("bocos", "bốc"),
        ("dduongwf", "đường"),
        ("muonos", "muốn"),
        ("nguwowif", "người"),
        ("khuyur", "khuỷu"),
    ],
)
def test_examples_agree_with_bogo(typed: str, meant: str) -> None:
    assert _ours(typed) == meant == accent_key(bogo.process_sequence(typed))


@pytest.mark.parametrize("typed", ["keep", "meet", "deep", "boot", "loop", "hoaff"])
def test_what_no_syllable_can_be_is_refused(typed: str) -> None:
    assert _ours(typed) is None
    assert not validation.is_valid_string(bogo.process_sequence(typed)) or typed == "hoaff"
