"""Cited document numbers: find `45/KH-UBND`, `34-CT/TW`, `97/2019/QH14` in text, with their parts.

A number is digits, an optional year, then codes: the kind of document (KH, QĐ, NQ...) and
the issuing body (UBND, HĐND, TW...), as `searchsvc/data/document_types.tsv` and
`issuers.tsv` list them. Three shapes are read:
- state documents `N/[YYYY/]KIND-ISSUER[-UNIT]`: `45/KH-UBND`, `15/2023/NQ-HĐND`;
- Party documents `N-KIND/ISSUER`: `34-CT/TW`;
- numbers without a kind code `N/[YYYY/]ISSUER[-UNIT]`: a law or resolution (`97/2019/QH14`,
  its kind from the words before it: "Luật số", "Nghị quyết số") or an official letter
  (`1234/UBND-VP`, kind CV unless the words before it name another).
The year is the number's own, or that of an issue date written right after it
(`... 102/KH-UBND ngày 08/4/2022`). Dates (`09/03/2023`) and other joined words are not
numbers. Nothing here raises on any input.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import date
from importlib import resources

from searchsvc.vietnamese import text

MIN_YEAR, MAX_YEAR = 1945, 2100
_LETTERS = r"[^\W\d_]"
# Digits, then one or more joints (- – /) each followed by letters and digits; anchored so
# that a number inside a longer joined word (a URL path, 1/2/45/KH) is not cut out of it.
_CANDIDATE = re.compile(r"(?<![\w/.–-])(\d{1,6})((?:[/–-][^\W_]{1,12}){1,4})(?![\w/–-]|\.\w)")
_SEGMENT = re.compile(r"([/–-])([^\W_]+)")
_CODE = re.compile(rf"({_LETTERS}+)(\d{{0,3}})")
_DATE_AFTER = re.compile(
    r"\s*,?\s*(?:ban hành\s+)?ngày\s+(\d{1,2})\s*(?:[/.-]|\s+tháng\s+)\s*(\d{1,2})"
    r"\s*(?:[/.-]|\s+năm\s+)\s*(\d{4})(?!\d)",
    re.IGNORECASE,
)
# Cheap test that a text may hold a number at all: a joint after a digit, then a letter.
_MAYBE = re.compile(r"[/–-](?<=\d.)(?:\d{4}/)?[^\W\d_]")
_BEFORE_WINDOW = 80
_DIRECT = re.compile(r"\s*(?:số:?\s*)?", re.IGNORECASE)  # `Nghị định số 61/...`, `NĐ 61/...`
_NAMED = re.compile(
    r"(?:\s+\S+){1,10}?\s+số:?\s*", re.IGNORECASE
)  # `Luật Căn cước số ...`  # characters before a number searched for the words naming its kind
_BREAK = re.compile(r"[.;!?\n()]")
_NO_LETTERS = ("QH", "UBTVQH")  # bodies whose numbers carry no kind: laws, resolutions


@dataclass(frozen=True)
class Citation:
    """One cited document: its number as written (codes spelled as in the tables) and parts."""

    number: str
    kind: str | None  # code from document_types.tsv, None when unknown
    issuer: str | None  # code from issuers.tsv, or as written in capitals
    year: int | None
    issued: date | None = None  # the issue date written after the number, when there is one

    def key(self) -> str:
        """Return the number folded, without leading zeros (`09/CT-UBND` is `9/ct-ubnd`)."""
        return text.fold(self.number).lstrip("0") or "0"

    def line(self) -> str:
        """Return this citation as one tab-separated line (see `from_line`)."""
        parts = [self.number, self.kind or "", self.issuer or "", str(self.year or "")]
        return "\t".join([*parts, self.issued.isoformat() if self.issued else ""])

    @classmethod
    def from_line(cls, line: str) -> Citation | None:
        """Return the citation `line()` wrote, or None for a line that is not one."""
        parts = line.split("\t")
        if len(parts) != 5 or not parts[0]:
            return None
        number, kind, issuer, year, issued = parts
        try:
            day = date.fromisoformat(issued) if issued else None
            return cls(number, kind or None, issuer or None, int(year) if year else None, day)
        except ValueError:
            return None


@dataclass(frozen=True)
class Table:
    """A code table: code -> name, and lookups by code (any case) or by folded name."""

    names: dict[str, str]
    by_upper: dict[str, str]
    by_folded_name: dict[str, str]
    written: frozenset[str]  # codes written inside numbers (not the ones known from words)

    def code(self, written: str) -> str | None:
        """Return the table's spelling of a code written in any case, or None."""
        return self.by_upper.get(written.upper())

    def find(self, value: str) -> list[str]:
        """Return the codes a filter value means: a code (any case, accents or not) or a name."""
        folded = " ".join(text.fold(text.normalize(value)).split())
        codes = [c for c in self.names if text.fold(c) == folded]
        return codes or [c for c, n in self.names.items() if text.fold(n) == folded]


def _read_table(name: str) -> Table:
    """Load CODE<TAB>name lines from a data file (comments start with #)."""
    data = resources.files("searchsvc").joinpath(f"data/{name}").read_text("utf-8")
    names: dict[str, str] = {}
    written: set[str] = set()
    for line in data.splitlines():
        if line.strip() and not line.startswith("#"):
            code, label, *how = (text.normalize(part.strip()) for part in line.split("\t"))
            names[code] = label
            if not how or how[0].startswith("code"):
                written.add(code)
    by_folded: dict[str, str] = {}
    for code, label in names.items():
        by_folded.setdefault(text.fold(label), code)
    return Table(names, {c.upper(): c for c in written}, by_folded, frozenset(written))


@functools.cache
def kinds() -> Table:
    """Return the table of document kinds (KH Kế hoạch, QĐ Quyết định, ...)."""
    return _read_table("document_types.tsv")


@functools.cache
def issuers() -> Table:
    """Return the table of issuing bodies (UBND Ủy ban nhân dân, TW Trung ương Đảng, ...)."""
    return _read_table("issuers.tsv")


@functools.cache
def _kind_words() -> re.Pattern[str]:
    """Return a pattern of kind names (any case) and codes (as spelled) as words, longest first."""
    names = sorted({n.lower() for n in kinds().names.values()}, key=len, reverse=True)
    words = "|".join(re.escape(n).replace(r"\ ", r"\s+") for n in names)
    codes = "|".join(re.escape(c) for c in sorted(kinds().written, key=len, reverse=True))
    return re.compile(rf"(?<!\w)((?i:{words})|{codes})(?!\w)")


def _kind_before(before: str) -> str | None:
    """Return the kind named right before a number (`Nghị định số`, `NĐ`), or None.

    Only a law's name may stand between its kind and the number (`Luật Căn cước số`).
    """
    window = _BREAK.split(before[-_BEFORE_WINDOW:])[-1]
    found = list(_kind_words().finditer(window))
    if not found:
        return None
    last = " ".join(found[-1][1].split())
    kind = last if last in kinds().written else kinds().by_folded_name.get(text.fold(last))
    between = window[found[-1].end() :]
    if _DIRECT.fullmatch(between) or (kind not in kinds().written and _NAMED.fullmatch(between)):
        return kind
    return None


def _issued_after(after: str) -> date | None:
    """Return the issue date written right after a number (`ngày 08/4/2022`), or None."""
    m = _DATE_AFTER.match(after)
    if not m:
        return None
    try:
        day = date(int(m[3]), int(m[2]), int(m[1]))
    except ValueError:
        return None
    return day if MIN_YEAR <= day.year <= MAX_YEAR else None


def _issuer(written: str) -> str | None:
    """Return an issuer code: from the table (a term number dropped), or capitals as written."""
    m = _CODE.fullmatch(written)
    if m is None:
        return None
    known = issuers().code(m[1])
    if known:
        return known
    return m[1] if m[1].isupper() and len(m[1]) >= 2 else None


@dataclass(frozen=True)
class _Parts:
    """What the segments after the digits say."""

    year: int | None
    codes: list[tuple[str, str]]  # (joint before, code as written)


def _segments(tail: str) -> _Parts | None:
    """Split `/2019/QH14` into a year and codes; None when a segment is neither (a date)."""
    pieces = _SEGMENT.findall(tail)
    year = None
    if pieces and pieces[0][0] == "/" and pieces[0][1].isdigit():
        value = int(pieces[0][1])
        if len(pieces[0][1]) != 4 or not MIN_YEAR <= value <= MAX_YEAR:
            return None
        year, pieces = value, pieces[1:]
    if not pieces or any(not _CODE.fullmatch(code) for _, code in pieces):
        return None
    return _Parts(year, pieces)


def _spell(written: str) -> str:
    """Return a code in its table spelling (`qđ` -> `QĐ`, `ttg` -> `TTg`), a term number kept."""
    m = _CODE.fullmatch(written)
    if m is None:
        return written
    return (kinds().code(m[1]) or issuers().code(m[1]) or m[1]) + m[2]


def _shape(parts: _Parts, before: str) -> tuple[str | None, str | None, list[str]] | None:
    """Return (kind, issuer, codes as spelled) of a number's codes, or None if not a number."""
    (joint, first), rest = parts.codes[0], parts.codes[1:]
    spelled = [_spell(c) for _, c in parts.codes]
    kind = kinds().code(first)
    if kind is not None:
        issuer = _issuer(rest[0][1]) if rest else None
        if issuer is None or (joint != "/" and (parts.year is not None or rest[0][0] != "/")):
            return None  # a kind needs its issuer: `45/KH-UBND`, `34-CT/TW`, never `17-HP`
        return kind, issuer, spelled
    issuer = _issuer(first)
    if joint != "/" or issuer is None:
        return None
    named = _kind_before(before)
    if named is None and issuers().code(issuer) is None:
        return None  # capitals that no table knows need a kind word before them
    return named, issuer, spelled  # no kind yet: `citations` decides once all are read


def _number(digits: str, tail: str, parts: _Parts, spelled: list[str]) -> str:
    """Return the number as written, with each code in its table spelling."""
    joints = [j.replace("–", "-") for j, _ in _SEGMENT.findall(tail)]
    pieces = ([str(parts.year)] if parts.year is not None else []) + spelled
    return digits + "".join(j + p for j, p in zip(joints, pieces, strict=True))


def _cite_at(normalized: str, m: re.Match[str]) -> Citation | None:
    """Return the citation of one candidate match, or None when it is no document number."""
    digits, tail = m[1], m[2]
    parts = _segments(tail)
    if parts is None:
        return None
    shaped = _shape(parts, normalized[: m.start()])
    if shaped is None:
        return None
    kind, issuer, spelled = shaped
    issued = _issued_after(normalized[m.end() : m.end() + 40])
    year = parts.year if parts.year is not None else (issued.year if issued else None)
    return Citation(_number(digits, tail, parts, spelled), kind, issuer, year, issued)


def _merge(old: Citation, new: Citation) -> Citation:
    """Return one citation from two of the same number, keeping whatever either knows."""
    return Citation(
        old.number,
        old.kind or new.kind,
        old.issuer or new.issuer,
        old.year or new.year,
        old.issued or new.issued,
    )


def citations(value: str) -> list[Citation]:
    """Return the documents a text cites, once each, in order of first mention."""
    normalized = text.normalize(value)
    found: dict[str, Citation] = {}
    if _MAYBE.search(normalized) is None:  # most texts: one fast scan, no citations
        return []
    for m in _CANDIDATE.finditer(normalized):
        cited = _cite_at(normalized, m)
        if cited is None:
            continue
        key = cited.key()
        found[key] = _merge(found[key], cited) if key in found else cited
    return [_letter(c) for c in found.values()]


def _letter(cited: Citation) -> Citation:
    """Return a citation no mention gave a kind to as an official letter (`1234/UBND-VP`).

    Laws and resolutions (`97/2019/QH14`) stay without a kind: only words name theirs.
    """
    if cited.kind is not None or cited.issuer in _NO_LETTERS:
        return cited
    return Citation(cited.number, "CV", cited.issuer, cited.year, cited.issued)
