"""One opened index generation: per-document arrays, postings and stored fields from sidecars.

Every segment's read-optimized sidecar (sidecar.py) is opened once: postings are read from
each into joined arrays, per-document arrays are joined once at open. Loaded once per generation and
shared by every request until the next switch; never mutated after `open_snapshot()` returns
except for its bounded cache of prepared bodies and the memo of values derived once per
generation. A segment without a sidecar (an index written by an older version) gets one
derived in memory at open, so such an index still opens, only more slowly.
"""

from __future__ import annotations

import contextlib
import struct
import sys
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

import numpy as np
import numpy.typing as npt
from whoosh.filedb.filestore import FileStorage
from whoosh.reading import IndexReader
from whoosh.searching import Searcher as WSearcher

from searchsvc.errors import IndexUnavailable
from searchsvc.store import sidecar
from searchsvc.store.schema import NO_DATE
from searchsvc.store.sidecar import Sidecar
from searchsvc.vietnamese.docnumbers import Citation

K = TypeVar("K")
V = TypeVar("V")

IntArray = npt.NDArray[np.int32]
FloatArray = npt.NDArray[np.float32]
BoolArray = npt.NDArray[np.bool_]

_EMPTY_IDS: IntArray = np.zeros(0, dtype=np.int32)
_EMPTY_W: FloatArray = np.zeros(0, dtype=np.float32)


class ByteLRU(Generic[K, V]):
    """A thread-safe LRU bounded by the bytes its values take, as `measure` counts them."""

    def __init__(self, max_bytes: int, measure: Callable[[V], int]) -> None:
        self.max_bytes = max_bytes
        self.measure = measure
        self.used = 0
        self.items: OrderedDict[K, V] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: K) -> V | None:
        """Return the value of a key, marking it recently used."""
        with self.lock:
            value = self.items.get(key)
            if value is not None:
                self.items.move_to_end(key)
            return value

    def put(self, key: K, value: V) -> None:
        """Remember a value (first one wins), evicting the least recently used beyond budget."""
        with self.lock:
            if key in self.items:
                return
            self.items[key] = value
            self.used += self.measure(value)
            while self.used > self.max_bytes and len(self.items) > 1:
                _, old = self.items.popitem(last=False)
                self.used -= self.measure(old)


class PostingsCache(ByteLRU[tuple[str, str], tuple[IntArray, FloatArray]]):
    """A bounded LRU of joined postings keyed by (field, term).

    Sidecar postings need no decoding, but joining a term's lists from several segments,
    offsetting ids and widening weights to float32 costs a copy, and the term lookups in
    every segment add up for the commonest words, which most queries share.
    """

    def __init__(self, max_bytes: int = 32 * 1024 * 1024) -> None:
        super().__init__(max_bytes, lambda value: int(value[0].nbytes + value[1].nbytes) + 200)


_SPAN = struct.Struct("=iqq")  # segment, first and last + 1 posting


class SpanCache(ByteLRU[tuple[str, str], bytes]):
    """A bounded LRU of where a term's postings lie, packed: (segment, start, stop) triples.

    Finding a term costs a binary search and three or four reads in every segment's table;
    its spans take a few dozen bytes. The postings cache keeps whole lists, which for the
    commonest words take hundreds of KB each and so are soon evicted, while the spans of
    the words and pairs of thousands of queries fit in a few MB.
    """

    def __init__(self, max_bytes: int = 6 * 1024 * 1024) -> None:
        super().__init__(max_bytes, lambda value: 300 + len(value))


class BodyCache(ByteLRU[tuple[str, int], tuple[str, ...]]):
    """A bounded LRU of prepared stored bodies keyed by (form, docnum).

    Forms: "prepared" holds (normalized, folded); "loose" holds (folded loosely,).

    Phrase verification and adjacency checks read the same long bodies again and again
    (the lowest docnums among a phrase's candidates); the strings are at most
    `snippets.MAX_BODY_CHARS` long, so a few MB hold hundreds of them.
    """

    def __init__(self, max_bytes: int = 12 * 1024 * 1024) -> None:
        super().__init__(max_bytes, _body_bytes)


def _body_bytes(value: tuple[str, ...]) -> int:
    """Return the memory the strings take."""
    return sum(sys.getsizeof(v) for v in value) + 100


@dataclass(frozen=True)
class MultiValues:
    """A property an article may have several values of: (document, value code) pairs."""

    values: list[str]
    docs: IntArray
    codes: IntArray

    @classmethod
    def build(cls, pairs: list[tuple[int, str]]) -> MultiValues:
        """Return the structure of (docnum, value) pairs (each pair once)."""
        unique = sorted(set(pairs))
        values = sorted({v for _, v in unique})
        code = {v: i for i, v in enumerate(values)}
        docs = np.array([d for d, _ in unique], dtype=np.int32)
        return cls(values, docs, np.array([code[v] for _, v in unique], dtype=np.int32))

    def mask(self, n: int, wanted: list[str]) -> BoolArray:
        """Return which of n documents have any of the wanted values."""
        out = np.zeros(n, dtype=np.bool_)
        codes = [i for i, v in enumerate(self.values) if v in wanted]
        out[self.docs[np.isin(self.codes, codes)]] = True
        return out

    def counts(self, mask: BoolArray) -> list[tuple[str, int]]:
        """Return (value, documents in mask with it) for every value with any."""
        found = np.bincount(self.codes[mask[self.docs]], minlength=len(self.values))
        return [(self.values[i], int(c)) for i, c in enumerate(found) if c]


_NO_VALUES = MultiValues([], np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.int32))


@dataclass
class Snapshot:
    """The arrays and sidecars of one generation."""

    path: Path
    token: str
    ix: Any
    searcher: WSearcher
    leaves: list[tuple[IndexReader, int]]
    sidecars: list[Sidecar]
    offsets: IntArray  # the first global docnum of each segment
    n: int
    live: BoolArray
    title_len: FloatArray
    body_len: FloatArray
    category: IntArray
    categories: list[str]
    year: IntArray
    month: IntArray
    minutes: IntArray
    titles: list[str]
    # What articles cite (docnum: `Citation.line()`s), kinds and issuers of those documents.
    cited: dict[int, str] = field(default_factory=dict)
    doc_type: MultiValues = _NO_VALUES
    issuer: MultiValues = _NO_VALUES
    has_citations: bool = False  # False for an index built before the `cited` column
    bodies: BodyCache = field(default_factory=BodyCache)
    cache: PostingsCache = field(default_factory=PostingsCache)
    spans: SpanCache = field(default_factory=SpanCache)
    memo: dict[str, Any] = field(default_factory=dict)
    # Whoosh readers seek and read shared file handles: one thread at a time per snapshot.
    io_lock: threading.RLock = field(default_factory=threading.RLock)
    closed: bool = False
    deletions: bool = False

    def postings(self, fieldname: str, term: str) -> tuple[IntArray, FloatArray]:
        """Return global docnums (int32) and weights (float32) of a term in a field.

        Read from every segment's sidecar straight into one joined pair of read-only arrays;
        kept in a bounded cache.
        """
        key = (fieldname, term)
        hit = self.cache.get(key)
        if hit is not None:
            return hit
        ids, weights = self.postings_with_deleted(fieldname, term)
        if self.deletions and len(ids):  # sidecars list deleted documents too
            keep = self.live[ids]
            ids, weights = ids[keep], weights[keep]
        ids.flags.writeable = False
        weights.flags.writeable = False
        self.cache.put(key, (ids, weights))
        return ids, weights

    def citations(self, docnum: int) -> list[Citation]:
        """Return the documents an article cites, in order of first mention."""
        lines = self.cited.get(docnum, "")
        found = (Citation.from_line(line) for line in lines.split("\n") if line)
        return [c for c in found if c is not None]

    def doc_frequency(self, fieldname: str, term: str) -> int:
        """Return how many documents contain a term (deleted ones too, as Whoosh counts)."""
        tbytes = term.encode("utf-8")
        return sum(side.doc_frequency(fieldname, tbytes) for side in self.sidecars)

    def _locate(self, docnum: int) -> tuple[Sidecar, int]:
        """Return the sidecar holding a global docnum and the docnum within it."""
        if not 0 <= docnum < self.n:
            raise KeyError(f"no document number {docnum}")
        i = int(np.searchsorted(self.offsets, docnum, "right")) - 1
        return self.sidecars[i], docnum - int(self.offsets[i])

    def stored(self, docnum: int) -> dict[str, Any]:
        """Return the stored fields of a document, body included."""
        side, local = self._locate(docnum)
        return side.stored(local)

    def fields(self, docnum: int) -> dict[str, Any]:
        """Return the stored fields of a document except its body (cheaper)."""
        side, local = self._locate(docnum)
        return side.stored_without_body(local)

    def body(self, docnum: int, max_chars: int | None = None) -> str:
        """Return a document's stored body, or its first max_chars characters."""
        side, local = self._locate(docnum)
        if max_chars is None:
            return side.body(local)
        return side.body(local, 4 * max_chars)[:max_chars]  # UTF-8: at most 4 bytes a char

    def folded_head(self, docnum: int) -> str | None:
        """Return a body's prepared folded head from its sidecar; None if that has none."""
        side, local = self._locate(docnum)
        return side.folded_head(local)

    def document_numbers(self, article_id: str) -> list[int]:
        """Return every docnum (live or deleted) indexed under an article id."""
        ids, _ = self.postings_with_deleted("id", article_id)
        return [int(d) for d in ids]

    def postings_with_deleted(self, fieldname: str, term: str) -> tuple[IntArray, FloatArray]:
        """Return the postings of a term, deleted documents included (new arrays)."""
        spans = self.term_spans(fieldname, term)
        total = sum(b - a for _, a, b in spans)
        if not total:
            return _EMPTY_IDS, _EMPTY_W
        ids = np.empty(total, dtype=np.int32)
        weights = np.empty(total, dtype=np.float32)
        at = 0
        for i, a, b in spans:
            side, offset = self.sidecars[i], int(self.offsets[i])
            part = ids[at : at + b - a]
            side.read_into(f"t:{fieldname}:ids", a, part)
            if offset:
                part += np.int32(offset)
            weights[at : at + b - a] = side.read(f"t:{fieldname}:w", a, b)
            at += b - a
        return ids, weights

    def term_spans(self, fieldname: str, term: str) -> list[tuple[int, int, int]]:
        """Return (segment, start, stop) of a term's postings in each segment that has any.

        Kept in a bounded cache, except for article ids (each is looked up on its own).
        """
        key = (fieldname, term)
        packed = self.spans.get(key)
        if packed is None:
            tbytes = term.encode("utf-8")
            found = [(i, *side.span(fieldname, tbytes)) for i, side in enumerate(self.sidecars)]
            packed = b"".join(_SPAN.pack(i, a, b) for i, a, b in found if a != b)
            if fieldname != "id":
                self.spans.put(key, packed)
        return list(_SPAN.iter_unpack(packed))

    def column(self, name: str) -> Any:
        """Return a column over every document: int64 array or list of strings; None if absent."""
        key = f"column:{name}"
        if key not in self.memo:
            parts = [side.column(name) for side in self.sidecars]
            value: Any = None
            if any(p is None for p in parts) or not parts:
                pass
            elif isinstance(parts[0], list):
                value = [v for p in parts for v in p]
            else:
                value = np.concatenate(parts)
            self.memo[key] = value
        return self.memo[key]

    def terms(self, fieldname: str) -> Iterator[tuple[str, int]]:
        """Yield (term, document frequency) of a field, segment by segment."""
        for side in self.sidecars:
            terms, dfs = side.terms(fieldname)
            yield from zip(terms, dfs.tolist(), strict=True)

    def close(self) -> None:
        """Release the readers (only once no request uses this snapshot)."""
        with self.io_lock:
            if not self.closed:
                self.closed = True
                _close_quietly(self.searcher)


def _close_quietly(searcher: WSearcher) -> None:
    """Close a Whoosh searcher, ignoring one already closed."""
    with contextlib.suppress(Exception):
        if not searcher.is_closed:
            searcher.close()


def _live_mask(reader: IndexReader, count: int) -> BoolArray:
    """Return which documents of a segment are not deleted."""
    live = np.ones(count, dtype=np.bool_)
    if reader.has_deletions():
        deleted = getattr(reader, "deleted_docs_set", None)
        if deleted is None:  # other Whoosh versions: a method instead of the property
            deleted = set(reader.deleted_docs())
        live[np.fromiter(deleted, dtype=np.int64, count=len(deleted))] = False
    return live


def _sidecar_of(path: Path, reader: IndexReader) -> Sidecar:
    """Map a segment's sidecar, or derive one in memory when it has none."""
    segment = getattr(reader, "_segment", None)
    found = sidecar.path_for(path, segment) if segment is not None else None
    if found is not None and found.exists():
        try:
            side = sidecar.open_file(found)
            side.load_key_index()  # at open, so that no first query pays for it
        except (sidecar.SidecarError, OSError):
            side = None  # damaged: Whoosh, the source of truth, gives it again
        if side is not None and side.doccount == reader.doc_count_all():
            return side
    return sidecar.derive(reader)


def _ints(parts: list[Sidecar], name: str, default: int, counts: list[int]) -> Any:
    """Return an integer column over every segment, a default where a segment lacks it."""
    out = []
    for side, count in zip(parts, counts, strict=True):
        values = side.column(name)
        out.append(np.full(count, default, dtype=np.int64) if values is None else values)
    return np.concatenate(out) if out else np.zeros(0, dtype=np.int64)


def _strings(parts: list[Sidecar], name: str, counts: list[int]) -> list[str]:
    """Return a string column over every segment, "" where a segment lacks it."""
    out: list[str] = []
    for side, count in zip(parts, counts, strict=True):
        values = side.column(name)
        out.extend([""] * count if values is None else [str(v) for v in values])
    return out


def _cited_values(snap: Snapshot) -> tuple[MultiValues, MultiValues]:
    """Return the kinds and the issuers of the documents each article cites."""
    kinds: list[tuple[int, str]] = []
    issuers: list[tuple[int, str]] = []
    for docnum in snap.cited:
        for cited in snap.citations(docnum):
            kinds += [(docnum, cited.kind)] if cited.kind else []
            issuers += [(docnum, cited.issuer)] if cited.issuer else []
    return MultiValues.build(kinds), MultiValues.build(issuers)


def open_snapshot(path: Path, token: str) -> Snapshot:
    """Open one generation directory: its Whoosh readers (deletions) and segment sidecars."""
    try:
        # No mmap: Whoosh reads a compound segment through mmap by copying every sub-file
        # into a BytesIO (the whole index in anonymous memory); plain reads copy nothing.
        ix = FileStorage(str(path), supports_mmap=False).open_index()
    except Exception as exc:
        raise IndexUnavailable(f"cannot open index at {path}: {exc}") from exc
    searcher = ix.searcher()
    try:
        leaves = [(r, int(off)) for r, off in searcher.reader().leaf_readers()]
        sides = [_sidecar_of(path, r) for r, _ in leaves]
        live_parts = [_live_mask(r, r.doc_count_all()) for r, _ in leaves]
    except Exception as exc:
        _close_quietly(searcher)
        raise IndexUnavailable(f"cannot read index at {path}: {exc}") from exc
    counts = [s.doccount for s in sides]
    names = _strings(sides, "category", counts)
    categories = sorted({c for c in names if c})
    code = {c: i for i, c in enumerate(categories)}
    minutes = _ints(sides, "minutes", NO_DATE, counts)
    has_date = minutes != NO_DATE

    def lengths(name: str) -> Any:
        parts = [s.lengths(name) for s in sides]
        return np.concatenate(parts).astype(np.float32) if parts else _EMPTY_W

    live = np.concatenate(live_parts) if live_parts else np.zeros(0, dtype=np.bool_)
    snap = Snapshot(
        path=path,
        token=token,
        ix=ix,
        searcher=searcher,
        leaves=leaves,
        sidecars=sides,
        offsets=np.array([off for _, off in leaves], dtype=np.int64),
        n=int(sum(counts)),
        live=live,
        title_len=lengths("title_f"),
        body_len=lengths("body_f"),
        category=np.array([code.get(c, -1) for c in names], dtype=np.int32),
        categories=categories,
        year=np.where(has_date, _ints(sides, "year", 0, counts), 0).astype(np.int32),
        month=np.where(has_date, _ints(sides, "month", 0, counts), 0).astype(np.int32),
        minutes=minutes.astype(np.int32),
        titles=_strings(sides, "title_col", counts),
        deletions=not bool(live.all()),
        cited={d: lines for d, lines in enumerate(_strings(sides, "cited", counts)) if lines},
        has_citations="cited" in ix.schema.names(),
    )
    snap.doc_type, snap.issuer = _cited_values(snap)
    # Close the files when the snapshot is dropped unclosed, even inside a reference cycle
    # (a weakref callback runs before the files' own finalizers could warn).
    weakref.finalize(snap, _close_quietly, searcher)
    return snap
