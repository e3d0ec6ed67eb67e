"""Vietnamese text: normalization, folding, tone placement, tokens, Telex and abbreviations.

FIRST DRAFT by the coordinator: the text owner refines and tests this module.
The public names and signatures below are the contract other modules rely on.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from typing import NamedTuple

_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\u00ad\ufeff"), None)
_SPACES = re.compile(r"[\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]")
_COMBINING = re.compile(r"[\u0300-\u036f]")
_TONES = "\u0300\u0301\u0303\u0309\u0323"
_D = {ord("đ"): "d", ord("Đ"): "d", ord("Ð"): "d", ord("ð"): "d"}


def normalize(text: str) -> str:
    """Return NFC text without invisible characters and with plain spaces."""
    text = _SPACES.sub(" ", text.translate(_INVISIBLE))
    return unicodedata.normalize("NFC", text)


def fold(text: str) -> str:
    """Return the lowercase, accent-free form used for matching (đ becomes d)."""
    decomposed = unicodedata.normalize("NFD", text.translate(_INVISIBLE))
    return _COMBINING.sub("", decomposed).translate(_D).lower()


_OPEN_NUCLEUS = re.compile(r"^([^aeiouy]*)(oa|oe|uy)$")


def _place_tone(word: str) -> str:
    """Move the tone of an open oa/oe/uy syllable onto its first vowel (hòa, thủy, khỏe)."""
    nfd = unicodedata.normalize("NFD", word)
    tones = [c for c in nfd if c in _TONES]
    if len(tones) != 1:
        return word
    bare = "".join(c for c in nfd if c not in _TONES)
    match = _OPEN_NUCLEUS.match(bare)
    if match is None or match.group(1).endswith("q"):
        return word
    at = len(match.group(1)) + 1
    return unicodedata.normalize("NFC", bare[:at] + tones[0] + bare[at:])


_WORD = re.compile(r"\w+")


def accent_key(text: str) -> str:
    """Return lowercase NFC text with diacritics kept and tones in the canonical place."""
    lowered = normalize(text).lower()
    return _WORD.sub(lambda m: _place_tone(m.group(0)), lowered)


class Token(NamedTuple):
    """A token of normalized text: its text as written, its span, and whether it is compound."""

    text: str
    start: int
    end: int
    compound: bool


_TOKEN = re.compile(r"\w+(?:[-/.]\w+)*")
_PART = re.compile(r"\w+")


def tokens(text: str) -> Iterator[Token]:
    """Yield the words of normalized text; a document number comes whole, then in parts."""
    for match in _TOKEN.finditer(text):
        word = match.group(0)
        if _PART.fullmatch(word):
            yield Token(word, match.start(), match.end(), False)
            continue
        yield Token(word, match.start(), match.end(), True)
        for part in _PART.finditer(word):
            yield Token(
                part.group(0), match.start() + part.start(), match.start() + part.end(), False
            )


def from_telex(text: str) -> str | None:
    """Return the Vietnamese meant by Telex-typed text, or None when it is not Telex."""
    return None


def abbreviations() -> dict[str, list[str]]:
    """Return the abbreviation table: folded abbreviation -> its expansions."""
    return {}
