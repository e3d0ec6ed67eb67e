"""One opened index generation: per-document arrays, postings as numpy arrays, caches.

Loaded once per generation and shared by every request until the next switch; never mutated
after `open_snapshot()` returns except for its bounded caches (postings, prepared bodies) and
the memo of values derived once per generation.
"""

from __future__ import annotations

import contextlib
import sys
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

import numpy as np
import numpy.typing as npt
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher
from whoosh.filedb.filestore import FileStorage
from whoosh.reading import IndexReader, TermNotFound
from whoosh.searching import Searcher as WSearcher
from whoosh.util.numeric import byte_to_length

from searchsvc.errors import IndexUnavailable
from searchsvc.store.postings import read_postings
from searchsvc.store.schema import NO_DATE

K = TypeVar("K")
V = TypeVar("V")

IntArray = npt.NDArray[np.int32]
FloatArray = npt.NDArray[np.float32]
BoolArray = npt.NDArray[np.bool_]

_BYTE_TO_LENGTH = np.array([byte_to_length(b) for b in range(256)], dtype=np.float32)
_EMPTY_IDS: IntArray = np.zeros(0, dtype=np.int32)
_EMPTY_W: FloatArray = np.zeros(0, dtype=np.float32)


_PACK_MIN = 64  # postings lists shorter than this are cached as they are


@dataclass(frozen=True)
class Packed:
    """Postings held compactly in the cache: id gaps as uint16 and tf as uint8 when exact."""

    first: int
    ids: Any  # uint16 gaps after `first` (the first is 0), or the int32 ids themselves
    weights: Any  # uint8 or float32

    @classmethod
    def pack(cls, ids: IntArray, weights: FloatArray) -> Packed:
        """Return the compact form of (ids, weights), falling back to the arrays as they are."""
        if len(ids) < _PACK_MIN:  # packing short lists saves little and costs the most
            return cls(0, ids, weights)
        first = int(ids[0])
        gaps = np.diff(ids)
        packed_ids: Any = ids
        if int(gaps.min()) >= 0 and int(gaps.max()) <= 0xFFFF:
            packed_ids = np.empty(len(ids), dtype=np.uint16)
            packed_ids[0] = 0
            packed_ids[1:] = gaps
        small = weights.astype(np.uint8)
        exact = float(weights.min()) >= 0 and float(weights.max()) <= 255
        packed_w = small if exact and bool((small == weights).all()) else weights
        return cls(first, packed_ids, packed_w)

    def unpack(self) -> tuple[IntArray, FloatArray]:
        """Return the (int32 ids, float32 weights) this was packed from."""
        ids = self.ids
        if ids.dtype == np.uint16:
            ids = np.cumsum(ids, dtype=np.int32)
            ids += self.first
        return ids, self.weights.astype(np.float32, copy=False)

    @property
    def nbytes(self) -> int:
        """Return the bytes the arrays hold, plus a little for the objects."""
        return int(self.ids.nbytes + self.weights.nbytes) + 200


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


class PostingsCache(ByteLRU[tuple[str, str], Packed]):
    """A bounded LRU of decoded postings keyed by (field, term), held packed.

    At about 3 bytes a posting (8 unpacked), 48 MiB hold 2.7 times the postings the
    unpacked cache held; unpacking a hit costs a running sum, far below a decode.
    """

    def __init__(self, max_bytes: int = 48 * 1024 * 1024) -> None:
        super().__init__(max_bytes, lambda packed: packed.nbytes)

    def postings(self, key: tuple[str, str]) -> tuple[IntArray, FloatArray] | None:
        """Return the cached postings of a key, unpacked."""
        packed = self.get(key)
        return None if packed is None else packed.unpack()

    def keep(self, key: tuple[str, str], value: tuple[IntArray, FloatArray]) -> None:
        """Remember postings, packed."""
        self.put(key, Packed.pack(*value))


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


def _leaf_postings(reader: IndexReader, fieldname: str, term: str) -> tuple[Any, Any]:
    """Return the (ids, weights) arrays of one term in one segment."""
    decoded = read_postings(reader, fieldname, term)
    if decoded is not None:
        return decoded
    matcher = reader.postings(fieldname, term)
    if not isinstance(matcher, W3LeafMatcher):
        ids: list[int] = []
        weights: list[float] = []
        while matcher.is_active():
            ids.append(matcher.id())
            weights.append(matcher.weight())
            matcher.next()
        return np.array(ids, dtype=np.int64), np.array(weights, dtype=np.float32)
    # Read whole blocks (far cheaper than per-posting calls) into flat lists; each block's
    # ids are deltas starting from 0, so subtract the previous block's last id at its start.
    deltas: list[int] = []
    weights_out: list[float] = []
    starts: list[int] = []
    previous_max: list[int] = []
    last = 0
    while not matcher._atend:
        matcher._read_data()
        block_ids, block_weights, _ = matcher._data
        starts.append(len(deltas))
        previous_max.append(last)
        last = matcher._maxid
        deltas.extend(block_ids)
        count = matcher._blocklength
        if block_weights is None:
            weights_out.extend([1.0] * count)
        elif isinstance(block_weights, float):
            weights_out.extend([block_weights] * count)
        else:
            weights_out.extend(block_weights)
        matcher._next_block()
    flat = np.array(deltas, dtype=np.int64)
    flat[starts] -= np.array(previous_max, dtype=np.int64)
    return np.cumsum(flat), np.array(weights_out, dtype=np.float32)


def _column_list(reader: IndexReader, fieldname: str, column: Any = None) -> list[Any]:
    """Return every value of a column of one segment, or [] when the column is absent."""
    if not reader.has_column(fieldname):
        return []
    return list(
        reader.column_reader(fieldname, column) if column else reader.column_reader(fieldname)
    )


@dataclass
class Snapshot:
    """The arrays and readers of one generation."""

    path: Path
    token: str
    ix: Any
    searcher: WSearcher
    leaves: list[tuple[IndexReader, int]]
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
    cache: PostingsCache = field(default_factory=PostingsCache)
    bodies: BodyCache = field(default_factory=BodyCache)
    memo: dict[str, Any] = field(default_factory=dict)
    # Whoosh readers seek and read shared file handles: one thread at a time per snapshot.
    io_lock: threading.RLock = field(default_factory=threading.RLock)
    closed: bool = False

    def postings(self, fieldname: str, term: str) -> tuple[IntArray, FloatArray]:
        """Return global docnums and weights of a term in a field (cached)."""
        key = (fieldname, term)
        hit = self.cache.postings(key)
        if hit is not None:
            return hit
        id_parts: list[Any] = []
        w_parts: list[Any] = []
        with self.io_lock:
            for reader, offset in self.leaves:
                try:
                    ids, ws = _leaf_postings(reader, fieldname, term)
                except TermNotFound:
                    continue
                ids = ids + offset
                if reader.has_deletions():  # decoded postings still list deleted documents
                    keep = self.live[ids]
                    ids, ws = ids[keep], ws[keep]
                id_parts.append(ids)
                w_parts.append(ws)
        if id_parts:
            value = (np.concatenate(id_parts).astype(np.int32), np.concatenate(w_parts))
        else:
            value = (_EMPTY_IDS, _EMPTY_W)
        self.cache.keep(key, value)
        return value

    def doc_frequency(self, fieldname: str, term: str) -> int:
        """Return how many documents contain a term."""
        with self.io_lock:
            return int(self.searcher.doc_frequency(fieldname, term))

    def stored(self, docnum: int) -> dict[str, Any]:
        """Return the stored fields of a document."""
        with self.io_lock:
            fields: dict[str, Any] = self.searcher.stored_fields(docnum)
        return fields

    def document_numbers(self, article_id: str) -> list[int]:
        """Return every docnum (live or deleted) indexed under an article id."""
        with self.io_lock:
            return [int(d) for d in self.searcher.document_numbers(id=article_id)]

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


def _lengths(reader: IndexReader, fieldname: str, count: int) -> Any:
    """Return the field lengths of one segment as floats."""
    perdoc = getattr(reader, "_perdoc", None)
    if perdoc is not None and perdoc.has_column(f"_{fieldname}_L"):
        raw = list(perdoc.column_reader(f"_{fieldname}_L", LENGTHS_COLUMN))
        return _BYTE_TO_LENGTH[np.array(raw, dtype=np.uint8)]
    return np.array(
        [reader.doc_field_length(d, fieldname, 0) or 0 for d in range(count)], dtype=np.float32
    )


def _leaf_arrays(reader: IndexReader, count: int) -> dict[str, Any]:
    """Return the per-document values of one segment."""
    live = np.ones(count, dtype=np.bool_)
    if reader.has_deletions():
        deleted = getattr(reader, "deleted_docs_set", None)
        if deleted is None:  # other Whoosh versions: a method instead of the property
            deleted = set(reader.deleted_docs())
        for d in deleted:
            live[d] = False

    def ints(name: str, default: int) -> Any:
        values = _column_list(reader, name)
        return np.array(values or [default] * count, dtype=np.int64)

    titles = [b.decode("utf-8", "replace") for b in _column_list(reader, "title_col")]
    return {
        "live": live,
        "title_len": _lengths(reader, "title_f", count),
        "body_len": _lengths(reader, "body_f", count),
        "category": _column_list(reader, "category") or [""] * count,
        "year": ints("year", 0),
        "month": ints("month", 0),
        "minutes": ints("minutes", NO_DATE),
        "titles": titles or [""] * count,
    }


def open_snapshot(path: Path, token: str) -> Snapshot:
    """Open one generation directory and load its per-document arrays."""
    try:
        # No mmap: Whoosh reads a compound segment through mmap by copying every sub-file
        # into a BytesIO (the whole index in anonymous memory); plain reads copy nothing.
        ix = FileStorage(str(path), supports_mmap=False).open_index()
    except Exception as exc:
        raise IndexUnavailable(f"cannot open index at {path}: {exc}") from exc
    searcher = ix.searcher()
    try:
        leaves = [(r, int(off)) for r, off in searcher.reader().leaf_readers()]
        parts = [_leaf_arrays(r, r.doc_count_all()) for r, _ in leaves]
    except Exception as exc:
        _close_quietly(searcher)
        raise IndexUnavailable(f"cannot read index at {path}: {exc}") from exc

    def cat(name: str, dtype: Any) -> Any:
        arrays = [np.asarray(p[name]) for p in parts]
        return np.concatenate(arrays).astype(dtype) if arrays else np.zeros(0, dtype=dtype)

    names = [c for p in parts for c in p["category"]]
    categories = sorted({c for c in names if c})
    code = {c: i for i, c in enumerate(categories)}
    year = cat("year", np.int32)
    has_date = cat("minutes", np.int64) != NO_DATE
    snap = Snapshot(
        path=path,
        token=token,
        ix=ix,
        searcher=searcher,
        leaves=leaves,
        n=int(searcher.doc_count_all()),
        live=cat("live", np.bool_),
        title_len=cat("title_len", np.float32),
        body_len=cat("body_len", np.float32),
        category=np.array([code.get(c, -1) for c in names], dtype=np.int32),
        categories=categories,
        year=np.where(has_date, year, 0).astype(np.int32),
        month=np.where(has_date, cat("month", np.int32), 0).astype(np.int32),
        minutes=cat("minutes", np.int32),
        titles=[t for p in parts for t in p["titles"]],
    )
    # Close the files when the snapshot is dropped unclosed, even inside a reference cycle
    # (a weakref callback runs before the files' own finalizers could warn).
    weakref.finalize(snap, _close_quietly, searcher)
    return snap
