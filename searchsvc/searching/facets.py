"""Facets as small classes: each counts one per-document array over a match mask."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from searchsvc.store.snapshot import BoolArray, Snapshot

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


CATEGORY = CategoryFacet()
YEAR = NumberFacet("year", newest_first=True)
MONTH = NumberFacet("month", newest_first=False)
