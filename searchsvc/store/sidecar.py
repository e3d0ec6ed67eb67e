"""The read-optimized sidecar of one Whoosh segment: flat arrays in one file.

Whoosh stays the source of truth; each segment gets a `<segment id>.srd` file beside its own
files, derived from it when a generation is built or updated (Whoosh's `clean_files` removes
it with the segment). It holds, generically over the schema:
- for every indexed field, its terms in byte order (an 8-byte big-endian prefix per term for
  `searchsorted`, offsets into the term bytes) and each term's postings: segment docnums
  (int32) and weights (the smallest dtype that holds them exactly);
- the length of every scorable field per document (Whoosh's own length byte, decoded);
- every column (integers as int64, anything else as UTF-8 strings);
- the stored fields of every document (pickled, body aside) and the bodies as UTF-8;
- each body's head as snippets and phrase checks read it: the folded form of its first
  characters, normalized with single spaces (absent from sidecars written before it was).
Reading it costs no decoding, so a generation opens in milliseconds. An open sidecar keeps
its file descriptor and copies out just what a request needs with `os.pread`: one block of a
term table (found through every 64th key, kept in memory), a term's postings, a document's
stored fields or body. The page cache still shares the file between workers, but nothing of it
is mapped into a worker: with the file memory-mapped, every page any query had touched (with
the neighbours a page fault brings in) stayed in the worker's resident memory, up to the size
of the whole file.
"""

from __future__ import annotations

import bisect
import itertools
import json
import os
import pickle
import struct
import weakref
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import numpy.typing as npt
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3TermsReader
from whoosh.reading import IndexReader
from whoosh.util.numeric import byte_to_length

from searchsvc.store.postings import decode
from searchsvc.store.schema import BODY_HEAD_CHARS
from searchsvc.vietnamese import text

FORMAT = 1
SUFFIX = ".srd"
_MAGIC = b"SSRD\x00\x01\r\n"
_HEAD = struct.Struct("<8sQ")  # magic, offset of the JSON table of contents
_EMPTY_IDS = np.zeros(0, dtype=np.int32)
_EMPTY_W = np.zeros(0, dtype=np.uint8)
BLOCK = 64  # keys of a term table per entry of its in-memory sparse index
SCAN_BYTES = 1 << 16  # terms sharing a key are read at once up to this many bytes
_NATIVE_U64 = np.dtype("=u8")
_NATIVE_I64 = np.dtype("=i8")
_PAIR = struct.Struct("=qq")
_TABLE_PARTS = ("key", "term:off", "poff")
_BYTE_TO_LENGTH = np.array([byte_to_length(b) for b in range(256)], dtype=np.float32)


class SidecarError(Exception):
    """A sidecar file is missing, of another format, or damaged."""


def path_for(gen_dir: Path, segment: Any) -> Path:
    """Return where the sidecar of a Whoosh segment lives in a generation directory."""
    return Path(gen_dir) / f"{segment.segment_id()}{SUFFIX}"


def temporary(path: Path) -> Path:
    """Return the name a sidecar is written under before its rename.

    Hidden: Whoosh gathers every file named `<segment id>.*` into a new compound segment
    file, and its `clean_files` leaves names starting with a dot alone.
    """
    return path.with_name(f".{path.name}.tmp")


def prefix_keys(terms: list[bytes]) -> npt.NDArray[np.uint64]:
    """Return the first 8 bytes of each term (zero-padded) as big-endian integers."""
    blob = b"".join(t[:8].ljust(8, b"\0") for t in terms)
    return np.frombuffer(blob, dtype=">u8").astype(np.uint64)


def _key(term: bytes) -> np.uint64:
    """Return the prefix key of one term."""
    return np.uint64(int.from_bytes(term[:8].ljust(8, b"\0"), "big"))


def smallest_dtype(values: Any) -> Any:
    """Return values as uint8 or uint16 when they are such integers exactly, else float32."""
    values = np.asarray(values, dtype=np.float32)
    if not len(values):
        return _EMPTY_W
    if float(values.min()) >= 0 and bool((values == np.floor(values)).all()):
        top = float(values.max())
        if top <= 0xFF:
            return values.astype(np.uint8)
        if top <= 0xFFFF:
            return values.astype(np.uint16)
    return values


class _ArrayFile:
    """Writes named arrays one after the other (8-byte aligned), then a JSON table of them."""

    def __init__(self, out: BinaryIO) -> None:
        self.out = out
        self.table: dict[str, list[Any]] = {}
        out.write(_HEAD.pack(_MAGIC, 0))

    def add(self, name: str, values: Any) -> None:
        """Append one array under a name."""
        array = np.ascontiguousarray(values)
        pad = -self.out.tell() % 8
        self.out.write(b"\0" * pad)
        self.table[name] = [array.dtype.str, self.out.tell(), int(array.size)]
        self.out.write(array.tobytes())

    def strings(self, name: str, values: list[bytes]) -> None:
        """Append byte strings as a blob and its offsets."""
        offsets = np.zeros(len(values) + 1, dtype=np.int64)
        np.cumsum([len(v) for v in values], out=offsets[1:])
        self.add(f"{name}:off", offsets)
        self.add(f"{name}:bin", np.frombuffer(b"".join(values), dtype=np.uint8))

    def close(self, meta: dict[str, Any]) -> None:
        """Write the table of contents and point the header at it."""
        at = self.out.tell()
        self.out.write(json.dumps({**meta, "arrays": self.table}).encode("utf-8"))
        self.out.seek(0)
        self.out.write(_HEAD.pack(_MAGIC, at))


def _terminfos(reader: IndexReader, fieldname: str) -> Iterator[tuple[bytes, Any]]:
    """Yield (term bytes, term info) of a field in byte order."""
    terms = getattr(reader, "_terms", None)
    if isinstance(terms, W3TermsReader):
        for (name, tbytes), info in terms.items_from(fieldname, b""):
            if name != fieldname:
                return
            yield tbytes, info
        return
    for tbytes in reader.lexicon(fieldname):
        yield tbytes, reader.term_info(fieldname, tbytes)


def _term_postings(reader: IndexReader, fieldname: str, tbytes: bytes, info: Any) -> Any:
    """Return (ids, weights) of one term of a segment."""
    if info.is_inlined():
        ids, weights, _ = info.inlined_postings()
        return list(ids), [1.0 if w is None else w for w in weights]
    terms = getattr(reader, "_terms", None)
    if isinstance(terms, W3TermsReader):
        offset, length = info.extent()
        if isinstance(length, tuple):
            length = length[0]
        decoded = decode(terms._postfile.get(offset, length), int(info.doc_frequency()))
        if decoded is not None:
            return decoded
    matcher = reader.postings(fieldname, reader.schema[fieldname].from_bytes(tbytes))
    ids_out: list[int] = []
    weights_out: list[float] = []
    while matcher.is_active():
        ids_out.append(matcher.id())
        weights_out.append(matcher.weight())
        matcher.next()
    return ids_out, weights_out


def _derive_field(reader: IndexReader, fieldname: str) -> tuple[list[bytes], Any, Any, Any]:
    """Return (terms, counts, docnums, weights) of one indexed field read from Whoosh."""
    terms: list[bytes] = []
    counts: list[int] = []
    ids: list[Any] = []
    weights: list[Any] = []
    small_ids: list[int] = []
    small_w: list[float] = []
    for tbytes, info in _terminfos(reader, fieldname):
        got_ids, got_w = _term_postings(reader, fieldname, tbytes, info)
        terms.append(tbytes)
        counts.append(len(got_ids))
        if isinstance(got_ids, list):
            small_ids.extend(got_ids)
            small_w.extend(got_w)
            continue
        if small_ids:
            ids.append(np.array(small_ids, dtype=np.int64))
            weights.append(np.array(small_w, dtype=np.float32))
            small_ids, small_w = [], []
        ids.append(got_ids)
        weights.append(got_w)
    ids.append(np.array(small_ids, dtype=np.int64))
    weights.append(np.array(small_w, dtype=np.float32))
    return terms, counts, np.concatenate(ids), np.concatenate(weights)


def segment_lengths(reader: IndexReader, fieldname: str, count: int) -> Any:
    """Return the field lengths of one segment as float32 (Whoosh's length byte, decoded)."""
    perdoc = getattr(reader, "_perdoc", None)
    if perdoc is not None and perdoc.has_column(f"_{fieldname}_L"):
        raw = list(perdoc.column_reader(f"_{fieldname}_L", LENGTHS_COLUMN))
        return _BYTE_TO_LENGTH[np.array(raw, dtype=np.uint8)]
    return np.array(
        [reader.doc_field_length(d, fieldname, 0) or 0 for d in range(count)], dtype=np.float32
    )


def _is_int64(value: Any) -> bool:
    """Return whether a column value is an integer that fits in int64."""
    return (
        isinstance(value, int | np.integer)
        and not isinstance(value, bool)
        and -(2**63) <= int(value) < 2**63
    )


def _write_columns(out: _ArrayFile, reader: IndexReader, count: int) -> dict[str, str]:
    """Append every column of the segment; return each column's kind ("int" or "str")."""
    kinds: dict[str, str] = {}
    for name in reader.schema.names():
        if not reader.has_column(name):
            continue
        try:
            values = list(reader.column_reader(name))
        except (OverflowError, ValueError):  # e.g. a datetime column's "no date" sentinel
            values = list(reader.column_reader(name, translate=False))
        if len(values) != count:
            continue
        if all(_is_int64(v) for v in values):
            out.add(f"col:{name}", np.array(values, dtype=np.int64))
            kinds[name] = "int"
        else:
            raw = [v if isinstance(v, bytes) else str(v or "").encode("utf-8") for v in values]
            out.strings(f"col:{name}", raw)
            kinds[name] = "str"
    return kinds


def _write_stored(out: _ArrayFile, reader: IndexReader, count: int) -> None:
    """Append the stored fields of every document (bodies apart, as UTF-8), and their heads.

    A body's head is the folded form of its first BODY_HEAD_CHARS, normalized with single
    spaces (`text.prepared`): what phrase checks and adjacency checks read, and what a
    snippet marks, without preparing the body at every query.
    """
    records: list[bytes] = []
    bodies: list[bytes] = []
    heads: list[bytes] = []
    for docnum in range(count):
        fields = dict(reader.stored_fields(docnum))
        body = str(fields.pop("body", "") or "")
        bodies.append(body.encode("utf-8"))
        heads.append(text.prepared(body[:BODY_HEAD_CHARS])[1].encode("utf-8"))
        records.append(pickle.dumps(fields, protocol=pickle.HIGHEST_PROTOCOL))
    out.strings("stored", records)
    out.strings("body", bodies)
    out.strings("head", heads)


class SidecarWriter:
    """Writes one segment's sidecar: each indexed field's postings, then the documents."""

    def __init__(self, out: BinaryIO) -> None:
        self.file = _ArrayFile(out)
        self.fields: list[str] = []

    def add_field(self, name: str, terms: list[Any], counts: Any, docs: Any, weights: Any) -> None:
        """Append a field's postings: terms in byte order, their counts, docnums and weights."""
        raw = [t.encode("utf-8") if isinstance(t, str) else bytes(t) for t in terms]
        poff = np.zeros(len(raw) + 1, dtype=np.int64)
        np.cumsum(counts, out=poff[1:])
        self.file.add(f"t:{name}:key", prefix_keys(raw))
        self.file.strings(f"t:{name}:term", raw)
        self.file.add(f"t:{name}:poff", poff)
        self.file.add(f"t:{name}:ids", np.asarray(docs).astype(np.int32))
        self.file.add(f"t:{name}:w", smallest_dtype(weights))
        self.fields.append(name)

    def add_documents(self, reader: IndexReader) -> None:
        """Append the lengths, columns and stored fields of a segment, and finish the file."""
        count = int(reader.doc_count_all())
        schema = reader.schema
        scorable = [n for n in schema.names() if schema[n].scorable]
        for name in scorable:
            self.file.add(f"len:{name}", segment_lengths(reader, name, count))
        columns = _write_columns(self.file, reader, count)
        _write_stored(self.file, reader, count)
        meta = {"format": FORMAT, "doccount": count, "fields": self.fields, "lengths": scorable}
        meta["head_chars"] = BODY_HEAD_CHARS
        self.file.close({**meta, "columns": columns})


def write(reader: IndexReader, out: BinaryIO) -> None:
    """Write the sidecar of one segment reader (deleted documents included) to a file."""
    writer = SidecarWriter(out)
    indexed = set(reader.indexed_field_names())
    for name in reader.schema.names():
        if name in indexed:
            writer.add_field(name, *_derive_field(reader, name))
    writer.add_documents(reader)


def write_file(reader: IndexReader, path: Path) -> None:
    """Write a sidecar file atomically (a temporary name, flushed, then renamed)."""
    tmp = temporary(path)
    with open(tmp, "wb") as out:
        write(reader, out)
        out.flush()
        os.fsync(out.fileno())
    os.replace(tmp, path)


def _read_exactly(fd: int, view: memoryview, offset: int) -> None:
    """Fill a writable byte view from a file at an offset; raise SidecarError when it ends."""
    done = 0
    while done < len(view):
        got = os.preadv(fd, [view[done:]], offset + done)
        if got <= 0:
            raise SidecarError(f"sidecar file ends before byte {offset + len(view)}")
        done += got


@dataclass(frozen=True)
class _Table:
    """Where one field's term table lies in a sidecar file, and its sparse key index."""

    sparse: list[int]  # every BLOCK-th key
    count: int
    keys_at: int
    off_at: int  # of the term offsets
    poff_at: int  # of the posting offsets
    native: bool  # keys and offsets in this machine's byte order: read without numpy


def _first_if_short(lo: int, length: int, term: bytes) -> int:
    """Return lo when the first term sharing a short term's key (of that length) is it, or -1.

    Terms sharing a key of at most 8 bytes are it padded with NULs or longer: in byte order
    the term itself, if stored, is the first of them.
    """
    return lo if length == len(term) else -1


def _tail(fd: int, at: int) -> bytes:
    """Return the bytes of a file from an offset to its end."""
    size = os.fstat(fd).st_size
    if not 0 <= at <= size:
        raise ValueError(f"table of contents at {at}, beyond the end ({size})")
    return os.pread(fd, size - at, at)


class Sidecar:
    """The arrays of one segment's sidecar, read from its file with pread, or from a buffer."""

    def __init__(self, buffer: Any, name: str = "sidecar", fd: int | None = None) -> None:
        """Read the table of contents from the buffer, or from the file when fd is given."""
        self.buffer = buffer  # None with a file: then every read is a pread
        self.fd = fd
        head = bytes(buffer[: _HEAD.size]) if fd is None else os.pread(fd, _HEAD.size, 0)
        magic, at = _HEAD.unpack(head)
        if magic != _MAGIC:
            raise SidecarError(f"{name} is not a searchsvc sidecar of format {FORMAT}")
        try:
            toc = bytes(buffer[at:]) if fd is None else _tail(fd, at)
            meta = json.loads(toc.decode("utf-8"))
        except ValueError as exc:
            raise SidecarError(f"{name}: damaged table of contents") from exc
        if meta.get("format") != FORMAT:
            raise SidecarError(f"{name} has format {meta.get('format')}, not {FORMAT}")
        self.meta = meta
        self.doccount = int(meta["doccount"])
        self.fields = set(meta["fields"])
        self.columns: dict[str, str] = dict(meta["columns"])
        self._arrays: dict[str, Any] = {}
        self._layout = {k: (np.dtype(d), int(o), int(n)) for k, (d, o, n) in meta["arrays"].items()}
        self._tables: dict[str, _Table] = {}

    def array(self, name: str) -> Any:
        """Return one named array (a read-only view of the buffer)."""
        found = self._arrays.get(name)
        if found is None:
            dtype, offset, count = self.meta["arrays"][name]
            found = np.frombuffer(self.buffer, dtype=np.dtype(dtype), count=count, offset=offset)
            self._arrays[name] = found
        return found

    def _pread(self, at: int, size: int) -> bytes:
        """Return size bytes of the file from an offset; raise SidecarError when it ends."""
        assert self.fd is not None
        raw = os.pread(self.fd, size, at)
        while len(raw) < size:
            more = os.pread(self.fd, size - len(raw), at + len(raw))
            if not more:
                raise SidecarError(f"sidecar file ends before byte {at + size}")
            raw += more
        return raw

    def read_into(self, name: str, start: int, out: Any) -> None:
        """Copy elements of a named array from index start on into out (same dtype, contiguous)."""
        if self.fd is None:
            out[...] = self.array(name)[start : start + len(out)]
            return
        dtype, offset, _ = self._layout[name]
        _read_exactly(self.fd, memoryview(out).cast("B"), offset + start * dtype.itemsize)

    def read(self, name: str, start: int = 0, stop: int | None = None) -> Any:
        """Return elements start..stop of a named array (all by default): a view, or a copy read."""
        dtype, offset, count = self._layout[name]
        stop = count if stop is None else stop
        if self.fd is None:
            return self.array(name)[start:stop]
        size = max(0, stop - start) * dtype.itemsize
        return np.frombuffer(self._pread(offset + start * dtype.itemsize, size), dtype=dtype)

    def _pair(self, name: str, i: int) -> tuple[int, int]:
        """Return elements i and i + 1 of a named integer array."""
        dtype, offset, _ = self._layout[name]
        if self.fd is not None and dtype == _NATIVE_I64:
            a, b = _PAIR.unpack(self._pread(offset + 8 * i, 16))
        else:
            a, b = self.read(name, i, i + 2).tolist()
        return int(a), int(b)

    def _bytes(self, name: str, start: int, stop: int) -> bytes:
        """Return bytes start..stop of a named byte blob."""
        if self.fd is None:
            raw: bytes = self.array(name)[start:stop].tobytes()
            return raw
        return self._pread(self._layout[name][1] + start, stop - start)

    def _record(self, name: str, i: int) -> bytes:
        """Return the i-th byte string of a blob."""
        return self._bytes(f"{name}:bin", *self._pair(f"{name}:off", i))

    def strings(self, name: str) -> list[str]:
        """Return every string of a blob, decoded."""
        off = self.read(f"{name}:off").tolist()
        blob = self._bytes(f"{name}:bin", 0, int(off[-1])) if off else b""
        return [blob[a:b].decode("utf-8", "replace") for a, b in itertools.pairwise(off)]

    def _table(self, fieldname: str) -> _Table:
        """Return where a field's term table lies, with its sparse key index (read once)."""
        found = self._tables.get(fieldname)
        if found is None:
            keys, off, poff = (self._layout[f"t:{fieldname}:{part}"] for part in _TABLE_PARTS)
            found = _Table(
                self.read(f"t:{fieldname}:key")[::BLOCK].tolist(),
                keys[2],
                keys[1],
                off[1],
                poff[1],
                (keys[0], off[0], poff[0]) == (_NATIVE_U64, _NATIVE_I64, _NATIVE_I64),
            )
            self._tables[fieldname] = found
        return found

    def load_key_index(self) -> None:
        """Read the sparse key index of every field now rather than at first lookup."""
        if self.fd is not None:
            for fieldname in self.fields:
                self._table(fieldname)

    def term_index(self, fieldname: str, term: bytes) -> int:
        """Return the position of a term in its field's table, or -1."""
        if fieldname not in self.fields:
            return -1
        if self.fd is None:
            return self._buffer_index(fieldname, term)
        table = self._table(fieldname)
        if not table.native:
            return self._buffer_index(fieldname, term, self.read(f"t:{fieldname}:key"))
        key = int.from_bytes(term[:8].ljust(8, b"\0"), "big")
        j = bisect.bisect_left(table.sparse, key)  # the first key >= key: block j - 1, or j
        start = (j - 1) * BLOCK if j else 0
        stop = min(table.count, j * BLOCK + 1)
        keys = memoryview(self._pread(table.keys_at + 8 * start, 8 * (stop - start))).cast("Q")
        at = bisect.bisect_left(keys, key)
        if at == len(keys) or keys[at] != key:
            return -1
        lo = start + at
        if len(term) <= 8:
            a, b = _PAIR.unpack(self._pread(table.off_at + 8 * lo, 16))
            return _first_if_short(lo, b - a, term)
        # Every key from the next sparse entry above key on is greater than key.
        hi = min(table.count, bisect.bisect_right(table.sparse, key) * BLOCK)
        return self._scan(fieldname, term, lo, hi)

    def _buffer_index(self, fieldname: str, term: bytes, keys: Any = None) -> int:
        """Return the position of a term in its field's table, keys searched in memory."""
        keys = self.array(f"t:{fieldname}:key") if keys is None else keys
        key = _key(term)
        lo = int(keys.searchsorted(key))
        if lo == len(keys) or keys[lo] != key:
            return -1
        if len(term) <= 8:
            a, b = self._pair(f"t:{fieldname}:term:off", lo)
            return _first_if_short(lo, b - a, term)
        return self._scan(fieldname, term, lo, int(keys.searchsorted(key, "right")))

    def _scan(self, fieldname: str, term: bytes, lo: int, hi: int) -> int:
        """Binary-search terms lo..hi (every one from hi on is greater) for a term."""
        name = f"t:{fieldname}:term"
        off = self.read(f"{name}:off", lo, hi + 1).tolist()
        first, last = off[0], off[-1]
        blob = self._bytes(f"{name}:bin", first, last) if last - first <= SCAN_BYTES else None
        base = lo
        while lo < hi:  # terms sharing the 8-byte prefix, in byte order
            mid = (lo + hi) // 2
            a, b = off[mid - base], off[mid + 1 - base]
            here = (
                blob[a - first : b - first]
                if blob is not None
                else self._bytes(f"{name}:bin", a, b)
            )
            if here == term:
                return mid
            lo, hi = (mid + 1, hi) if here < term else (lo, mid)
        return -1

    def span(self, fieldname: str, term: bytes) -> tuple[int, int]:
        """Return where a term's postings lie in its field's arrays (empty when absent)."""
        i = self.term_index(fieldname, term)
        if i < 0:
            return 0, 0
        table = self._tables.get(fieldname)
        if table is not None and table.native:
            a, b = _PAIR.unpack(self._pread(table.poff_at + 8 * i, 16))
            return int(a), int(b)
        return self._pair(f"t:{fieldname}:poff", i)

    def postings(self, fieldname: str, term: bytes) -> tuple[Any, Any]:
        """Return (segment docnums, weights) of a term, empty when it is absent."""
        a, b = self.span(fieldname, term)
        if a == b:
            return _EMPTY_IDS, _EMPTY_W
        return self.read(f"t:{fieldname}:ids", a, b), self.read(f"t:{fieldname}:w", a, b)

    def doc_frequency(self, fieldname: str, term: bytes) -> int:
        """Return how many documents of the segment (deleted ones too) hold a term."""
        a, b = self.span(fieldname, term)
        return b - a

    def terms(self, fieldname: str) -> tuple[list[str], Any]:
        """Return a field's terms (decoded) and their document frequencies."""
        if fieldname not in self.fields:
            return [], np.zeros(0, dtype=np.int64)
        return self.strings(f"t:{fieldname}:term"), np.diff(self.read(f"t:{fieldname}:poff"))

    def lengths(self, fieldname: str) -> Any:
        """Return a scorable field's length per document as float32."""
        if f"len:{fieldname}" not in self.meta["arrays"]:
            return np.zeros(self.doccount, dtype=np.float32)
        return self.read(f"len:{fieldname}")

    def column(self, name: str) -> Any:
        """Return a column: int64 values, or a list of strings; None when absent."""
        kind = self.columns.get(name)
        if kind is None:
            return None
        return self.read(f"col:{name}") if kind == "int" else self.strings(f"col:{name}")

    def stored(self, docnum: int) -> dict[str, Any]:
        """Return the stored fields of a document, body included."""
        fields = self.stored_without_body(docnum)
        fields["body"] = self.body(docnum)
        return fields

    def stored_without_body(self, docnum: int) -> dict[str, Any]:
        """Return the stored fields of a document except the body."""
        fields: dict[str, Any] = pickle.loads(self._record("stored", docnum))
        return fields

    def folded_head(self, docnum: int) -> str | None:
        """Return a body's prepared folded head (see `_write_stored`), None in older sidecars."""
        if self.meta.get("head_chars") != BODY_HEAD_CHARS or "head:off" not in self._layout:
            return None
        return self._record("head", docnum).decode("utf-8")

    def body(self, docnum: int, max_bytes: int | None = None) -> str:
        """Return the stored body of a document (its first max_bytes, cut at a character)."""
        a, b = self._pair("body:off", docnum)
        if max_bytes is not None:
            b = min(b, a + max_bytes)
        return self._bytes("body:bin", a, b).decode("utf-8", "ignore")


def open_file(path: Path) -> Sidecar:
    """Open a sidecar file read-only; raise SidecarError when it cannot be used.

    The descriptor stays open for `pread` until the sidecar is garbage-collected.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except OSError as exc:
        raise SidecarError(f"cannot open {path}: {exc}") from exc
    try:
        side = Sidecar(None, str(path), fd)
    except (OSError, ValueError, SidecarError, struct.error, KeyError, TypeError) as exc:
        os.close(fd)
        raise SidecarError(f"{path}: {exc}") from exc
    weakref.finalize(side, os.close, fd)
    return side


def derive(reader: IndexReader) -> Sidecar:
    """Return the sidecar of a segment built in memory (for a segment written without one)."""
    import io

    out = io.BytesIO()
    write(reader, out)
    return Sidecar(out.getbuffer(), "derived sidecar")


def write_missing(gen_dir: Path) -> int:
    """Write the sidecar of every segment of a generation that has none; return how many."""
    from whoosh.filedb.filestore import FileStorage

    ix = FileStorage(str(gen_dir), supports_mmap=False).open_index()
    written = 0
    with ix.reader() as reader:
        for leaf, _ in reader.leaf_readers():
            path = path_for(gen_dir, leaf._segment)
            if not path.exists():
                write_file(leaf, path)
                written += 1
    return written
