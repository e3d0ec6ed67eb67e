"""Turn the bytes of an archive file into text, refusing binary data and legacy font encodings.

Accepted: UTF-8 with or without BOM, UTF-16/32 with BOM, UTF-16 without BOM (told by the pattern
of NUL bytes), Windows-1258 (decoded, then NFC), and text in the legacy TCVN3 (ABC) font encoding,
converted to Unicode when every character converts into a Vietnamese letter. Refused with a
reason: binary files, text in the VNI font encoding, and text already garbled (mojibake), so that
none of it is ever indexed. Never imports flask or click.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from dataclasses import dataclass


class DecodeError(ValueError):
    """Bytes that cannot be read as Vietnamese text; the message says why in plain words."""


@dataclass(frozen=True)
class Decoded:
    """Decoded text, the encoding it was read with and an optional warning."""

    text: str
    encoding: str
    warning: str | None = None


_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_MAGIC = (
    (b"%PDF", "a PDF document"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"PK\x03\x04", "a ZIP archive (or an Office document)"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"\xd0\xcf\x11\xe0", "an old Office document"),
    (b"\x7fELF", "a program"),
)
_CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0e-\x1a\x1c-\x1f]")


def decode_bytes(data: bytes) -> Decoded:
    """Return the text of a file's bytes, or raise DecodeError saying why it cannot be read."""
    if not data.strip():
        raise DecodeError("empty file")
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return _strict(data, codec, f"invalid {codec.upper()} despite its byte-order mark")
    utf16 = _utf16_without_bom(data)
    if utf16 is not None:
        return utf16
    _refuse_binary(data)
    try:
        return _checked(Decoded(data.decode("utf-8"), "utf-8"))
    except UnicodeDecodeError as exc:
        return _not_utf8(data, exc)


def _strict(data: bytes, codec: str, reason: str, warning: str | None = None) -> Decoded:
    """Decode with one codec or raise DecodeError with the reason."""
    try:
        decoded = data.decode(codec)
    except UnicodeDecodeError as exc:
        raise DecodeError(f"{reason} (at byte {exc.start})") from None
    return _checked(Decoded(decoded, codec.removesuffix("-sig"), warning))


def _utf16_without_bom(data: bytes) -> Decoded | None:
    """Read UTF-16 without BOM when NUL bytes fill one byte position and not the other."""
    head = data[:8192]
    even, odd = head[0::2], head[1::2]
    if not even or not odd:
        return None
    even_nul, odd_nul = even.count(0) / len(even), odd.count(0) / len(odd)
    if odd_nul >= 0.2 and even_nul < 0.02:
        codec = "utf-16-le"
    elif even_nul >= 0.2 and odd_nul < 0.02:
        codec = "utf-16-be"
    else:
        return None
    data = data[: len(data) - len(data) % 2]
    warning = f"UTF-16 without a byte-order mark: read as {codec.upper()}"
    return _strict(data, codec, f"looks like {codec.upper()} but is not valid", warning)


def _refuse_binary(data: bytes) -> None:
    """Raise DecodeError for bytes that are a known binary format or full of control codes."""
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            raise DecodeError(f"binary file: {kind}, not text")
    head = data[:65536]
    if b"\x00" in head or len(_CONTROL_BYTES.findall(head)) > max(8, len(head) // 100):
        raise DecodeError("binary file: contains NUL or control bytes, not text")


def _not_utf8(data: bytes, exc: UnicodeDecodeError) -> Decoded:
    """Read bytes that are not valid UTF-8: a truncated last character, or Windows-1258."""
    if exc.reason == "unexpected end of data" and exc.start >= len(data) - 3:
        warning = "file ends in the middle of a UTF-8 character (truncated?): last bytes dropped"
        return _checked(Decoded(data[: exc.start].decode("utf-8"), "utf-8", warning))
    try:
        text = unicodedata.normalize("NFC", data.decode("cp1258"))
    except UnicodeDecodeError:
        raise DecodeError(f"neither UTF-8 (invalid at byte {exc.start}) nor Windows-1258") from None
    kind = garbled_kind(text)
    if kind is None:
        return Decoded(text, "cp1258", "not UTF-8: read as Windows-1258 (cp1258)")
    converted = from_tcvn3(data.decode("latin-1")) if kind == "tcvn3" else None
    if converted is not None:
        return Decoded(converted, "tcvn3", f"not UTF-8: {_CONVERTED}")
    raise DecodeError(f"not UTF-8 (invalid at byte {exc.start}); {_legacy_reason(kind)}")


def _checked(decoded: Decoded) -> Decoded:
    """Return decoded text, converted when it is TCVN3, unless it is mojibake or VNI."""
    kind = garbled_kind(decoded.text)
    if kind is None:
        return decoded
    converted = from_tcvn3(decoded.text) if kind == "tcvn3" else None
    if converted is None:
        raise DecodeError(_legacy_reason(kind))
    return Decoded(converted, "tcvn3", _CONVERTED)


_CONVERTED = "text in the legacy TCVN3 (ABC) font encoding: converted to Unicode"
# TCVN3 (ABC): one byte per toned vowel, tones in the order grave, hook, tilde, acute, dot below.
_TCVN3_VOWELS = {
    "a": "µ¶·¸¹",
    "ă": "»¼½¾Æ",
    "â": "ÇÈÉÊË",
    "e": "ÌÎÏÐÑ",
    "ê": "ÒÓÔÕÖ",
    "i": "×ØÜÝÞ",
    "o": "ßáâãä",
    "ô": "åæçèé",
    "ơ": "êëìíî",
    "u": "ïñòóô",
    "ư": "õö÷øù",
    "y": "úûüýþ",
}
_TCVN3_LETTERS = dict(zip("¨©ª«¬\xad®¡¢£¤¥¦§", "ăâêôơưđĂÂÊÔƠƯĐ", strict=True))


def _tcvn3_table() -> dict[int, str]:
    """Return the str.translate table from TCVN3 bytes (read as Latin-1) to Unicode."""
    table = {ord(k): v for k, v in _TCVN3_LETTERS.items()}
    for vowel, codes in _TCVN3_VOWELS.items():
        for code, tone in zip(codes, "\u0300\u0309\u0303\u0301\u0323", strict=True):
            table[ord(code)] = unicodedata.normalize("NFC", vowel + tone)
    return table


_TCVN3_TABLE = _tcvn3_table()


def from_tcvn3(text: str) -> str | None:
    """Return text typed in TCVN3 (ABC) as Unicode, or None when it does not convert cleanly.

    Only text made of Latin-1 characters can be TCVN3; the result must then read as Vietnamese.
    ABC capital fonts reuse the lowercase bytes, so such headings come out in lowercase.
    """
    if max(text, default="") > "\xff":
        return None
    converted = text.translate(_TCVN3_TABLE)
    return converted if garbled_kind(converted) is None else None


_TONED = "\u0300\u0301\u0303\u0309\u0323"


def _vietnamese_letters() -> frozenset[str]:
    """Return every letter of the Vietnamese alphabet, precomposed, both cases."""
    letters = set("abcdefghijklmnopqrstuvwxyzđăâêôơư")
    for vowel in "aăâeêioôơuưy":
        letters.update(unicodedata.normalize("NFC", vowel + tone) for tone in _TONED)
    return frozenset(letters | {c.upper() for c in letters})


_VIETNAMESE = _vietnamese_letters()
# Latin-1 and Latin Extended characters that are no Vietnamese letter: the Latin-1 symbols that
# TCVN3 uses as letters and the foreign letters VNI or double-encoded UTF-8 produce. Symbols that
# also occur in good text beside letters (° ± ² ³ ´ « » × ÷) are left out.
NOT_VIETNAMESE = "".join(
    chr(c) for c in range(0xA1, 0x250) if chr(c) not in _VIETNAMESE and chr(c) not in "°±²³´«»×÷"
)
_OTHER_LETTERS = "".join(sorted(c for c in _VIETNAMESE if not c.isascii()))
_SUSPECT = re.compile(f"[{re.escape(NOT_VIETNAMESE)}]")
_WORD = re.compile(f"[A-Za-z{re.escape(_OTHER_LETTERS + NOT_VIETNAMESE)}]+")
_DOUBLE = re.compile(r"[ÂÃÄÅÆá][\u0080-\u00bf\u0152-\u0192\u02c6\u02dc\u2013-\u203a]")
_TCVN3 = re.compile(r"[A-Za-z][\u00a1-\u00af\u00b5-\u00bf]|[\u00a1-\u00af\u00b5-\u00bf][a-z]")
_VNI = re.compile(r"[aeiouyAEIOUY][äåëöøûüïæ]|[ñÑ][a-zA-Z]")


def garbled(text: str) -> str | None:
    """Say why text looks like mojibake or a legacy font encoding, or return None when it reads."""
    kind = garbled_kind(text)
    return None if kind is None else _legacy_reason(kind)


def garbled_kind(text: str) -> str | None:
    """Return "tcvn3", "vni", "double" (UTF-8 read as cp1252) or "other" for garbled text."""
    if _SUSPECT.search(text) is None:
        return None
    bad = accented = 0
    kinds = {"double": 0, "tcvn3": 0, "vni": 0}
    for word in _WORD.findall(text):
        if word.isascii():
            continue
        accented += 1
        if all(c in _VIETNAMESE for c in word):
            continue
        bad += 1
        for kind, pattern in (("double", _DOUBLE), ("tcvn3", _TCVN3), ("vni", _VNI)):
            if pattern.search(word):
                kinds[kind] += 1
                break
    if kinds["double"] < 2 and (bad < 3 or bad < 0.2 * accented):
        return None
    return max(kinds, key=kinds.__getitem__) if any(kinds.values()) else "other"


def _legacy_reason(kind: str) -> str:
    """Return the reason given for one kind of garbled text."""
    fix = "convert it to Unicode (for example with Unikey's converter) and read it again"
    if kind == "tcvn3":
        return f"text in the legacy TCVN3 (ABC) font encoding, not Unicode: {fix}"
    if kind == "vni":
        return f"text in the legacy VNI font encoding, not Unicode: {fix}"
    if kind == "double":
        return "garbled text: UTF-8 that was decoded as Windows-1252 and saved again (mojibake)"
    return "garbled text: many words are not Vietnamese letters (wrong encoding?)"
