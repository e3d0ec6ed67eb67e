"""Vietnamese text: normalization, folding, tone placement, tokens, Telex and abbreviations.

Public API (the schema, the search and the archive modules rely on these names):

- `normalize(text)`: NFC display text without invisible characters, with plain spaces.
- `prepared(text)`: `normalize`d text with single spaces (`collapse`) and its `fold`.
- `fold(text)`: the lowercase, accent-free matching form. For text that went through
  `normalize`, `fold` maps each character to exactly one character at the same offset, so
  offsets found in folded text highlight the original.
- `accent_key(text)`: lowercase NFC with diacritics kept and tone marks in the canonical
  (traditional) place, see `searchsvc.vietnamese.syllable`: hoà/hòa -> hòa, thuỷ/thủy -> thủy.
- `Token`, `tokens(text)`, `positions(tokens)`: words, document numbers whole and in parts.
- `term(token_text)`: `fold` plus numbers without leading zeros (09/03/2023 -> 9/3/2023),
  for index and query terms of the folded field, so either spelling of a date matches.
- `from_telex(text)`: the Vietnamese meant by text typed in Telex with the IME off, or None.
- `abbreviations()`, `phrases()`, `expansions_of(text)`, `concept_forms(key)`: the
  abbreviation table, both ways, and every written form of one concept.
"""

from __future__ import annotations

import codecs
import functools
import re
import unicodedata
from collections.abc import Iterable, Iterator
from importlib import resources
from typing import NamedTuple

from searchsvc.vietnamese import syllable

_INVISIBLE_CHARS = "\u200b\u200c\u200d\u2060\u00ad\ufeff"
_SPACE_CHARS = "\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
_SPACE_CHARS += "\u202f\u205f\u3000"
_INVISIBLE = re.compile(f"[{_INVISIBLE_CHARS}]+")
_SPACE = re.compile(f"[{_SPACE_CHARS}]")
_D_LIKE = "đĐÐð"
_PLACEHOLDER = " "  # what a combining mark left over by NFC folds to (keeps offsets)
_SHORT = 32  # strings up to this length (tokens) are folded and keyed through a cache


def normalize(text: str) -> str:
    """Return NFC text without invisible characters and with plain spaces."""
    if text.isascii():
        return text
    return unicodedata.normalize("NFC", _space(_strip_invisible(text)))


def _strip_invisible(text: str) -> str:
    """Remove invisible characters; `in` tests first, as they are far faster than a regex."""
    for c in _INVISIBLE_CHARS:
        if c in text:
            return _INVISIBLE.sub("", text)
    return text


def _space(text: str) -> str:
    """Turn Unicode spaces into plain spaces."""
    for c in _SPACE_CHARS:
        if c in text:
            return _SPACE.sub(" ", text)
    return text


def _fold_char(c: str) -> str:
    """Fold one character of NFC text to exactly one character."""
    if c in _SPACE_CHARS:
        return " "
    if unicodedata.category(c).startswith("M"):
        return _PLACEHOLDER
    folded = c.lower() if len(c.lower()) == 1 else c
    for form in ("NFKD", "NFD"):
        base = "".join(x for x in unicodedata.normalize(form, c) if not unicodedata.combining(x))
        base = base.lower()
        if len(base) == 1 and not unicodedata.category(base).startswith("M"):
            folded = base
            break
    return "d" if folded in _D_LIKE else "σ" if folded == "ς" else folded


class _FoldTable(dict[int, str]):
    """A `str.translate` table that folds any character, computed on first sight."""

    def __missing__(self, key: int) -> str:
        value = _fold_char(chr(key))
        if len(self) < 65_536:  # bounded: visitors' queries may carry any character
            self[key] = value
        return value


_FOLD_TABLE = _FoldTable()


def _fast_domain() -> str:
    """Return up to 256 lowercase characters common in Vietnamese text, ASCII first."""
    chars = [chr(i) for i in range(128) if not "A" <= chr(i) <= "Z"]
    chars += "àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđð"
    extra = [*range(0xA0, 0x100), *range(0x2010, 0x2031), 0x20AC, 0x2116, 0x2122, 0x20A4]
    for c in map(chr, extra):
        if c not in chars and c.lower() == c and len(chars) < 256:
            chars.append(c)
    return "".join(chars)


_DOMAIN = _fast_domain()
_DOMAIN_CODE = codecs.charmap_build(_DOMAIN)
_DOMAIN_FOLDED = "".join(_fold_char(c) for c in _DOMAIN)


def fold(text: str) -> str:
    """Return the lowercase, accent-free form used for matching (đ becomes d).

    Common text takes a C-speed path (lowercase, then a 256-character charmap round trip);
    anything else goes through a per-character table that is filled on demand. Short
    strings (tokens) are cached.
    """
    if text.isascii():
        return text.lower()
    if len(text) <= _SHORT:
        return _fold_short(text)
    return _fold(text)


def fold_normalized(text: str) -> str:
    """Return `fold(text)` for a text `normalize` returned (NFC, no invisible characters).

    The same result, without checking long text for NFC and invisible characters again.
    """
    if text.isascii():
        return text.lower()
    if len(text) <= _SHORT:
        return _fold_short(text)
    return _fold_nfc(text)


def _fold(text: str) -> str:
    """Compute fold for non-ASCII text without the cache."""
    return _fold_nfc(unicodedata.normalize("NFC", _strip_invisible(text)))


def _fold_nfc(text: str) -> str:
    """Compute fold for NFC text without invisible characters."""
    low = text.lower()
    if len(low) == len(text):
        try:
            code = codecs.charmap_encode(low, "strict", _DOMAIN_CODE)[0]
        except UnicodeEncodeError:
            pass
        else:
            return str(codecs.charmap_decode(code, "strict", _DOMAIN_FOLDED)[0])
    return text.translate(_FOLD_TABLE)


_fold_short = functools.lru_cache(maxsize=65_536)(_fold)


_TONED = "àáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ"
_TONED_PLAIN = "àáảãạèéẻẽẹìíỉĩịòóỏõọùúủũụỳýỷỹỵ"
_NOT_LETTER = r"(?![^\W\d_])"


def collapse(text: str) -> str:
    """Return text with every run of whitespace one space and none at either end.

    What `" ".join(text.split())` returns. Stored bodies are mostly paragraphs apart by
    single newlines, for which C-speed checks stand in for splitting into hundreds of words
    and joining them again: `isprintable()` is false for every character `split` splits at
    but the space (tests/test_snippets.py checks every code point).
    """
    line = text.replace("\n", " ")
    if line.isprintable() and "  " not in line and line[:1] != " " and line[-1:] != " ":
        return line
    return " ".join(text.split())


def prepared(text: str) -> tuple[str, str]:
    """Return text normalized with single spaces, and its folded form of the same length."""
    spaced = collapse(normalize(text))
    folded = fold_normalized(spaced)  # joining normalized words with spaces keeps them so
    if len(folded) != len(spaced):  # the promise of equal lengths; be safe anyway
        folded = "".join(fold(c)[:1] or " " for c in spaced)
    return spaced, folded


_VOWEL = "[aeiouyăâêôơư]"
# Every way a tone mark can sit off its canonical place (see searchsvc.vietnamese.syllable). Each
# branch starts after the toned vowel and looks back at what precedes it, so the scan
# only stops at toned vowels. Every branch needs a vowel right after the toned one or right
# before it: that is checked first, so most toned vowels fail at once rather than branch by
# branch (the branches and their order, hence the matches, are unchanged).
_TP = f"[{_TONED_PLAIN}]"
_MISPLACED_TONE = re.compile(
    f"[{_TONED}](?:(?={_VOWEL})|(?<={_VOWEL}.))(?:"
    + "|".join(
        [
            "[aeiouy]?[ăâêôơ]",  # before the vowel with a diacritic: tíên, ừơ
            f"(?<=[ăâêôơư]{_TP})",  # after it: mưá, ươì
            f"(?<=u{_TP})(?<!qu{_TP}){_NOT_LETTER}",  # thuỷ, but not quý
            f"(?<=i{_TP})(?:(?<=ngi{_TP})|(?<!gi{_TP})){_NOT_LETTER}",  # not già
            f"(?<=[aeoy]{_TP}){_NOT_LETTER}",  # hoà, khoẻ
            f"(?<={_TP})[aeiouy][aeiouy]{_NOT_LETTER}",  # òai
            rf"(?<={_TP})[aeiouy][^\W\d_aeiouyăâêôơư]",  # hòan, họach
            "(?<=q[ùúủũụ])[aeiouyăâêôơư]",  # qúa
            "(?<=g[ìíỉĩị])[aeiouyăâêôơư]",  # gìa
        ]
    )
    + ")"
)
_LETTERS = re.compile(r"[^\W\d_]*")


def place_tones(text: str) -> str:
    """Return lowercase NFC text with every word's tone moved to the canonical place.

    Lengths are kept (a tone moves within its word), and neither a word nor any branch of
    the scan reaches across a plain space, so the result for a stretch of text between two
    spaces is that of the stretch alone.
    """
    out: list[str] = []
    done = 0
    for match in _MISPLACED_TONE.finditer(text):
        at = match.start()
        if at < done:
            continue
        start = at
        while start > 0 and text[start - 1].isalpha():
            start -= 1
        end = _LETTERS.match(text, at).end()  # type: ignore[union-attr]
        if end < len(text) and unicodedata.combining(text[end]):
            continue  # a stray mark after the word: moving a tone could compose with it
        word = text[start:end]
        placed = syllable.canonical(word)
        if placed != word:
            out += [text[done:start], placed]
            done = end
    return "".join([*out, text[done:]]) if out else text


def accent_key(text: str) -> str:
    """Return lowercase NFC text with diacritics kept and tones in the canonical place.

    A regex finds the words whose tone mark is off its canonical place; each such word that
    parses as one Vietnamese syllable with one tone mark gets the placement described in
    `searchsvc.vietnamese.syllable` (traditional: hòa, khỏe, thủy; quý and hoàn are unaffected).
    Eth (`ð`, `Ð`), which old fonts put for `Đ`, becomes `đ`, as `fold` reads both as `d`.
    Short strings (tokens) are cached. `fold(accent_key(x)) == fold(x)` except where
    lowercasing lets NFC compose a stray mark (İ + grave -> ì, Greek Ὰ + ypogegrammeni).
    """
    if text.isascii():
        return text.lower()
    if len(text) <= _SHORT:
        return _accent_key_short(text)
    return _accent_key(text)


def accent_key_normalized(text: str) -> str:
    """Return `accent_key(text)` for a text `normalize` returned, without normalizing it again."""
    if text.isascii():
        return text.lower()
    if len(text) <= _SHORT:
        return _accent_key_short(text)
    return _accent_key_nfc(text)


def _accent_key(text: str) -> str:
    """Compute accent_key without the cache."""
    return _accent_key_nfc(normalize(text))


def _accent_key_nfc(text: str) -> str:
    """Compute accent_key for text `normalize` returned."""
    return place_tones(accent_lower(text))


def accent_lower(text: str) -> str:
    """Return the first step of `accent_key` for normalized text: all but the tone placement."""
    text = unicodedata.normalize("NFC", text.replace("İ", "I").lower())
    if "ð" in text:  # eth written for Đ (old fonts): the letter fold reads as d
        text = text.replace("ð", "đ")
    return text


_accent_key_short = functools.lru_cache(maxsize=65_536)(_accent_key)


class Token(NamedTuple):
    """A token of normalized text: its text as written, its span, and whether it is compound."""

    text: str
    start: int
    end: int
    compound: bool


_TOKEN = re.compile(r"([^\W_]+)((?:[-/.,&'’][^\W_]+)*)")
_PIECE = re.compile(r"[^\W_]+|[^\w]")


def _group_pieces(word: str) -> list[list[tuple[str, int]]]:
    """Split a joined word into groups of (part, offset); bad joints start a new group."""
    pieces = [(m.group(), m.start()) for m in _PIECE.finditer(word)]
    groups: list[list[tuple[str, int]]] = [[pieces[0]]]
    for i in range(1, len(pieces) - 1, 2):
        left, (joint, _), right = pieces[i - 1][0], pieces[i], pieces[i + 1]
        numeric = left.isdigit() and right[0].isdigit()
        if joint in ".," and numeric:
            start = groups[-1][-1][1]
            groups[-1][-1] = (word[start : right[1] + len(right[0])], start)
        elif joint == "," or (joint == "." and not _is_abbreviation(left, right[0])):
            groups.append([right])
        else:
            groups[-1].append(right)
    return groups


def _is_abbreviation(left: str, right: str) -> bool:
    """Return whether a dot joins an abbreviation to what follows (TP.HCM, Tp.HCM, Q.3)."""
    if not left.isalpha() or not left[0].isupper():
        return False
    return left.isupper() or (len(left) <= 3 and right[0].isupper())


def _compound(word: str, offset: int) -> Iterator[Token]:
    """Yield the tokens of a word joined by - / . , & or an apostrophe."""
    for group in _group_pieces(word):
        first, last = group[0], group[-1]
        start, end = offset + first[1], offset + last[1] + len(last[0])
        if len(group) == 1:
            yield Token(first[0], start, end, False)
            continue
        yield Token(word[first[1] : last[1] + len(last[0])], start, end, True)
        for part, at in group:
            yield Token(part, offset + at, offset + at + len(part), False)


def tokens(text: str) -> Iterator[Token]:
    """Yield the tokens of normalized text, case kept.

    Words are runs of letters and digits. Runs joined by - / & ' (34-CT/TW, 45/KH-UBND,
    97/2019/QH14, 09/03/2023, GD&ĐT, H'Mông), or by a dot after an abbreviation (TP.HCM,
    Tp.HCM, Q.3), come
    first whole (`compound=True`), then part by part (`compound=False`). Digits joined by
    . or , stay one plain token (1.200, 2,5). A joint at the end of a word (a full stop, a
    dash) or a dot after a lowercase word (`nay.Tiếp`) joins nothing. `Nghị quyết số 97`
    stays four words; its 97 is also a part of `97/2019/QH14`, so both spellings meet.
    Spans slice the text: `text[start:end]`. Positions: see `positions`.
    """
    new, find, end = tuple.__new__, text.find, 0
    # findall and str.find are faster than finditer's match objects; the next occurrence
    # of a word is its match, since only non-word characters lie between two matches.
    for word, joined in _TOKEN.findall(text):
        start = find(word, end)
        if joined:
            whole = word + joined
            end = start + len(whole)
            yield from _compound(whole, start)
        else:
            end = start + len(word)
            yield new(Token, (word, start, end, False))


_LEADING_ZEROS = re.compile(r"(?<![\w.,])0+(?=\d)")


def term(text: str) -> str:
    """Return the folded term of a token, its numbers without leading zeros (09 -> 9).

    Zeros after a dot or comma stay (1.005, 2,05); a lone 0 stays. Not offset-preserving.
    """
    folded = fold(text)
    return _LEADING_ZEROS.sub("", folded) if "0" in folded else folded


def positions(toks: Iterable[Token]) -> Iterator[tuple[int, Token]]:
    """Yield (position, token): plain tokens count 0, 1, 2...; a compound shares its first part's.

    So `Kế hoạch 45/KH-UBND` gives kế 0, hoạch 1, 45/KH-UBND 2, 45 2, KH 3, UBND 4: the
    words around a document number stay as adjacent as they are in the text.
    """
    pos = 0
    for tok in toks:
        yield pos, tok
        if not tok.compound:
            pos += 1


_TELEX_WORD = re.compile(r"[^\W_]+")
# A document number or date: words joined by / - . with a digit among them (05/NQ-TW, 9-3-2023).
_CODED = re.compile(r"[^\W_]+(?:[-/.][^\W_]+)+")


def _plain_ok(word: str) -> bool:
    """Return whether a word left unchanged by Telex is a number, syllable or abbreviation."""
    if syllable.is_numeral(word) or fold(word) in abbreviations():
        return True
    if word.isascii():
        return syllable.is_plain(word.lower())
    bare, tones = syllable.split_tone(accent_key(word))
    syl = syllable.parse(bare)
    return syl is not None and len(tones) <= 1 and syllable.is_valid(syl, sum(tones))


def _coded_spans(text: str) -> list[tuple[int, int]]:
    """Return where document numbers and dates stand in a text (never read as Telex)."""
    return [m.span() for m in _CODED.finditer(text) if any(c.isdigit() for c in m.group())]


def _telex_level(word: str) -> tuple[str, int]:
    """Return a word's Telex reading and how telling its keys are; -1 for a foreign word."""
    if len(word) > 1 and word.isupper() and fold(word) in abbreviations():
        return word, 0  # TW, CLB typed in capitals are the abbreviation, not Telex
    converted, level = syllable.telex_word(word) or (word, 0)
    if level == 0 and not _plain_ok(word):
        return word, -1
    return converted, level


def _clear_telex(levels: list[int]) -> bool:
    """Return whether the words' Telex keys, taken together, show the text was Telex-typed.

    One unmistakable word (dd, uw, hoof) is enough, or two clear ones (a final f r x j, aa
    ee oo, w), or a clear and a weak one; among Vietnamese words alone, one clear or two
    weak ones (cats, last, bocos read like that too).
    """
    unmistakable, clear, weak = (sum(v == n for v in levels) for n in (3, 2, 1))
    foreign = -1 in levels
    return bool(
        unmistakable or clear >= 2 or (clear and weak) or (not foreign and (clear or weak >= 2))
    )


def from_telex(text: str) -> str | None:
    """Return the Vietnamese meant by Telex-typed text, or None when it is not Telex.

    Each word is run through the Telex keys (aa aw ee oo ow uw dd w, tones s f r x j, z) and
    converted when it comes out as a well-formed syllable; foreign words, numbers and
    abbreviations stay as typed (`liverpool vuwowtj qua newcastle vaof`). The text is taken
    as Telex only when its keys are telling enough (see `_clear_telex`): a lone `cats`,
    `google maps` or `how to` stay English, and two tone keys in a word (virus) or a vowel
    after the tone key (visa) read as no Telex at all.
    """
    text = normalize(text)
    coded = _coded_spans(text)
    matches = [
        m
        for m in _TELEX_WORD.finditer(text)
        if not any(start <= m.start() < end for start, end in coded)
    ]
    readings = [_telex_level(m.group()) for m in matches]
    if not _clear_telex([level for _, level in readings]):
        return None
    out: list[str] = []
    last = 0
    for match, (converted, level) in zip(matches, readings, strict=True):
        out += [text[last : match.start()], converted if level > 0 else match.group()]
        last = match.end()
    return "".join([*out, text[last:]])


def _phrase_key(text: str) -> str:
    """Return the folded words of a phrase joined by single spaces."""
    return " ".join(_TELEX_WORD.findall(fold(normalize(text))))


@functools.cache
def _table() -> tuple[dict[str, list[str]], dict[str, list[str]], dict[str, list[str]]]:
    """Load the abbreviation data file: both directions, and each phrase as written."""
    data = resources.files("searchsvc").joinpath("data/abbreviations.tsv").read_text("utf-8")
    forward: dict[str, list[str]] = {}
    backward: dict[str, list[str]] = {}
    written: dict[str, list[str]] = {}
    for line in data.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        abbrev, expansion = (part.strip() for part in line.split("\t", 1))
        keys = {fold(abbrev), re.sub(r"[^\w ]", "", fold(abbrev))}
        for key in keys:
            known = forward.setdefault(key, [])
            known += [] if expansion in known else [expansion]
        phrase = _phrase_key(expansion)
        for key in {phrase, phrase.replace(" va ", " ")}:  # GD&ĐT: giao duc (va) dao tao
            if abbrev not in backward.setdefault(key, []):
                backward[key].append(abbrev)
            if expansion not in written.setdefault(key, []):
                written[key].append(expansion)
    return forward, backward, written


def abbreviations() -> dict[str, list[str]]:
    """Return the abbreviation table: folded abbreviation -> its expansions as written.

    Keys come as folded (`hdnd`, `tp.hcm`, `gd&dt`) and without punctuation (`gddt`).
    """
    return _table()[0]


def concept_forms(key: str) -> list[str]:
    """Return every written form of what a folded key names, or [] for no known concept.

    For an abbreviation, its expansions and every abbreviation of those (`tphcm` ->
    Thành phố Hồ Chí Minh, TP.HCM, TPHCM, TP HCM); for a spelled-out phrase, the phrase as
    written and its abbreviations. The key is folded with single spaces (`tp hcm`).
    """
    forward, backward, written = _table()
    expansions = forward.get(key) or written.get(key, [])
    forms: list[str] = []
    for expansion in expansions:
        for form in [expansion, *backward.get(_phrase_key(expansion), [])]:
            if form not in forms:
                forms.append(form)
    return forms


def phrases() -> dict[str, list[str]]:
    """Return folded expansion (single spaces) -> the abbreviations written for it."""
    return _table()[1]


def expansions_of(text: str) -> list[str]:
    """Return what an abbreviation stands for, or the abbreviations of a phrase.

    `expansions_of("HĐND")` -> ["Hội đồng nhân dân"]; `expansions_of("uy ban nhan dan")`
    -> ["UBND"]; anything else -> [].
    """
    key = " ".join(fold(normalize(text)).split())
    found = abbreviations().get(key) or phrases().get(_phrase_key(text), [])
    return list(found)
