"""Build Whoosh segments with postings gathered in flat arrays instead of a sorting pool.

Whoosh's SegmentWriter pushes every posting as a tuple through a pool that sorts, spills
to disk and merges, then writes postings one Python call at a time: most of a build's CPU.
A `SegmentBuilder` keeps each field's postings as arrays of (term id, frequency) in
document order, with no Python work per posting: `Counter` counts a document's terms, a
`defaultdict` numbers them, `array.extend` stores them. When the memory budget is reached
(and at the end) numpy groups them by term and segfiles.py writes a complete W3 segment.
Stored fields, lengths and columns go through the codec's own per-document writer, exactly
as SegmentWriter does, so stock Whoosh reads the same index either way.
"""

from __future__ import annotations

import contextlib
import itertools
from array import array
from collections import Counter, defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
from whoosh.codec import default_codec
from whoosh.fields import UnknownFieldError
from whoosh.reading import SegmentReader
from whoosh.util.numeric import length_to_byte

from searchsvc.store import schema, segfiles, sidecar

# Memory held, measured on VNTC: a distinct term in a vocabulary (key, id, dict slot and the
# word caches of schema.py) and a posting (term id and frequency). Writing a segment then
# takes about 17 bytes more per posting of its largest field (sorted copies, argsort order).
VOCAB_BYTES = 160
POSTING_BYTES = 5
PENDING = 1 << 16  # term ids gathered in a list before they move into an array
CHECK_EVERY = 8  # documents between two looks at the memory held


class FieldPostings:
    """The postings of one indexed field in the segment being built, in document order."""

    def __init__(self, scorable: bool) -> None:
        self.vocab: defaultdict[Any, int] = defaultdict(itertools.count().__next__)
        self.pending: list[int] = []  # term ids not yet moved into `termids` (cheap to extend)
        self.termids = array("I")
        self.freqs = bytearray()  # capped at 255; larger frequencies are kept in `big`
        self.big: dict[int, int] = {}
        self.docs = array("I")  # docnums with postings in this field ...
        self.ends = array("Q")  # ... and where each one's postings end
        self.lengths = bytearray() if scorable else None  # length byte of each of those docs

    def __len__(self) -> int:
        return len(self.freqs)

    def add(self, docnum: int, counts: dict[Any, int], length: int) -> None:
        """Add one document's terms and their frequencies."""
        if not counts:
            return
        self.pending += map(self.vocab.__getitem__, counts)
        if len(self.pending) >= PENDING:
            self.termids.fromlist(self.pending)
            self.pending.clear()
        try:
            self.freqs += bytes(counts.values())
        except ValueError:  # a frequency over 255
            start = len(self.freqs)
            self.big.update((start + i, n) for i, n in enumerate(counts.values()) if n > 255)
            self.freqs += bytes(min(n, 255) for n in counts.values())
        self.docs.append(docnum)
        self.ends.append(len(self.freqs))
        if self.lengths is not None:
            self.lengths.append(length_to_byte(length))

    def sorted(self, doccount: int) -> segfiles.SortedPostings:
        """Return the postings grouped by term, terms in byte order, ending this object's use.

        Each array is released as soon as its sorted copy exists, so the peak stays near
        17 bytes per posting of this field (the argsort order takes 8).
        """
        terms = sorted(self.vocab)
        keys = self._ranks(terms)
        counts = np.bincount(keys, minlength=len(terms))
        order = np.argsort(keys, kind="stable")
        del keys
        docs = np.frombuffer(self.docs, dtype=np.uint32)
        per_doc = np.diff(np.frombuffer(self.ends, dtype=np.uint64), prepend=0)
        docnums = np.repeat(docs, per_doc.astype(np.int64))[order]
        weights = self._frequencies()[order]
        self.freqs = bytearray()
        lengths = None
        if self.lengths is not None:
            lengths = np.zeros(doccount, dtype=np.uint8)
            lengths[docs] = np.frombuffer(self.lengths, dtype=np.uint8)
        return segfiles.SortedPostings(terms, counts, docnums, weights, lengths)

    def _ranks(self, terms: list[Any]) -> Any:
        """Return each posting's term rank in sorted terms; release the vocabulary and ids."""
        ids = np.fromiter(map(self.vocab.__getitem__, terms), dtype=np.int64, count=len(terms))
        self.vocab.clear()
        rank = np.empty(len(terms), dtype=np.uint32)
        rank[ids] = np.arange(len(terms), dtype=np.uint32)
        self.termids.fromlist(self.pending)
        self.pending = []
        keys = rank[np.frombuffer(self.termids, dtype=np.uint32)]
        self.termids = array("I")
        return keys

    def _frequencies(self) -> Any:
        """Return every posting's frequency, in the order added."""
        freqs = np.frombuffer(self.freqs, dtype=np.uint8)
        if self.big:
            freqs = freqs.astype(np.uint32)
            for i, n in self.big.items():
                freqs[i] = n
        return freqs

    def memory(self) -> int:
        """Return an estimate of the bytes this field's postings hold."""
        return POSTING_BYTES * len(self.freqs) + VOCAB_BYTES * len(self.vocab)


def _item_counts(items: Iterable[tuple[bytes, int, float, bytes]]) -> tuple[dict[bytes, int], int]:
    """Return (term: frequency, length) of a stock field's index() items."""
    counts: dict[bytes, int] = {}
    length = 0
    for tbytes, freq, weight, vbytes in items:
        if weight != freq or vbytes:
            raise ValueError("SegmentBuilder indexes weight = frequency without values only")
        counts[tbytes] = freq
        length += freq
    return counts, length


class SegmentBuilder:
    """Write documents into new segments of an index; the caller commits the segment list."""

    def __init__(self, ix: Any, limitmb: int) -> None:
        self.storage = ix.storage
        self.indexname = ix.indexname
        self.schema = ix.schema
        self.codec = default_codec()
        self.budget = limitmb * 1024 * 1024
        self.segments: list[Any] = []
        for name, field in self.schema.items():
            if field.vector or field.separate_spelling():
                raise ValueError(f"SegmentBuilder does not write vectors or spelling ({name})")
        self._new_segment()

    def _new_segment(self) -> None:
        """Start a segment with no documents."""
        self.segment = self.codec.new_segment(self.storage, self.indexname)
        self.perdoc: Any = None
        self.docnum = 0
        self.fields = {
            name: FieldPostings(field.scorable)
            for name, field in self.schema.items()
            if field.indexed
        }

    def add_document(self, doc: dict[str, Any]) -> None:
        """Add one document (field name: value, as for Whoosh's add_document)."""
        names = sorted(doc)
        for name in names:
            if name not in self.schema or name.startswith("_"):
                raise UnknownFieldError(f"No field named {name!r} in the schema")
        if self.perdoc is None:
            self.perdoc = self.codec.per_document_writer(self.storage, self.segment)
        self.perdoc.start_doc(self.docnum)
        for name in names:
            if doc[name] is not None:
                self._add_field(name, doc[name])
        self.perdoc.finish_doc()
        self.docnum += 1
        if self.docnum % CHECK_EVERY == 0 and self.memory() >= self.budget:
            self.flush()

    def memory(self) -> int:
        """Return an estimate of the bytes the postings not yet written hold."""
        return sum(f.memory() for f in self.fields.values())

    def _add_field(self, name: str, value: Any) -> None:
        """Add one field value: postings, stored value, length and column value."""
        field = self.schema[name]
        length = 0
        if field.indexed:
            if isinstance(field, schema.TermCounts):
                terms = value if isinstance(value, list) else list(field._terms(value))
                counts: dict[Any, int] = Counter(terms)
                length = len(terms)
            else:
                counts, length = _item_counts(field.index(value))
            length = length if field.scorable else 0
            self.fields[name].add(self.docnum, counts, length)
        self.perdoc.add_field(name, field, value if field.stored else None, length)
        if field.column_type:
            self.perdoc.add_column_value(name, field.column_type, field.to_column_value(value))

    def flush(self) -> None:
        """Write the documents added since the last flush as a complete segment."""
        if self.docnum == 0:
            return
        self.perdoc.close()
        table = segfiles.TermTable(self.segment.create_file(self.storage, ".trm"))
        pst = segfiles.PostingsFile(self.segment.create_file(self.storage, ".pst"))
        final = sidecar.path_for(Path(self.storage.folder), self.segment)
        tmp = sidecar.temporary(final)
        with open(tmp, "wb") as out:
            side = sidecar.SidecarWriter(out)
            fieldmap = table.extras["fieldmap"]
            for name in sorted(self.fields):
                postings = self.fields.pop(name)
                if not len(postings):
                    continue
                fieldmap[name] = len(fieldmap)
                grouped = postings.sorted(self.docnum)
                del postings
                segfiles.write_field(fieldmap[name], grouped, pst, table)
                side.add_field(name, grouped.terms, grouped.counts, grouped.docs, grouped.weights)
                del grouped
            pst.close()
            table.close()
            self.segment.set_doc_count(self.docnum)
            self.segment.create_compound_file(self.storage)
            self.segment.compound = True
            reader = SegmentReader(self.storage, self.schema, self.segment)
            try:
                side.add_documents(reader)
            finally:
                reader.close()
        tmp.replace(final)
        self.segments.append(self.segment)
        self._new_segment()

    def finish(self) -> list[Any]:
        """Write the last segment; return every segment written (none without documents)."""
        self.flush()
        return self.segments

    def cancel(self) -> None:
        """Drop what is not yet written (the caller removes the generation directory)."""
        if self.perdoc is not None:
            with contextlib.suppress(Exception):  # the files are removed with the directory
                self.perdoc.close()
        self.perdoc = None
        self.fields.clear()
