"""Facets as small classes: each counts one per-document array over a match mask."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from searchsvc.store.snapshot import BoolArray, MultiValues, Snapshot

_MAX_BINCOUNT = 100_000  # values above this are counted by sorting instead


@dataclass(frozen=True)
class CategoryFacet:
    """Counts of matching articles per category, most frequent first."""

    name: str = "category"

    def counts(self, snap: Snapshot, mask: BoolArray) -> list[tuple[str, int]]:
        """Return (category, count) for every category with a match."""
        codes = snap.category[mask]
        codes = codes[codes >= 0]
        found = np.bincount(codes, minlength=len(snap.categories))
        pairs = [(snap.categories[i], int(c)) for i, c in enumerate(found) if c]
        return sorted(pairs, key=lambda p: (-p[1], p[0]))


@dataclass(frozen=True)
class NumberFacet:
    """Counts of matching articles per value of a dated integer array (year or month)."""

    name: str
    newest_first: bool

    def counts(self, snap: Snapshot, mask: BoolArray) -> list[tuple[str, int]]:
        """Return (value, count) for every value with a match, in calendar order."""
        values = getattr(snap, self.name)[mask]
        values = values[values > 0]
        if len(values) and int(values.max()) <= _MAX_BINCOUNT:  # years and months: no sort
            counts = np.bincount(values)
            found = np.flatnonzero(counts)
            counts = counts[found]
        else:
            found, counts = np.unique(values, return_counts=True)
        pairs = [(str(int(v)), int(c)) for v, c in zip(found, counts, strict=True)]
        return pairs[::-1] if self.newest_first else pairs


@dataclass(frozen=True)
class CitedFacet:
    """Counts of matching articles citing a document of each kind (or issuer), most first.

    An article citing a Kế hoạch and a Quyết định counts under both; one citing two
    Kế hoạch counts once.
    """

    name: str  # the Snapshot's MultiValues attribute: doc_type or issuer

    def counts(self, snap: Snapshot, mask: BoolArray) -> list[tuple[str, int]]:
        """Return (code, count) for every code with a match."""
        values: MultiValues = getattr(snap, self.name)
        return sorted(values.counts(mask), key=lambda p: (-p[1], p[0]))


CATEGORY = CategoryFacet()
YEAR = NumberFacet("year", newest_first=True)
MONTH = NumberFacet("month", newest_first=False)
DOC_TYPE = CitedFacet("doc_type")
ISSUER = CitedFacet("issuer")
