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

import io
import pickle
import struct
import zlib
from typing import Any

import numpy as np
import numpy.typing as npt
from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC, W3TermsReader
from whoosh.reading import IndexReader

_INT = struct.Struct("!i")
Decoded = tuple[npt.NDArray[np.int64], npt.NDArray[np.float32]]
Block = tuple[Any, Any, int, int]  # id deltas (int64), weights, count, last id
_INT_WIDTH = {ord("K"): 1, ord("M"): 2, ord("J"): 4}  # BININT1, BININT2, BININT


def read_postings(reader: IndexReader, fieldname: str, term: str) -> Decoded | None:
    """Return (ids, weights) of a term in a segment without deletions, or None to fall back.

    Raises TermNotFound like `reader.postings` for a term (or field) the segment lacks.
    """
    terms = getattr(reader, "_terms", None)
    if not isinstance(terms, W3TermsReader) or reader.has_deletions() or reader.is_closed:
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
    stream = io.BytesIO(raw)
    blocks: list[Block] = []
    pos, end, last = 4, len(raw), False
    try:
        while not last and pos + 4 <= end:
            (size,) = _INT.unpack_from(raw, pos)
            last, nxt = size < 0, pos + 4 + abs(size)
            stream.seek(pos + 4)
            count, maxid, _, comp = pickle.load(stream)[:4]
            data = raw[stream.tell() : nxt]
            if nxt > end or not isinstance(count, int) or count < 1:
                return None
            blocks.append(_block(zlib.decompress(data) if comp else data, count, maxid))
            pos = nxt
    except (pickle.UnpicklingError, zlib.error, ValueError, TypeError, EOFError, struct.error):
        return None
    if not last or pos != end:
        return None
    return _arrays(blocks, expected)


def _block(data: bytes, count: int, maxid: int) -> Block:
    """Return one block's (id deltas, weights, count, last id), without pickle when possible.

    Protocol 2 pickles a tuple of small ints as '(' then 'K'+byte per int then 't', and a
    tuple of floats as '(' then 'G'+8-byte double per float: the common blocks (a first id
    of any size, then gaps under 256) are sliced straight out of the bytes.
    """
    fast = _fast_block(data, count) if count >= 4 else None
    if fast is not None:
        return (*fast, count, maxid)
    ids, weights = pickle.loads(data)[:2]
    if len(ids) != count:
        raise ValueError("block count mismatch")
    if weights is not None and not isinstance(weights, float):
        if len(weights) != count:
            raise ValueError("block weights mismatch")
        weights = np.array(weights, dtype=np.float32)
    return np.array(ids, dtype=np.int64), weights, count, maxid


def _fast_block(data: bytes, count: int) -> tuple[Any, Any] | None:
    """Slice a block's deltas and weights out of its pickle, or return None if it differs."""
    if data[:3] != b"\x80\x02(" or data[-1:] != b".":
        return None
    width = _INT_WIDTH.get(data[3])
    if width is None:
        return None
    at = 4 + width  # the second delta's opcode
    stop = at + 2 * (count - 1)
    if data[at:stop:2] != b"K" * (count - 1) or data[stop : stop + 1] != b"t":
        return None
    first = int.from_bytes(data[4:at], "little", signed=width == 4)
    deltas = np.frombuffer(bytes(1) + data[at + 1 : stop : 2], dtype=np.uint8).astype(np.int64)
    deltas[0] = first
    at = _after_put(data, stop + 1)
    weights = _fast_weights(data, at, count)
    return None if weights is None else (deltas, weights)


def _after_put(data: bytes, at: int) -> int:
    """Skip a BINPUT or LONG_BINPUT memo opcode at a position."""
    op = data[at : at + 1]
    return at + 2 if op == b"q" else at + 5 if op == b"r" else at


def _fast_weights(data: bytes, at: int, count: int) -> Any:
    """Return a block's weights (one shared float, or a float32 array), or None if unexpected."""
    op = data[at : at + 1]
    if op == b"N":  # Whoosh writes None when every weight is 1.0
        return 1.0
    if op == b"G":
        return float(np.frombuffer(data, ">f8", 1, at + 1)[0])
    stop = at + 1 + 9 * count
    if op != b"(" or data[at + 1 : stop : 9] != b"G" * count or data[stop : stop + 1] != b"t":
        return None
    doubles = np.ndarray((count,), ">f8", buffer=data, offset=at + 2, strides=(9,))
    return doubles.astype(np.float32)


def _arrays(blocks: list[Block], expected: int) -> Decoded | None:
    """Join decoded blocks into global ids and float32 weights."""
    counts = [b[2] for b in blocks]
    total = sum(counts)
    if total != expected or total == 0:
        return None
    flat = np.concatenate([b[0] for b in blocks]) if len(blocks) > 1 else blocks[0][0].copy()
    if len(flat) != total or int(flat.min()) < 0:
        return None
    # Each block's deltas start from 0 (its first id is absolute), so remove what the running
    # sum carries in from the previous block: that block's last id.
    maxids = np.array([b[3] for b in blocks], dtype=np.int64)
    ends = np.cumsum(counts) - 1
    flat[ends[:-1] + 1] -= maxids[:-1]
    ids = np.cumsum(flat)
    if not np.array_equal(ids[ends], maxids):
        return None
    if len(ids) > 1 and not bool(np.all(ids[1:] > ids[:-1])):
        return None
    return ids, _weights(blocks)


def _weights(blocks: list[Block]) -> npt.NDArray[np.float32]:
    """Return every posting's weight (a block stores None for all 1.0, or one shared float)."""
    parts: list[Any] = []
    for _, weights, count, _ in blocks:
        if weights is None:
            parts.append(np.ones(count, dtype=np.float32))
        elif isinstance(weights, float):
            parts.append(np.full(count, weights, dtype=np.float32))
        else:
            parts.append(weights)
    return np.concatenate(parts) if len(parts) > 1 else parts[0]
