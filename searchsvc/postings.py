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
import itertools
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
Block = tuple[Any, Any, int]


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
            ids, weights = pickle.loads(zlib.decompress(data) if comp else data)[:2]
            if nxt > end or len(ids) != count or sum(ids) != maxid:
                return None
            blocks.append((ids, weights, count))
            pos = nxt
    except (pickle.UnpicklingError, zlib.error, ValueError, TypeError, EOFError, struct.error):
        return None
    if not last or pos != end:
        return None
    return _arrays(blocks, expected)


def _arrays(blocks: list[Block], expected: int) -> Decoded | None:
    """Join decoded blocks into global ids and float32 weights."""
    counts = [count for _, _, count in blocks]
    total = sum(counts)
    if total != expected or total == 0:
        return None
    flat = np.fromiter(itertools.chain.from_iterable(b[0] for b in blocks), np.int64, total)
    if int(flat.min()) < 0:
        return None
    # Each block's deltas start from 0 (its first id is absolute), so remove what the running
    # sum carries in from the previous block, whose sum is that block's last id.
    starts = np.cumsum(counts)[:-1]
    if len(starts):
        flat[starts] -= np.array([sum(b[0]) for b in blocks[:-1]], dtype=np.int64)
    ids = np.cumsum(flat)
    if len(ids) > 1 and not bool(np.all(ids[1:] > ids[:-1])):
        return None
    weights = _weights(blocks)
    return None if weights is None else (ids, weights)


def _weights(blocks: list[Block]) -> npt.NDArray[np.float32] | None:
    """Return every posting's weight (a block stores None for all 1.0, or one shared float)."""
    out: list[float] = []
    for _, weights, count in blocks:
        if weights is None:
            out.extend([1.0] * count)
        elif isinstance(weights, float):
            out.extend([weights] * count)
        elif len(weights) == count:
            out.extend(weights)
        else:
            return None
    return np.array(out, dtype=np.float32)
