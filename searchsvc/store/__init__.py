"""The on-disk index: schema and analysis, Whoosh's segment format, generations, the read side.

Third stage: uses `vietnamese` and `archive`. Public modules: `schema` (`build_schema`,
`document`, `content_hash`, `analyze`, `docnum_terms`, `word_forms`), `generations`
(generation directories, the `CURRENT` switch, the writer lock), `snapshot`
(`open_snapshot`: one generation opened for reading; `MultiValues`: a property with several
values per article, the kinds and issuers of cited documents), `segfiles` (`TermTable`,
`PostingsFile`, `write_field`: segment files written from sorted arrays; `preloaded_lengths`)
`sidecar` (`SidecarWriter`, `write_missing`: each segment's read-optimized `.srd` file;
Whoosh stays the source of truth it is derived from), `phrases` (`completions`: the title
phrases, categories, document numbers and titles offered as completions) and `lexicon`
(`write_for`, `of`: a generation's completions and spelling vocabulary in one mapped file).

This is the only stage that knows Whoosh's on-disk W3 format beyond its public API, and it
relies on these internals of `whoosh-reloaded==2.7.5` (pinned in pyproject.toml):
- the postings file: a 4-byte magic, then per block a signed big-endian length (negative for
  the last block), a pickled info tuple (count, last id, max weight, compression, min and
  max length bytes) and a pickled (id deltas, weights, values) tuple, zlib-compressed when
  the info says so (`postings.py` reads it, `segfiles.py` writes it; blocks of 128);
- the terms table: an ordered hash table of `W3TermInfo` records (`struct "!BfIBBfIIqi"`:
  weight and length statistics, then the posting list's offset and length);
- the per-document lengths column (`_<field>_L`, one byte a length: `snapshot.py`,
  `segfiles.preloaded_lengths`, `sidecar.py`);
- the schema pickled into the table of contents names the field classes of `schema.py`.
`tests/test_postings.py` and `tests/test_sidecar.py` compare every term's postings with
Whoosh's own matcher on sample indexes, so an upgrade that changes any of this fails loudly.
"""

from searchsvc.store import generations, lexicon, phrases, schema, segfiles, sidecar, snapshot
from searchsvc.store.schema import (
    BODY_LEAD_WORDS,
    NO_DATE,
    VN_TZ,
    build_schema,
    content_hash,
    docnum_terms,
    document,
    word_forms,
)
from searchsvc.store.snapshot import (
    BoolArray,
    FloatArray,
    IntArray,
    MultiValues,
    Snapshot,
    open_snapshot,
)

__all__ = [
    "BODY_LEAD_WORDS",
    "NO_DATE",
    "VN_TZ",
    "BoolArray",
    "FloatArray",
    "IntArray",
    "MultiValues",
    "Snapshot",
    "build_schema",
    "content_hash",
    "docnum_terms",
    "document",
    "generations",
    "lexicon",
    "open_snapshot",
    "phrases",
    "schema",
    "segfiles",
    "sidecar",
    "snapshot",
    "word_forms",
]
