"""Vietnamese syllables: tone marks, spelling rules, canonical tone placement and Telex.

Public API (used by `searchsvc.vietnamese.text`, which re-exports what other modules need):

- `split_tone(word)`: a lowercase NFC word -> (word without tone marks, tones found).
- `parse(bare)`: a toneless lowercase word -> `Syllable` (onset, nucleus, coda) or None.
- `tone_index(syl)`: where the tone mark goes in the nucleus (traditional placement).
- `compose(syl, tone)`: the written syllable with its tone mark in the canonical place.
- `canonical(word)`: a lowercase NFC word with its tone moved to the canonical place.
- `telex_word(word)`: convert one Telex-typed word, case kept -> (result, how keys acted).
- `is_valid(syl, tone)`: whether a parsed syllable is spelled right and its tone fits.
- `ONSETS`, `NUCLEI`, `CODAS`: the spelling inventory (toneless, lowercase).
- `is_numeral(word)`: whether a word holds a digit or is a Roman numeral (IX, XIV).
- `is_plain(word)`: whether an ASCII word is a syllable typed without marks (nguoi, duong).

Placement is the traditional one: in an open syllable of two plain vowels the tone sits
on the first (hòa, khỏe, thủy, mía, mùa); a vowel with a diacritic (ă â ê ô ơ ư) takes the
tone (the last one in ươ); otherwise a closed syllable puts it on its last vowel (hoàn,
khuyến) and an open triphthong on its middle vowel (ngoài, khuỷu). The u of qu and the i
of gi before a vowel belong to the onset (quý, già).

Why traditional: most of the archive uses it (VNTC, first 3,000 articles: hóa 1,367 vs
hoá 314, thủy 539 vs thuỷ 96), and the two conventions differ only on open oa/oe/uy.
The rule covers whole syllables, not just oa/oe/uy, because both conventions agree on
every other syllable (triphthongs oai/oay/uya/uyu/oeo carry the tone on their middle
vowel under both): moving a mark there only repairs marks misplaced by old fonts or
careless typing (ngòai -> ngoài, ngừơi -> người, qúa -> quá) and never changes a
correctly written word. Only words that parse as one syllable with one tone are touched.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from typing import NamedTuple

TONE_MARKS = "\u0301\u0300\u0309\u0303\u0323"  # sắc, huyền, hỏi, ngã, nặng
VOWELS = frozenset("aăâeêioôơuưy")
_MODIFIED = frozenset("ăâêôơư")

# Toned vowel -> (bare vowel, tone number 1..5); tone 0 is "no tone mark".
_TONED: dict[str, tuple[str, int]] = {}
_WITH_TONE: dict[tuple[str, int], str] = {}
for _v in VOWELS:
    _WITH_TONE[(_v, 0)] = _v
    for _n, _mark in enumerate(TONE_MARKS, start=1):
        _c = unicodedata.normalize("NFC", _v + _mark)
        _TONED[_c] = (_v, _n)
        _WITH_TONE[(_v, _n)] = _c


def _words(text: str) -> list[str]:
    """Return the space-separated words of a literal."""
    return text.split()


ONSETS = _words("ngh ng nh ch gh gi kh ph th tr qu b c d đ g h k l m n p r s t v x")
CODAS = frozenset(_words("c ch m n ng nh p t")) | {""}
_STOP_CODAS = frozenset(_words("c ch p t"))
_OPEN_ONLY = frozenset(
    _words(
        "ai ao au ay âu ây eo êu ia iu oi ôi ơi ua ui ưa ưi ưu oai oay oeo uây uôi ươi ươu "
        "iêu yêu uya uyu uơ y"
    )
)
_CLOSED_ONLY = frozenset(_words("ă â iê yê uô ươ oă uâ uyê oo"))
_EITHER = frozenset(_words("a e ê i o ô ơ u ư oa oe uê uy"))
NUCLEI = _OPEN_ONLY | _CLOSED_ONLY | _EITHER
_PALATAL_OK = frozenset(_words("a ê i y oa uê uy"))  # nuclei that take ch/nh
_QU_Y_CODAS = frozenset(_words("t nh n"))  # after qu, y takes these (quýt, quỳnh)
_FRONT = frozenset("eêiy")


class Syllable(NamedTuple):
    """A toneless syllable split into onset, vowel nucleus and final consonant."""

    onset: str
    nucleus: str
    coda: str


def split_tone(word: str) -> tuple[str, list[int]]:
    """Return the word without tone marks and the tone numbers found in it, in order."""
    tones: list[int] = []
    chars: list[str] = []
    for c in word:
        hit = _TONED.get(c)
        if hit is None:
            chars.append(c)
        else:
            chars.append(hit[0])
            tones.append(hit[1])
    return "".join(chars), tones


def _onset(bare: str) -> str:
    """Return the longest onset spelling that starts the toneless word."""
    for onset in ONSETS:
        if bare.startswith(onset):
            rest = bare[len(onset) :]
            if onset in ("gi", "qu") and not (rest and rest[0] in VOWELS):
                continue
            return onset
    return ""


@functools.lru_cache(maxsize=65536)
def parse(bare: str) -> Syllable | None:
    """Split a toneless lowercase word into a syllable with a known nucleus, or None."""
    onset = _onset(bare)
    end = len(onset)
    while end < len(bare) and bare[end] in VOWELS:
        end += 1
    nucleus, coda = bare[len(onset) : end], bare[end:]
    if not nucleus or coda not in CODAS:
        return None
    if nucleus in _OPEN_ONLY and coda and not _qu_y(onset, nucleus, coda):
        return None
    if (nucleus in _CLOSED_ONLY and not coda) or nucleus not in NUCLEI:
        return None
    return Syllable(onset, nucleus, coda)


def _qu_y(onset: str, nucleus: str, coda: str) -> bool:
    """Return whether a syllable is qu + y + a final consonant (quýt, quỳnh, quých)."""
    return onset == "qu" and nucleus == "y" and coda in _QU_Y_CODAS


def _spelling_ok(syl: Syllable) -> bool:
    """Check the onset spelling rules (k/c, gh/g, ngh/ng, qu) and the coda fit."""
    onset, nucleus, coda = syl
    front = nucleus[0] in _FRONT
    if onset in ("k", "gh", "ngh") and not front:
        return False
    if (onset in ("c", "ng") and front) or (onset == "g" and nucleus[0] in "eê"):
        return False
    if onset == "qu" and nucleus[0] in "uưo":
        return False
    if nucleus.startswith("y") and len(nucleus) > 1 and onset not in ("", "qu"):
        return False
    if coda in ("ch", "nh") and nucleus not in _PALATAL_OK:
        return False
    bad_velar = (nucleus in ("ê", "uê") and onset != "gi") or nucleus[-1] in "iy"
    return not (coda in ("c", "ng") and bad_velar)


def is_valid(syl: Syllable, tone: int) -> bool:
    """Return whether a parsed syllable is spelled right and its tone fits its ending.

    A syllable ending in p, t, c or ch carries sắc or nặng, never another tone nor none.
    """
    if syl.coda in _STOP_CODAS and tone not in (1, 5):
        return False
    return _spelling_ok(syl)


_PLAIN = {"ă": "a", "â": "a", "ê": "e", "ô": "o", "ơ": "o", "ư": "u", "đ": "d"}
_PLAIN_OPEN = frozenset("".join(_PLAIN.get(c, c) for c in n) for n in NUCLEI - _CLOSED_ONLY)
_PLAIN_CLOSED = frozenset("".join(_PLAIN.get(c, c) for c in n) for n in NUCLEI - _OPEN_ONLY)


def is_plain(word: str) -> bool:
    """Return whether a lowercase ASCII word is a Vietnamese syllable typed without marks."""
    onset = _onset(word)
    end = len(onset)
    while end < len(word) and word[end] in "aeiouy":
        end += 1
    nucleus, coda = word[len(onset) : end], word[end:]
    if coda not in CODAS:
        return False
    return nucleus in (_PLAIN_CLOSED if coda else _PLAIN_OPEN) or _qu_y(onset, nucleus, coda)


def tone_index(syl: Syllable) -> int:
    """Return the position in the nucleus that carries the tone (traditional placement)."""
    nucleus = syl.nucleus
    marked = [i for i, v in enumerate(nucleus) if v in _MODIFIED]
    if marked:
        return marked[-1]
    if len(nucleus) == 1:
        return 0
    if syl.coda:
        return len(nucleus) - 1
    return 1 if len(nucleus) == 3 else 0


def compose(syl: Syllable, tone: int) -> str:
    """Return the syllable as written, its tone mark in the canonical place."""
    nucleus = syl.nucleus
    if tone:
        at = tone_index(syl)
        nucleus = nucleus[:at] + _WITH_TONE[(nucleus[at], tone)] + nucleus[at + 1 :]
    return syl.onset + nucleus + syl.coda


@functools.lru_cache(maxsize=65536)
def canonical(word: str) -> str:
    """Return a lowercase NFC word with its single tone mark moved to the canonical place."""
    bare, tones = split_tone(word)
    if len(tones) != 1:
        return word
    syl = parse(bare)
    return word if syl is None else compose(syl, tones[0])


_TONE_KEYS = {"s": 1, "f": 2, "r": 3, "x": 4, "j": 5, "z": 0}
_CIRCUMFLEX = {"a": "â", "e": "ê", "o": "ô"}
_HORN = {"a": "ă", "o": "ơ", "u": "ư"}


def _apply_w(buf: list[str]) -> None:
    """Apply a Telex `w` to the last vowel group (uo -> ươ, ua -> ưa, a -> ă, o -> ơ, u -> ư)."""
    idx = [i for i, c in enumerate(buf) if c in VOWELS]
    if not idx:
        buf.append("ư")
        return
    last = first = idx[-1]
    while first > 0 and buf[first - 1] in VOWELS:
        first -= 1
    if first > 0 and buf[first - 1] == "q" and first < last:
        first += 1  # the u of qu belongs to the onset: quaw -> quă
    group = "".join(buf[first : last + 1])
    for pattern, repl in (("uo", "ươ"), ("ua", "ưa"), ("a", "ă"), ("o", "ơ"), ("u", "ư")):
        at = group.find(pattern)
        if at >= 0:
            buf[first + at : first + at + len(pattern)] = list(repl)
            return
    buf.append("w")


class _Keys:
    """What the Telex keys of one word did: letters, tone, and how telling the keys were."""

    def __init__(self) -> None:
        self.buf: list[str] = []
        self.tone = 0
        self.tone_at = -1  # letters typed before the tone key
        self.tone_key = ""
        self.clear = 0  # keys no plain word needs: dd, aa, ee, oo, w, a final f r x j
        self.telling = False  # a key English spelling never has: dd, uw, w inside a syllable
        self.away = False  # a weak key: a circumflex after the final consonant (bocos), or
        # an own/awn that English spells too (town, dawn)
        self.presses = 0

    def level(self) -> int:
        """Return -1 (no Telex), 0 (no key), 1 (weak), 2 (clear) or 3 (unmistakable)."""
        if self.presses > 1:
            return -1
        clear = self.clear
        weak = self.away
        if self.tone_key:
            at_end = self.tone_at == len(self.buf)
            if at_end and self.tone_key in "frxj":
                clear += 1
            else:  # a final s (cats), a tone before the final consonant (last), z
                weak = True
        if self.telling or clear >= 2:
            return 3
        return 2 if clear else 1 if weak else 0


def _circumflex_away(buf: list[str], ch: str) -> bool:
    """Put a circumflex typed after the final consonant on its vowel (bocos -> bốc)."""
    vowels = [i for i, c in enumerate(buf) if c in VOWELS]
    if not vowels or buf[vowels[-1]] != ch or vowels[-1] == len(buf) - 1:
        return False
    if "".join(buf[vowels[-1] + 1 :]) not in CODAS:
        return False
    buf[vowels[-1]] = _CIRCUMFLEX[ch]
    return True


def _telex_keys(word: str) -> _Keys:
    """Run the Telex keys of one lowercase word.

    Keys act as an input method lets them: tone keys anywhere after a vowel, `w` and the
    circumflex keys also after the final consonant (dduongwf, bocos). Two tone keys in one
    word (virus, sars) or a vowel after the tone key (visa) read as no Telex typing.
    """
    keys = _Keys()
    buf = keys.buf
    for at, ch in enumerate(word):
        if ch in _TONE_KEYS and any(c in VOWELS for c in buf):
            keys.presses += 1
            keys.tone, keys.tone_at, keys.tone_key = _TONE_KEYS[ch], len(buf), ch
        elif ch == "d" and buf and buf[-1] == "d":
            buf[-1], keys.telling = "đ", True
        elif ch in _CIRCUMFLEX and buf and buf[-1] == ch:
            buf[-1] = _CIRCUMFLEX[ch]
            keys.clear += 1
        elif ch in _CIRCUMFLEX and _circumflex_away(buf, ch):
            keys.away = True
        elif ch == "w":
            _apply_w(buf)
            rest, after_oa = word[at + 1 :], at > 0 and word[at - 1] in "oa"
            english = after_oa and rest in ("n", "ns")  # own, town, dawn, lawn
            keys.away |= english
            keys.clear += not english
            keys.telling |= "uw" in word or (rest != "" and not english)
        else:
            keys.presses += 10 if keys.presses and ch in "aeiouy" else 0
            buf.append(ch)
    return keys


def _telex_lower(word: str) -> tuple[str, int] | None:
    """Convert one lowercase Telex-typed word; None when the result is no valid syllable."""
    keys = _telex_keys(word)
    used, tone = keys.level(), keys.tone
    if used < 0:
        return None
    bare = "".join(keys.buf).replace("ưo", "ươ")
    if bare.endswith("ươ"):
        bare = bare[:-2] + "uơ"
    syl = parse(bare)
    if syl is None or not is_valid(syl, tone):
        return None
    return compose(syl, tone), used


# Common English words that read as valid Telex syllables (bus -> bú, how -> hơ); many
# are real Telex too (its -> ít, six -> sĩ), so they count only as weak evidence. Not
# listed, as Telex is far likelier on this site: cow (cơ quan), cos (có), car (cả).
_ENGLISH = frozenset(
    str.split(
        "of if her now how two low row bow tow see bees sees trees there these most this "
        "thus his has was is as us its or taxi max six tax mix box sex hex bar tar lux tux "
        "wax vex sax minx ax ox lax tex rex lex sos dos mas gas bus does goes toes axis"
    )
)


_ROMAN = re.compile(r"x{0,3}(?:ix|iv|v?i{0,3})", re.IGNORECASE)


def is_numeral(word: str) -> bool:
    """Return whether a word holds a digit or is a Roman numeral up to 39 (Đại hội IX)."""
    return any(c.isdigit() for c in word) or bool(word and _ROMAN.fullmatch(word))


def telex_word(word: str) -> tuple[str, int] | None:
    """Convert one word typed in Telex, keeping its case; None when it reads as no syllable.

    The second value says how telling the Telex keys were: 0 none acted (also numerals);
    1 weak (a final `s`, a tone key before the final consonant, a circumflex typed after it,
    `own`/`awn`, or one of the English words above); 2 clear (aa ee oo w, a final f r x j);
    3 unmistakable (dd, uw, w inside a syllable, or two clear keys: hoof, bawngf, nguyeenx).
    """
    lower = word.lower()
    if is_numeral(word):
        return word, 0
    converted = _telex_lower(lower)
    if converted is None:
        return None
    out, used = converted
    used = min(used, 1) if lower in _ENGLISH else used
    if not used:
        return word, 0
    if word.isupper() and len(word) > 1:
        out = out.upper()
    elif word[0].isupper():
        out = out[0].upper() + out[1:]
    return out, used
