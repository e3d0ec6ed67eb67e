"""Encode posting lists grouped by term into the W3 codec's postings and terms files.

The bytes are those of `whoosh.codec.whoosh3` (W3PostingsWriter blocks of at most 128
postings, W3TermInfo records in an OrderedHashWriter table), so stock readers and
the whole-term reader of postings.py see an ordinary segment. What differs is how they are made:
block statistics come from numpy over many terms at once, and each block is one pickle
call, instead of several Python calls per posting. Blocks whose pickle is tiny are stored
uncompressed (their info tuple says so); zlib only made them longer.
"""

from __future__ import annotations

import itertools
import pickle
import struct
import zlib
from array import array
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from whoosh.codec import whoosh3 as w3
from whoosh.filedb.filetables import HashWriter
from whoosh.system import pack_ushort

BLOCK = 128  # postings per block, as W3Codec's default blocklimit
CHUNK = 1 << 18  # postings turned into Python lists at a time
COMPRESS_MIN = 256  # block pickles shorter than this are stored uncompressed
COMPRESSION = 3  # zlib level of W3Codec

_MAGIC = b"W3Bl"
# W3TermInfo's struct, then the extent of a posting list (pack_long offset, pack_int length).
_TERMINFO = struct.Struct("!BfIBBfIIqi")
_INT = struct.Struct("!i")  # a block's signed length
_ENTRY = struct.Struct("!ii")  # key and value lengths of a hash table entry
_SLOT = np.dtype([("h", ">u4"), ("p", ">i8")])  # a hash table slot, as struct "!Iq"


@dataclass
class SortedPostings:
    """One field's postings grouped by term: terms in byte order, then docnums and weights.

    `counts[i]` postings of `terms[i]` follow those of `terms[i - 1]` in `docs`/`weights`
    (integer frequencies), in ascending docnum. `lengths` holds the length byte of each
    docnum (None for fields without lengths).
    """

    terms: list[Any]
    counts: Any
    docs: Any
    weights: Any
    lengths: Any | None


class TermTable(HashWriter):  # type: ignore[misc]
    """An OrderedHashWriter of term keys to term infos, filled a batch of keys at a time.

    Keys are hashed with CRC-32 (hash type 1, recorded in the file's header, which readers
    follow) rather than MD5: the same table format at a fraction of the cost.
    """

    def __init__(self, dbfile: Any) -> None:
        super().__init__(dbfile, hashtype=1)
        self.hashes = array("I")
        self.positions = array("q")
        self.extras["fieldmap"] = {}

    def add_batch(self, keys: list[bytes], values: list[bytes]) -> None:
        """Append entries whose keys are in increasing order (after all earlier keys)."""
        key_lengths = list(map(len, keys))
        value_lengths = list(map(len, values))
        sizes = np.add(key_lengths, value_lengths, dtype=np.int64) + _ENTRY.size
        starts = np.cumsum(sizes) - sizes + self.dbfile.tell()
        self.positions.frombytes(starts.astype(np.int64).tobytes())
        self.hashes.extend(map(zlib.crc32, keys))
        headers = map(_ENTRY.pack, key_lengths, value_lengths)
        self.dbfile.write(
            b"".join(itertools.chain.from_iterable(zip(headers, keys, values, strict=True)))
        )

    def _write_hashes(self) -> None:
        """Write the 256 open-addressing tables (keys in the one their hash's low byte names)."""
        hashes = np.frombuffer(self.hashes, dtype=np.uint32)
        positions = np.frombuffer(self.positions, dtype=np.int64)
        buckets = hashes & 255
        order = np.argsort(buckets, kind="stable")
        ends = np.cumsum(np.bincount(buckets, minlength=256)).tolist()
        start = 0
        for end in ends:
            chosen = order[start:end]
            self.directory.append((self.dbfile.tell(), 2 * len(chosen)))
            self.dbfile.write(_hash_table(hashes[chosen], positions[chosen]))
            start = end

    def _write_extras(self) -> None:
        """Write the extras and the key position index as OrderedHashWriter does."""
        top = max(self.positions, default=0)
        typecode = "H" if top < 2**16 else "i" if top < 2**31 else "I" if top < 2**32 else "q"
        self.extras["indextype"] = typecode
        self.extras["indexlen"] = len(self.positions)
        HashWriter._write_extras(self)
        self.dbfile.write_array(array(typecode, self.positions))


def _hash_table(hashes: Any, positions: Any) -> bytes:
    """Return a linear-probing table of twice as many slots as entries, as HashReader reads.

    Entries are placed in order of their home slot, each in the first free slot from its
    home on (a running maximum), so every slot between an entry's home and its place is
    taken, which is all a probing reader needs; the few that run past the end wrap around.
    """
    numslots = 2 * len(hashes)
    table = np.zeros(numslots, dtype=_SLOT)  # position 0 marks a free slot
    if not numslots:
        return b""
    home = (hashes >> 8) % numslots
    order = np.argsort(home, kind="stable")
    rank = np.arange(len(order))
    slots = np.maximum.accumulate(home[order] - rank) + rank
    fits = slots < numslots
    table["h"][slots[fits]] = hashes[order[fits]]
    table["p"][slots[fits]] = positions[order[fits]]
    free = 0
    for i in order[~fits].tolist():  # wrapped past the end: first free slots from the start
        while table["p"][free]:
            free += 1
        table["h"][free], table["p"][free] = hashes[i], positions[i]
    return table.tobytes()


class PostingsFile:
    """The postings file of a segment being written."""

    def __init__(self, dbfile: Any) -> None:
        self.dbfile = dbfile
        self.offset = 0

    def write(self, data: bytes) -> None:
        """Append bytes."""
        self.dbfile.write(data)
        self.offset += len(data)

    def close(self) -> None:
        """Close the file."""
        self.dbfile.close()


def _compress(data: bytes) -> tuple[bytes, int]:
    """Return a block's data and its compression level: zlib for long pickles if it helps.

    A small window and memory level make zlib's set-up (most of its cost on a block)
    cheap; any zlib reader inflates the stream.
    """
    if len(data) < COMPRESS_MIN:
        return data, 0
    z = zlib.compressobj(COMPRESSION, zlib.DEFLATED, 12, 2)
    packed = z.compress(data) + z.flush()
    return (packed, COMPRESSION) if len(packed) < len(data) else (data, 0)


def _block(ids: tuple[int, ...], weights: Any, info: tuple[Any, ...], last: bool) -> bytes:
    """Return one W3 block: its signed length, pickled info tuple and (compressed) data."""
    data, comp = _compress(pickle.dumps((ids, weights, None), 2))
    head = pickle.dumps((*info[:3], comp, *info[3:]), 2)
    size = len(head) + len(data)
    return _INT.pack(-size if last else size) + head + data


@dataclass
class _Chunk:
    """Block and term statistics of a run of whole terms, as Python lists."""

    deltas: list[int]
    weights: list[float]
    block_max_id: list[int]
    block_min_w: list[float]
    block_max_w: list[float]
    block_min_len: list[int]
    block_max_len: list[int]
    term_weight: list[float]
    term_max_w: list[float]
    term_min_len: list[int]
    term_max_len: list[int]
    term_min_id: list[int]
    term_max_id: list[int]


def _chunk(docs: Any, weights: Any, counts: Any, lengths: Any | None) -> _Chunk:
    """Compute with numpy the statistics of the postings of a run of terms."""
    n = len(docs)
    term_start = np.zeros(len(counts), dtype=np.int64)
    np.cumsum(counts[:-1], out=term_start[1:])
    in_term = np.arange(n, dtype=np.int64) - np.repeat(term_start, counts)
    block_start = np.flatnonzero(in_term % BLOCK == 0)
    block_end = np.append(block_start[1:], n)
    deltas = docs.astype(np.int64)
    deltas[1:] -= docs[:-1]
    deltas[block_start] = docs[block_start]
    lens = lengths[docs] if lengths is not None else np.zeros(n, dtype=np.uint8)
    return _Chunk(
        deltas.tolist(), weights.tolist(), docs[block_end - 1].tolist(),
        np.minimum.reduceat(weights, block_start).tolist(),
        np.maximum.reduceat(weights, block_start).tolist(),
        np.minimum.reduceat(lens, block_start).tolist(),
        np.maximum.reduceat(lens, block_start).tolist(),
        np.add.reduceat(weights, term_start).tolist(),
        np.maximum.reduceat(weights, term_start).tolist(),
        np.minimum.reduceat(lens, term_start).tolist(),
        np.maximum.reduceat(lens, term_start).tolist(),
        docs[term_start].tolist(), docs[term_start + counts - 1].tolist(),
    )  # fmt: skip


def _mini_weights(c: _Chunk, b: int, start: int, end: int) -> Any:
    """Return a block's weights as W3 minifies them: None (all 1), one float, or a tuple."""
    if c.block_max_w[b] == 1.0 and c.block_min_w[b] == 1.0:
        return None
    if c.block_min_w[b] == c.block_max_w[b]:
        return c.block_max_w[b]
    return tuple(c.weights[start:end])


def _single(d: int, w: float, lb: int) -> bytes:
    """Return the posting list of a term found in one document (most terms): one block."""
    data = pickle.dumps(((d,), None if w == 1.0 else w, None), 2)
    head = pickle.dumps((1, d, w, 0, lb, lb), 2)
    return _MAGIC + _INT.pack(-(len(head) + len(data))) + head + data


def _blocks(c: _Chunk, b: int, pos: int, end: int) -> bytes:
    """Return the posting list of a term with postings pos..end, blocks from number b on."""
    parts = [_MAGIC]
    while pos < end:
        stop = min(pos + BLOCK, end)
        info: tuple[Any, ...] = (stop - pos, c.block_max_id[b], c.block_max_w[b])
        info += (c.block_min_len[b], c.block_max_len[b])
        weights = _mini_weights(c, b, pos, stop)
        parts.append(_block(tuple(c.deltas[pos:stop]), weights, info, stop == end))
        pos, b = stop, b + 1
    return b"".join(parts)


def _write_terms(
    keys: list[bytes], counts: list[int], c: _Chunk, pst: PostingsFile, table: TermTable
) -> None:
    """Write the posting lists of a run of terms and add their term infos to the table."""
    lists: list[bytes] = []
    pos = b = 0
    for df, length in zip(counts, c.term_min_len, strict=True):
        if df == 1:
            lists.append(_single(c.deltas[pos], c.weights[pos], length))
            b += 1
        else:
            lists.append(_blocks(c, b, pos, pos + df))
            b += (df + BLOCK - 1) // BLOCK
        pos += df
    sizes = list(map(len, lists))
    offsets = itertools.accumulate(sizes, initial=pst.offset)
    values = map(
        _TERMINFO.pack, itertools.repeat(0), c.term_weight, counts, c.term_min_len,
        c.term_max_len, c.term_max_w, c.term_min_id, c.term_max_id, offsets, sizes,
    )  # fmt: skip
    pst.write(b"".join(lists))
    table.add_batch(keys, list(values))


def _keys(prefix: bytes, terms: list[Any]) -> list[bytes]:
    """Return the table keys of terms (str terms in UTF-8, whose byte order is code point order)."""
    if terms and isinstance(terms[0], str):
        return [prefix + term.encode("utf-8") for term in terms]
    return [prefix + term for term in terms]


def write_field(fieldid: int, p: SortedPostings, pst: PostingsFile, table: TermTable) -> None:
    """Write every posting list of one field, a chunk of whole terms at a time."""
    prefix = pack_ushort(fieldid)
    ends = np.cumsum(p.counts)
    t = 0
    while t < len(p.terms):
        start = int(ends[t] - p.counts[t])
        u = max(t + 1, int(np.searchsorted(ends, start + CHUNK, side="right")))
        end = int(ends[u - 1])
        counts = p.counts[t:u]
        weights = p.weights[start:end].astype(np.float64)
        c = _chunk(p.docs[start:end], weights, counts, p.lengths)
        keys = _keys(prefix, p.terms[t:u])
        _write_terms(keys, counts.tolist(), c, pst, table)
        t = u


def preloaded_lengths(reader: Any) -> Callable[..., Any]:
    """Return a doc_field_length for reader that loads each field's lengths column once."""
    original = reader.doc_field_length
    tables: dict[str, list[int | None] | None] = {}

    def doc_field_length(docnum: int, fieldname: str, default: int = 0) -> int | None:
        if fieldname not in tables:
            column = reader._cached_reader(w3._lenfield(fieldname), w3.LENGTHS_COLUMN)
            tables[fieldname] = (
                None if column is None else [w3.byte_to_length(b) if b else None for b in column]
            )
        lengths = tables[fieldname]
        if lengths is None:
            return default
        if docnum >= len(lengths):
            result: int | None = original(docnum, fieldname, default)
            return result
        return lengths[docnum]

    return doc_field_length
