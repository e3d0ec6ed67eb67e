"""The register of cited documents: every number the live articles cite, with where and when.

One entry per document: its number, kind, issuer and year, how many articles cite it, and
the first and last of their publication dates. Local numbers start again every year
(`45/KH-UBND` of 2014 and of 2022 are two plans), so a number with different years is
several entries; a mention that gives no year is counted with the one dated entry of its
number when there is exactly one, else in an entry of its own without a year.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from searchsvc.store.schema import NO_DATE
from searchsvc.store.snapshot import Snapshot
from searchsvc.vietnamese import docnumbers, text
from searchsvc.vietnamese.docnumbers import Citation

_EPOCH = datetime(1970, 1, 1)
_LEADING = re.compile(r"\d+")


@dataclass(frozen=True)
class CitingArticle:
    """An article that cites a document: where it was announced."""

    id: str
    title: str
    published: str | None  # ISO 8601 (+07:00)


@dataclass(frozen=True)
class RegisterEntry:
    """One cited document and how many articles cite it; `citing` only when asked for."""

    number: str
    doc_type: str | None
    issuer: str | None
    year: int | None
    issued: str | None  # ISO date written after the number, when any mention gives one
    articles: int
    first_published: str | None  # ISO 8601 (+07:00) of the oldest citing article
    last_published: str | None
    citing: list[CitingArticle] = field(default_factory=list)  # oldest first

    @property
    def doc_type_name(self) -> str | None:
        """Return the name of the kind (KH: Kế hoạch)."""
        return docnumbers.kinds().names.get(self.doc_type or "")

    @property
    def issuer_name(self) -> str | None:
        """Return the name of the issuer (UBND: Ủy ban nhân dân)."""
        return docnumbers.issuers().names.get(self.issuer or "")


def published_iso(minutes: int) -> str | None:
    """Return the ISO 8601 (+07:00) time of a `minutes` column value, None without a date."""
    if minutes == NO_DATE:
        return None
    return (_EPOCH + timedelta(minutes=int(minutes))).isoformat() + "+07:00"


def _mentions(snap: Snapshot) -> dict[tuple[str, int | None], list[tuple[int, Citation]]]:
    """Return the live articles' citations grouped by (number key, year)."""
    groups: dict[tuple[str, int | None], list[tuple[int, Citation]]] = defaultdict(list)
    for docnum in snap.cited:
        if snap.live[docnum]:
            for cited in snap.citations(docnum):
                groups[(cited.key(), cited.year)].append((docnum, cited))
    years: dict[str, list[int]] = defaultdict(list)
    for key, year in groups:
        if year is not None:
            years[key].append(year)
    for key, known in years.items():
        if len(known) == 1 and (key, None) in groups:  # one dated document: undated mentions join
            groups[(key, known[0])] += groups.pop((key, None))
    return groups


def _citing(snap: Snapshot, docnum: int) -> CitingArticle:
    """Return the id, title and date of a citing article."""
    stored = snap.fields(docnum)
    return CitingArticle(
        id=str(stored.get("id") or ""),
        title=str(stored.get("title") or ""),
        published=published_iso(int(snap.minutes[docnum])),
    )


def _entry(
    snap: Snapshot, year: int | None, mentions: list[tuple[int, Citation]], articles: bool
) -> RegisterEntry:
    """Return the entry of one document from its mentions, with the citing articles if asked."""
    docnums = sorted({d for d, _ in mentions}, key=lambda d: (int(snap.minutes[d]), d))
    dated = [int(snap.minutes[d]) for d in docnums if int(snap.minutes[d]) != NO_DATE]
    first = next((c for _, c in mentions if c.kind), mentions[0][1])
    issued = next((c.issued for _, c in mentions if c.issued and c.issued.year == year), None)
    return RegisterEntry(
        number=first.number,
        doc_type=first.kind,
        issuer=next((c.issuer for _, c in mentions if c.issuer), None),
        year=year,
        issued=issued.isoformat() if issued else None,
        articles=len(docnums),
        first_published=published_iso(min(dated)) if dated else None,
        last_published=published_iso(max(dated)) if dated else None,
        citing=[_citing(snap, d) for d in docnums] if articles else [],
    )


def _wanted(table: docnumbers.Table, value: str | None, code: str | None) -> bool:
    """Return whether a code passes a filter given as a code or a name (None passes all)."""
    if not value:
        return True
    folded = text.fold(text.normalize(value)).strip()
    return code is not None and (code in table.find(value) or text.fold(code) == folded)


def _order(entry: RegisterEntry) -> tuple[int, str, str, int, str]:
    """Sort newest year first (unknown last), then by kind, issuer and the number's digits."""
    digits = _LEADING.match(entry.number)
    return (
        -(entry.year or 0),
        entry.doc_type or "~",
        entry.issuer or "~",
        int(digits[0]) if digits else 0,
        entry.number,
    )


def _passes(
    entry: RegisterEntry, doc_type: str | None, issuer: str | None, year: int | None
) -> bool:
    """Return whether an entry passes the kind, issuer and year filters."""
    return (
        _wanted(docnumbers.kinds(), doc_type, entry.doc_type)
        and _wanted(docnumbers.issuers(), issuer, entry.issuer)
        and (year is None or entry.year == year)
    )


def register(
    snap: Snapshot,
    doc_type: str | None = None,
    issuer: str | None = None,
    year: int | None = None,
    articles: bool = False,
) -> list[RegisterEntry]:
    """Return the register entries that pass the filters, newest year first.

    With `articles`, each entry lists the articles citing it (read from the stored fields).
    """
    out = []
    for (_, found_year), mentions in _mentions(snap).items():
        entry = _entry(snap, found_year, mentions, False)
        if _passes(entry, doc_type, issuer, year):
            out.append(_entry(snap, found_year, mentions, True) if articles else entry)
    return sorted(out, key=_order)
