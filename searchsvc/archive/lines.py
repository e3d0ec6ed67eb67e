"""Numbered lines of a byte stream in bounded memory and time, whatever the stream holds.

Blocks are read and searched at C speed: a run of blank lines (200 MB of newlines, say) costs
one regex search and one count per block, not a Python step per line; a line longer than
`max_line` is skipped to its end without being kept; and at most `max_bytes` are read at all
(a gzip bomb stops there with `TooMuchData`).
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator

BLOCK = 1 << 20
_CONTENT = re.compile(rb"[^ \t\r\n\f\v]")


class TooMuchData(Exception):
    """A stream gave more bytes than it may; `limit` says how many it may give."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"more than {limit:,} bytes")
        self.limit = limit


class _Reader:
    """A stream read in blocks, counting the bytes it gives against a limit."""

    def __init__(self, stream: io.BufferedIOBase, max_bytes: int | None, size: int) -> None:
        self.stream = stream
        self.max_bytes = max_bytes
        self.size = size
        self.total = 0

    def block(self) -> bytes:
        """Return the next block (empty at the end); raise TooMuchData past the limit."""
        data = self.stream.read1(self.size)  # what is there: a damaged end keeps the lines before
        self.total += len(data)
        if self.max_bytes is not None and self.total > self.max_bytes:
            raise TooMuchData(self.max_bytes)
        return data


def numbered_lines(
    stream: io.BufferedIOBase, max_line: int, max_bytes: int | None = None, block: int = BLOCK
) -> Iterator[tuple[int, bytes | None]]:
    """Yield (line number, line) for each line with content; None stands for an overlong line.

    Lines holding only whitespace are counted, never yielded. A line may hold `max_line`
    bytes besides its newline.
    """
    reader = _Reader(stream, max_bytes, block)
    buf, pos, number = reader.block(), 0, 0
    while buf:
        found = _CONTENT.search(buf, pos)
        if found is None:  # blank lines, and maybe the start of one: keep that start
            number += buf.count(b"\n", pos)
            carry = buf[max(pos, buf.rfind(b"\n", pos) + 1) :]
            more = reader.block()
            if not more:
                return
            buf, pos = carry[: max_line + 1] + more, 0  # a cut carry is still too long
            continue
        number += 1 + buf.count(b"\n", pos, found.start())
        start = buf.rfind(b"\n", pos, found.start()) + 1 or pos
        buf, start, end = _line_end(reader, buf, start, max_line)
        if end - start > max_line:
            yield number, None
            buf, pos = _skip_line(reader, buf, end)
            continue
        yield number, buf[start : end + 1]
        buf, pos = (buf, end + 1) if end + 1 < len(buf) else (reader.block(), 0)


def _line_end(reader: _Reader, buf: bytes, start: int, max_line: int) -> tuple[bytes, int, int]:
    """Return the buffer, the line's start and the index of its newline (or the buffer's end).

    Reads more blocks while the line is unfinished and not yet too long; the buffer then
    starts at the line.
    """
    end = buf.find(b"\n", start)
    while end < 0 and len(buf) - start <= max_line:
        more = reader.block()
        if not more:
            return buf, start, len(buf)
        buf, start = buf[start:] + more, 0
        end = buf.find(b"\n")
    return buf, start, len(buf) if end < 0 else end


def _skip_line(reader: _Reader, buf: bytes, end: int) -> tuple[bytes, int]:
    """Read past the newline of an overlong line; return the buffer and the next line's start."""
    while end >= len(buf):
        buf = reader.block()
        if not buf:
            return b"", 0
        found = buf.find(b"\n")
        end = len(buf) if found < 0 else found
    return buf, end + 1
