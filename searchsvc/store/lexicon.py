"""A generation's lexicon file: its completions and spelling vocabulary as flat arrays.

Derived from the generation once, when a build or an update finishes (`write_for`), and
written beside its segments as `lexicon.bin`; a server opens it in milliseconds (`of`).
Deriving it takes seconds of Python per worker on a large archive (6 s for VNTC's 84k
articles) and leaves millions of small objects behind; the file holds the same tables as
UTF-8 blobs with offsets, counts as int64 and the vocabulary as fixed-width byte keys, and
is memory-mapped read-only, so every worker shares one copy of its pages through the page
cache and none of it is private memory. A generation without the file (written by an older
version), or whose file does not match its documents, gets its lexicon derived in memory,
as before: such an index opens and answers the same, only more slowly.
"""

from __future__ import annotations

import json
import mmap
import os
import struct
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, overload

import numpy as np

from searchsvc.store import generations, phrases
from searchsvc.store.phrases import Completions
from searchsvc.vietnamese import text

FILE = "lexicon.bin"
FORMAT = 1
_MAGIC = b"SSLX\x00\x01\r\n"
_HEAD = struct.Struct("<8sQ")  # magic, offset of the JSON table of contents
_LOCK = threading.Lock()
_UTF8 = ("utf-8", "surrogatepass")
_STRINGS = ("phrase_keys", "displays", "head_words", "title_keys", "titles")
_INTS = ("counts", "lengths", "spaces", "heads")
_VOCABULARY_FIELDS = (("title_f", "body_f"), ("title_a", "body_a"))
MAX_SYLLABLE = 8  # longer folded words are not offered as corrections


class Strings(Sequence[str]):
    """A read-only list of strings kept as one UTF-8 buffer and offsets into it."""

    def __init__(self, buffer: Any, base: int, offsets: Any) -> None:
        self.buffer = buffer
        self.base = base
        self.offsets = memoryview(offsets)

    @overload
    def __getitem__(self, i: int) -> str: ...

    @overload
    def __getitem__(self, i: slice) -> list[str]: ...

    def __getitem__(self, i: int | slice) -> str | list[str]:
        """Return the i-th string (or a list for a slice)."""
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(i)
        a, b = self.offsets[i], self.offsets[i + 1]
        return bytes(self.buffer[self.base + a : self.base + b]).decode(*_UTF8)

    def __len__(self) -> int:
        """Return how many strings there are."""
        return len(self.offsets) - 1

    def __iter__(self) -> Iterator[str]:
        """Yield the strings in order."""
        return (self[i] for i in range(len(self)))


@dataclass(frozen=True)
class Vocabulary:
    """Folded syllables in byte order (fixed-width keys), their document frequencies and the
    accented form each is most often written with ("" when none is indexed)."""

    keys: Any  # numpy bytes array, sorted
    frequencies: Any  # int64 per key
    accents: Sequence[str]

    @classmethod
    def build(cls, frequencies: dict[str, int], accents: dict[str, str]) -> Vocabulary:
        """Return the vocabulary of folded syllable -> frequency and folded -> accented form."""
        words = sorted(frequencies)
        encoded = [w.encode(*_UTF8) for w in words]
        width = max((len(e) for e in encoded), default=1)
        keys = np.array(encoded, dtype=f"S{width}")
        dfs = np.array([frequencies[w] for w in words], dtype=np.int64)
        return cls(keys, dfs, [accents.get(w, "") for w in words])

    def lookup(self, words: Sequence[str]) -> list[int]:
        """Return the position of each word among the keys, or -1 when it is not one."""
        out = [-1] * len(words)
        width = self.keys.dtype.itemsize
        probes = [(i, e) for i, w in enumerate(words) if _probe(e := w.encode(*_UTF8), width)]
        if not probes or not len(self.keys):
            return out
        wanted = np.array([e for _, e in probes], dtype=self.keys.dtype)
        at = np.minimum(np.searchsorted(self.keys, wanted), len(self.keys) - 1)
        found = self.keys[at] == wanted
        for (i, _), j, ok in zip(probes, at.tolist(), found.tolist(), strict=True):
            out[i] = j if ok else -1
        return out

    def frequencies_of(self, words: Sequence[str]) -> list[int]:
        """Return the document frequency of each word (0 for a word not in the vocabulary)."""
        return [int(self.frequencies[j]) if j >= 0 else 0 for j in self.lookup(words)]

    def frequency(self, word: str) -> int:
        """Return the document frequency of one word (0 when it is not in the vocabulary)."""
        return self.frequencies_of([word])[0]

    def accented(self, word: str) -> str:
        """Return the accented form a word is most often indexed with, else the word."""
        j = self.lookup([word])[0]
        return (self.accents[j] or word) if j >= 0 else word


def _probe(encoded: bytes, width: int) -> bool:
    """Tell whether an encoded word could be a key (not empty, no NUL, not too long)."""
    return 0 < len(encoded) <= width and b"\0" not in encoded


@dataclass(frozen=True)
class Lexicon:
    """What a generation offers as completions and as spelling corrections."""

    completions: Completions
    vocabulary: Vocabulary


def derive(snap: Any) -> Lexicon:
    """Derive a generation's lexicon from its opened snapshot."""
    return Lexicon(phrases.of_snapshot(snap), derive_vocabulary(snap))


def derive_vocabulary(snap: Any) -> Vocabulary:
    """Return the alphabetic syllables of titles and bodies with their accented forms."""
    return Vocabulary.build(*vocabulary_tables(snap))


def vocabulary_tables(snap: Any) -> tuple[dict[str, int], dict[str, str]]:
    """Return folded syllable -> largest document frequency, and folded -> accented form."""
    folded, accented = _VOCABULARY_FIELDS
    frequencies: dict[str, int] = {}
    for fieldname in folded:
        for term, df in snap.terms(fieldname):
            if term.isalpha() and len(term) <= MAX_SYLLABLE and df > frequencies.get(term, 0):
                frequencies[term] = df
    best: dict[str, tuple[int, str]] = {}
    for fieldname in accented:
        for term, df in snap.terms(fieldname):
            key = text.fold(term)
            if df > best.get(key, (0, ""))[0]:
                best[key] = (df, term)
    return frequencies, {k: v for k, (_, v) in best.items()}


def of(snap: Any) -> Lexicon:
    """Return a snapshot's lexicon: read from its file, else derived (once per snapshot)."""
    with _LOCK:
        lock = snap.memo.setdefault("lexicon:lock", threading.Lock())
    with lock:
        found = snap.memo.get("lexicon")
        if found is None:
            found = load(Path(snap.path) / FILE, snap.n, int(np.count_nonzero(snap.live)))
            found = found if found is not None else derive(snap)
            snap.memo["lexicon"] = found
    lexicon: Lexicon = found
    return lexicon


def write_for(gen_dir: Path) -> Path:
    """Derive and write the lexicon file of a (partial) generation directory."""
    from searchsvc.store.snapshot import open_snapshot

    snap = open_snapshot(gen_dir, f"lexicon:{gen_dir.name}")
    try:
        path = gen_dir / FILE
        write(path, derive(snap), snap.n, int(np.count_nonzero(snap.live)))
        return path
    finally:
        snap.close()


def write(path: Path, lexicon: Lexicon, documents: int, live: int) -> None:
    """Write a lexicon file (through a temporary name, flushed, then renamed)."""
    c, v = lexicon.completions, lexicon.vocabulary
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    with open(tmp, "wb") as out:
        writer = _Writer(out)
        for name in _STRINGS:
            writer.strings(name, getattr(c, name))
        writer.strings("openers", sorted(c.openers))
        for name in _INTS:
            writer.array(name, np.asarray(getattr(c, name), dtype=np.int64))
        writer.array("vocabulary", v.keys)
        writer.array("frequencies", np.asarray(v.frequencies, dtype=np.int64))
        writer.strings("accents", v.accents)
        writer.close({"format": FORMAT, "documents": documents, "live": live})
    os.replace(tmp, path)
    generations.fsync_dir(path.parent)


class _Writer:
    """Appends 8-byte aligned arrays to a file and ends it with their table of contents."""

    def __init__(self, out: BinaryIO) -> None:
        self.out = out
        self.toc: dict[str, list[Any]] = {}
        out.write(_HEAD.pack(_MAGIC, 0))

    def array(self, name: str, values: Any) -> None:
        """Append an array under a name."""
        values = np.ascontiguousarray(values)
        pad = -self.out.tell() % 8
        self.out.write(b"\0" * pad)
        self.toc[name] = [self.out.tell(), values.dtype.str, int(values.size)]
        self.out.write(values.tobytes())

    def strings(self, name: str, values: Sequence[str]) -> None:
        """Append strings as one UTF-8 blob and int64 offsets."""
        encoded = [s.encode(*_UTF8) for s in values]
        offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
        np.cumsum([len(e) for e in encoded], out=offsets[1:])
        self.array(f"{name}:offsets", offsets)
        self.array(f"{name}:utf8", np.frombuffer(b"".join(encoded), dtype=np.uint8))

    def close(self, meta: dict[str, Any]) -> None:
        """Write the table of contents, point the header at it, and flush to disk."""
        at = self.out.tell()
        self.out.write(json.dumps({**meta, "arrays": self.toc}).encode("utf-8"))
        self.out.seek(0)
        self.out.write(_HEAD.pack(_MAGIC, at))
        self.out.flush()
        os.fsync(self.out.fileno())


def load(path: Path, documents: int, live: int) -> Lexicon | None:
    """Map a lexicon file; None when it is missing, damaged or of other documents."""
    try:
        with open(path, "rb") as f:
            if os.fstat(f.fileno()).st_size < _HEAD.size:
                return None
            buffer = mmap.mmap(f.fileno(), 0, prot=mmap.PROT_READ)
        return _read(buffer, documents, live)
    except (OSError, ValueError, KeyError, TypeError, struct.error):
        return None


def _read(buffer: Any, documents: int, live: int) -> Lexicon | None:
    """Return the lexicon a mapped file holds, or None when it is not this generation's."""
    magic, at = _HEAD.unpack_from(buffer, 0)
    if magic != _MAGIC:
        return None
    toc = json.loads(bytes(buffer[at:]))
    if (toc.get("format"), toc.get("documents"), toc.get("live")) != (FORMAT, documents, live):
        return None
    arrays = toc["arrays"]

    def array(name: str) -> Any:
        offset, dtype, count = arrays[name]
        return np.frombuffer(buffer, dtype=np.dtype(dtype), count=count, offset=offset)

    def strings(name: str) -> Strings:
        offsets = array(f"{name}:offsets").astype(np.int64, copy=False)
        return Strings(buffer, arrays[f"{name}:utf8"][0], offsets)

    keys, displays, head_words, title_keys, titles = (strings(n) for n in _STRINGS)
    counts, lengths, spaces, heads = (_ints(array(n)) for n in _INTS)
    completions = Completions(
        keys, displays, counts, lengths, spaces, heads, head_words, title_keys, titles,
        frozenset(strings("openers")),
    )  # fmt: skip
    vocabulary = Vocabulary(array("vocabulary"), array("frequencies"), strings("accents"))
    return Lexicon(completions, vocabulary)


def _ints(values: Any) -> Sequence[int]:
    """Return an int64 array as a sequence whose items are plain Python ints."""
    view: Sequence[int] = memoryview(values.astype(np.int64, copy=False))
    return view
