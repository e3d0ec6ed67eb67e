"""Whole posting lists of one segment decoded from a single read of the postings file.

Whoosh's W3 matcher reads a term block by block, with several small reads per block;
reading the term's byte range once and decoding every block from that buffer is far
cheaper. The layout (see `whoosh.codec.whoosh3.W3PostingsWriter._write_block`): a 4-byte
magic, then per block a signed big-endian int (the block's byte length, negative for the
last block), a pickled info tuple (count, last id, max weight, compression, min and max
length bytes) and the data: a pickled (id deltas from 0, weights, values) tuple, zlib
compressed when the compression level is not 0. Blocks may hold any number of postings.
Anything else yields None, and the caller falls back to Whoosh's own matcher.
"""

from __future__ import annotations

import functools
import io
import pickle
import re
import struct
import zlib
from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt
from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC, W3TermsReader
from whoosh.reading import IndexReader

_INT = struct.Struct("!i")
Decoded = tuple[npt.NDArray[np.int64], npt.NDArray[np.float32]]
_DOUBLE = struct.Struct(">d")
_G = b"G"
_G_ONE = _G + _DOUBLE.pack(1.0)
_INT_WIDTH = {ord("K"): 1, ord("M"): 2, ord("J"): 4}  # BININT1, BININT2, BININT
# A block's info as Whoosh pickles it: (count, last id, max weight, compression, min length,
# max length) with ints as BININT1/2/BININT, the weight as BINFLOAT, an optional memo put.
_INT_OP = rb"(K.|M..|J....)"
_INFO = re.compile(rb"\x80\x02\(" + _INT_OP * 2 + rb"G.{8}K(.)K.K.t(?:q.|r....)?\.", re.S)


def read_postings(reader: IndexReader, fieldname: str, term: str) -> Decoded | None:
    """Return (ids, weights) of a term in a segment, or None to fall back.

    Deleted documents are included (the file still lists them; the caller drops them).
    Raises TermNotFound like `reader.postings` for a term (or field) the segment lacks.
    """
    terms = getattr(reader, "_terms", None)
    if not isinstance(terms, W3TermsReader) or reader.is_closed:
        return None
    tbytes = reader._text_to_bytes(fieldname, term)
    terminfo = terms.term_info(fieldname, tbytes)
    if terminfo.is_inlined():
        return None
    offset, length = terminfo.extent()
    if isinstance(length, tuple):  # W3TermInfo.from_bytes keeps struct.unpack's 1-tuple
        length = length[0] if len(length) == 1 else None
    if not isinstance(offset, int) or not isinstance(length, int) or length <= 4:
        return None
    return decode(terms._postfile.get(offset, length), int(terminfo.doc_frequency()))


def decode(raw: bytes, expected: int) -> Decoded | None:
    """Decode every block of one term's postings, or return None if anything is unexpected."""
    if raw[:4] != WHOOSH3_HEADER_MAGIC:
        return None
    out = _Postings()
    pos, end, last = 4, len(raw), False
    try:
        while not last and pos + 4 <= end:
            (size,) = _INT.unpack_from(raw, pos)
            last, nxt = size < 0, pos + 4 + abs(size)
            count, maxid, comp, at = _block_info(raw, pos + 4)
            data = raw[at:nxt]
            if nxt > end or not isinstance(count, int) or count < 1:
                return None
            out.add(zlib.decompress(data) if comp else data, count, maxid)
            pos = nxt
    except Exception:  # corrupt or unexpected bytes: Whoosh's own matcher decides
        return None
    if not last or pos != end:
        return None
    return out.arrays(expected)


def _pickled_int(op: bytes) -> int:
    """Return the value of a BININT1, BININT2 or BININT opcode with its argument."""
    return int.from_bytes(op[1:], "little", signed=op[:1] == b"J")


def _block_info(raw: bytes, at: int) -> tuple[Any, Any, Any, int]:
    """Return (count, last id, compression, end) of the block info pickled at a position.

    The usual pickle is read by one regex match; anything else goes through pickle.
    """
    found = _INFO.match(raw, at)
    if found is not None:
        return _pickled_int(found[1]), _pickled_int(found[2]), found[3][0], found.end()
    stream = io.BytesIO(raw)
    stream.seek(at)
    count, maxid, _, comp = pickle.load(stream)[:4]
    return count, maxid, comp, stream.tell()


class _Runs:
    """The pieces of one array in order: runs of raw bytes (converted at once) and arrays."""

    def __init__(self, convert: Callable[[bytes], Any]) -> None:
        self.convert = convert
        self.parts: list[Any] = []
        self.raw: list[bytes] = []

    def add_array(self, values: Any) -> None:
        """Append an array after the bytes gathered so far."""
        self._flush()
        self.parts.append(values)

    def array(self) -> Any:
        """Return every piece joined into one array."""
        self._flush()
        return np.concatenate(self.parts) if len(self.parts) > 1 else self.parts[0]

    def _flush(self) -> None:
        """Convert the gathered raw bytes into one array piece."""
        if self.raw:
            self.parts.append(self.convert(b"".join(self.raw)))
            self.raw = []


def _gaps(raw: bytes) -> Any:
    """Return one byte per id gap as int64."""
    return np.frombuffer(raw, dtype=np.uint8).astype(np.int64)


def _doubles(raw: bytes) -> Any:
    """Return the big-endian doubles of 9-byte pickle records ('G' + 8 bytes) as float32."""
    if len(raw) % 9:
        raise ValueError("truncated float records")
    values = np.ndarray((len(raw) // 9,), ">f8", buffer=raw, offset=1, strides=(9,))
    return values.astype(np.float32)


@functools.lru_cache(maxsize=4096)
def _repeated(unit: bytes, count: int) -> bytes:
    """Return unit repeated count times (cached: block lengths repeat)."""
    return unit * count


class _Postings:
    """Gathers the blocks of one term, slicing the common ones straight out of their pickles.

    Protocol 2 pickles a tuple of small ints as '(' then 'K'+byte per int then 't', and a
    tuple of floats as '(' then 'G'+8-byte double per float: blocks whose first id has any
    size and whose gaps are under 256 need no unpickling. Others are unpickled.
    """

    def __init__(self) -> None:
        self.ids = _Runs(_gaps)
        self.weights = _Runs(_doubles)
        self.counts: list[int] = []
        self.firsts: list[int] = []
        self.maxids: list[int] = []

    def add(self, data: bytes, count: int, maxid: int) -> None:
        """Add one block's decompressed data."""
        if count < 4 or not self._add_fast(data, count):
            self._add_pickled(data, count)
        self.counts.append(count)
        self.maxids.append(maxid)

    def _add_fast(self, data: bytes, count: int) -> bool:
        """Add a block sliced out of its pickle bytes; return False (adding nothing) if unusual."""
        if data[:3] != b"\x80\x02(" or data[-1:] != b".":
            return False
        width = _INT_WIDTH.get(data[3])
        if width is None:
            return False
        at = 4 + width  # the second delta's opcode
        stop = at + 2 * (count - 1)
        if data[at:stop:2] != _repeated(b"K", count - 1) or data[stop : stop + 1] != b"t":
            return False
        weights = _weight_records(data, _after_put(data, stop + 1), count)
        if weights is None:
            return False
        self.firsts.append(int.from_bytes(data[4:at], "little", signed=width == 4))
        self.ids.raw.append(b"\0" + data[at + 1 : stop : 2])
        self.weights.raw.append(weights)
        return True

    def _add_pickled(self, data: bytes, count: int) -> None:
        """Add a block through pickle."""
        ids, weights = pickle.loads(data)[:2]
        if len(ids) != count:
            raise ValueError("block count mismatch")
        self.firsts.append(int(ids[0]))
        self.ids.add_array(np.array(ids, dtype=np.int64))
        if weights is None or isinstance(weights, float):
            self.weights.raw.append(
                _repeated(_G + _DOUBLE.pack(1.0 if weights is None else weights), count)
            )
        elif len(weights) == count:
            self.weights.add_array(np.array(weights, dtype=np.float32))
        else:
            raise ValueError("block weights mismatch")

    def arrays(self, expected: int) -> Decoded | None:
        """Return global ids and float32 weights, or None if they are inconsistent."""
        total = sum(self.counts)
        if total != expected or total == 0:
            return None
        flat, weights = self.ids.array(), self.weights.array()
        if len(flat) != total or len(weights) != total:
            return None
        # Each block's first id is absolute; later ones are gaps. Turn the firsts into gaps
        # from the previous block's last id so that one running sum gives every id.
        if len(self.counts) == 1:
            flat[0] = self.firsts[0]
            ids = np.cumsum(flat)
            ends_ok = int(ids[-1]) == self.maxids[0]
        else:
            counts = np.array(self.counts, dtype=np.int64)
            starts = np.cumsum(counts) - counts
            maxids = np.array(self.maxids, dtype=np.int64)
            flat[starts] = np.array(self.firsts, dtype=np.int64)
            flat[starts[1:]] -= maxids[:-1]
            ids = np.cumsum(flat)
            ends_ok = np.array_equal(ids[starts + counts - 1], maxids)
        # Ids rise strictly from a first id of 0 or more: every later gap is at least 1.
        if not ends_ok or int(flat[0]) < 0 or (total > 1 and int(flat[1:].min()) < 1):
            return None
        return ids, weights


def _after_put(data: bytes, at: int) -> int:
    """Skip a BINPUT or LONG_BINPUT memo opcode at a position."""
    op = data[at : at + 1]
    return at + 2 if op == b"q" else at + 5 if op == b"r" else at


def _weight_records(data: bytes, at: int, count: int) -> bytes | None:
    """Return a block's weights as count 9-byte float records, or None if unexpected."""
    op = data[at : at + 1]
    if op == b"N":  # Whoosh writes None when every weight is 1.0
        return _repeated(_G_ONE, count)
    if op == b"G":  # one float shared by every posting
        return _repeated(data[at : at + 9], count)
    stop = at + 1 + 9 * count
    if op != b"(" or data[at + 1 : stop : 9] != _repeated(b"G", count):
        return None
    return data[at + 1 : stop] if data[stop : stop + 1] == b"t" else None
