"""The Whoosh schema and the analysis that turns an article into index terms.

Contract: `build_schema()`, `document(article)` and `content_hash(article)`; field classes
stay importable from here because Whoosh pickles the schema into the index.

Design (why it looks unlike a textbook Whoosh schema):
- No positions anywhere. Adjacency is indexed as folded syllable pairs (`thi_dua`) in
  `title_p`/`body_p`; a quoted phrase requires all its pairs. Positions would double the
  index and the indexing time for a feature pairs approximate well.
- Analysis bypasses Whoosh's per-token Token objects: `analyze()` tokenizes a text once,
  maps each distinct word to its folded and accent-key forms through a cache, and the
  `TermCounts` field indexes precomputed term lists with `collections.Counter`.
- Body pairs cover the lead (BODY_LEAD_WORDS); quoted phrases beyond it are checked on the
  stored text. Titles are indexed whole.
- `title_a`/`body_a` hold only words that carry diacritics (accent key differs from the
  folded form): an unaccented query word never looks at them, so the rest would be waste.
- The `title_col` column keeps titles readable without unpickling stored bodies (suggest).
- The `cited` column holds the documents an article cites (`vietnamese.docnumbers`), one
  tab-separated line each, so facets by kind and issuer load without the stored fields.
- `docnum` also holds one ISO term (`2023-03-09`) for each full date a title or body writes,
  in any common form (`9/3/2023`, `09-03-2023`, `ngày 9 tháng 3 năm 2023`): a date typed
  one way finds it written another way. Indexes built before lack these terms and still
  open (dates then match as written, and publication dates through the `minutes` column).
"""

from __future__ import annotations

import hashlib
import re
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from whoosh import columns, fields, formats
from whoosh.analysis import Token as WToken
from whoosh.analysis import Tokenizer

from searchsvc.archive import Article
from searchsvc.vietnamese import dates, docnumbers, text

# Whoosh pickles the schema (these field classes) into every index; indexes built before the
# store/ layout name this module `searchsvc.schema`, so that name keeps resolving here.
sys.modules.setdefault("searchsvc.schema", sys.modules[__name__])

VN_TZ = timezone(timedelta(hours=7))
NO_DATE = -(2**31)  # `minutes` column value of an article without a date
_EPOCH = datetime(1970, 1, 1)

_WORD = re.compile(r"[^\W_]+")
# Syllable pairs never span these: sentence punctuation, brackets, quotes, line breaks.
_BREAK = re.compile(r"[.,;:!?()\[\]{}\"“”‘’«»|…\n\r\t]+|\s[-–—]\s")
# A word (the group) or a break (the group is empty): break characters are never word ones.
_TOKEN = re.compile(r"([^\W_]+)|" + _BREAK.pattern)
# Anchored at word starts: unanchored, a long run of letters is rescanned from every offset
# (quadratic; a 100,000-character line took minutes).
_COMPOUND = re.compile(r"(?<![^\W_])[^\W_]++(?:[-/.,&'’][^\W_]++)+")  # possessive: no backtracking

# Syllable pairs of a body are indexed for its first words only (the lead): they refine
# ranking, and over whole bodies they would double the postings (and the indexing time).
BODY_LEAD_WORDS = 200
# What snippets and phrase checks read of a body; sidecars keep this much of it prepared.
BODY_HEAD_CHARS = 6000

_FOLDED: dict[str, str] = {}  # word: folded form
_ACCENTED: dict[str, str] = {}  # word: accent key where it differs from the folded form, else ""
_FORMS_LIMIT = 400_000
_COMPOUNDS: dict[str, list[str]] = {}  # compound match: its folded compound tokens
_COMPOUNDS_LIMIT = 100_000


def _learn(words: set[str]) -> None:
    """Cache the forms of words; start afresh beyond the cache limit."""
    if len(_FOLDED) + len(words) > _FORMS_LIMIT:
        _FOLDED.clear()
        _ACCENTED.clear()
    for word in words:
        folded, accent = text.fold(word), text.accent_key(word)
        _FOLDED[word] = folded
        _ACCENTED[word] = accent if folded and accent != folded else ""


def word_forms(word: str) -> tuple[str, str]:
    """Return (folded, accent key) of one lowercase NFC word, cached."""
    folded, accent = _FOLDED.get(word), _ACCENTED.get(word)
    if folded is None or accent is None or not folded:
        _learn({word})
        return text.fold(word), text.accent_key(word)
    return folded, accent or folded


@dataclass(frozen=True)
class Analysis:
    """Index terms of one text: folded words, accented words, syllable pairs, doc numbers."""

    folded: list[str]
    accented: list[str]
    pairs: list[str]
    docnums: list[str]


def _compound_terms(compound: str) -> list[str]:
    """Return the folded compound tokens of one compound match, cached."""
    terms = _COMPOUNDS.get(compound)
    if terms is None:
        if len(_COMPOUNDS) >= _COMPOUNDS_LIMIT:
            _COMPOUNDS.clear()
        terms = [text.fold(t.text) for t in text.tokens(compound) if t.compound]
        _COMPOUNDS[compound] = terms
    return terms


def docnum_terms(normalized: str) -> list[str]:
    """Return the folded compound tokens (`45/kh-ubnd`, `09/03/2023`, `tp.hcm`) of a text."""
    out: list[str] = []
    for compound in _COMPOUND.findall(normalized):
        out += _compound_terms(compound)
    return out


def _pairs(tokens: list[str], lead: int | None) -> list[str]:
    """Return the pair terms among the first `lead` folded words, never across a break.

    `tokens` are a text's words with '' for each break (what _TOKEN finds).
    """
    pairs: list[str] = []
    previous = ""
    seen = 0
    for token in tokens:
        if not token:
            previous = ""
            continue
        folded = _FOLDED[token]
        if not folded:
            continue
        if seen == lead:
            break
        if previous:
            pairs.append(f"{previous}_{folded}")
        previous = folded
        seen += 1
    return pairs


def analyze(value: str, lead: int | None = None) -> Analysis:
    """Tokenize a text once and return its index terms; pairs of the first `lead` words only.

    One regex pass finds words and breaks; words are looked up in the form caches with
    C-level map/filter (no Python call per word).
    """
    normalized = text.normalize(value)
    tokens = _TOKEN.findall(normalized.lower())
    words = list(filter(None, tokens))
    new = set(words).difference(_FOLDED)
    if new:
        if len(_FOLDED) + len(new) > _FORMS_LIMIT:
            new = set(words)
        _learn(new)
    folded = list(filter(None, map(_FOLDED.__getitem__, words)))
    accented = list(filter(None, map(_ACCENTED.__getitem__, words)))
    docnums = docnum_terms(normalized) + dates.day_terms(normalized)
    return Analysis(folded, accented, _pairs(tokens, lead), docnums)


class VietTokenizer(Tokenizer):  # type: ignore[misc]
    """Tokenize Vietnamese text into folded or accent-keyed words (for Whoosh's own parsers)."""

    def __init__(self, mode: str = "fold") -> None:
        self.mode = mode

    def __eq__(self, other: object) -> bool:
        return isinstance(other, VietTokenizer) and other.mode == self.mode

    def __hash__(self) -> int:
        return hash(self.mode)

    def __call__(self, value: str, **kwargs: Any) -> Iterator[WToken]:
        tok = WToken(**{k: v for k, v in kwargs.items() if k in ("positions", "chars", "mode")})
        for word in _WORD.findall(text.normalize(value).lower()):
            f, a = word_forms(word)
            tok.text = f if self.mode == "fold" else a
            tok.stopped = False
            tok.boost = 1.0
            yield tok


_KINDS = ("folded", "accented", "pairs", "docnums")


class TermCounts(fields.FieldType):  # type: ignore[misc]
    """An indexed, unstored field whose terms come from `analyze()` without Token objects.

    The posting weight is the term frequency; no values or positions are written.
    `index()` accepts a term list (what `document()` passes) or a raw string.
    """

    def __init__(self, kind: str) -> None:
        if kind not in _KINDS:
            raise ValueError(f"unknown term kind {kind!r}")
        mode = "accent" if kind == "accented" else "fold"
        # Always scorable: Whoosh looks up a field length for every posting it writes, and for
        # a field without a length column that lookup is a stat() call (a third of the time).
        super().__init__(formats.Existence(), VietTokenizer(mode), scorable=True)
        self.kind = kind

    def _terms(self, value: str | Iterable[str]) -> Iterable[str]:
        """Return the terms of a value: a term list as is, a string analyzed."""
        if isinstance(value, str):
            terms: list[str] = getattr(analyze(value), self.kind)
            return terms
        return value

    def index(
        self, value: str | Iterable[str], **kwargs: Any
    ) -> list[tuple[bytes, int, float, bytes]]:
        """Return (term bytes, frequency, weight, value bytes) for each distinct term."""
        counts = Counter(self._terms(value))
        return [(t.encode("utf-8"), n, float(n), b"") for t, n in counts.items()]


def build_schema() -> fields.Schema:
    """Return the index schema."""
    return fields.Schema(
        id=fields.ID(stored=True, unique=True),
        title=fields.STORED(),
        body=fields.STORED(),
        url=fields.STORED(),
        views=fields.STORED(),
        source=fields.ID(stored=True),
        hash=fields.STORED(),
        title_f=TermCounts("folded"),
        title_a=TermCounts("accented"),
        title_p=TermCounts("pairs"),
        body_f=TermCounts("folded"),
        body_a=TermCounts("accented"),
        body_p=TermCounts("pairs"),
        docnum=TermCounts("docnums"),
        title_col=fields.COLUMN(columns.VarBytesColumn()),
        cited=fields.COLUMN(columns.VarBytesColumn()),
        minutes=fields.COLUMN(columns.NumericColumn("i", default=NO_DATE)),
        published=fields.DATETIME(stored=True, sortable=True),
        year=fields.NUMERIC(stored=True, sortable=True),
        month=fields.NUMERIC(stored=True, sortable=True),
        category=fields.ID(stored=True, sortable=True),
    )


def content_hash(article: Article) -> str:
    """Return a stable hash of what the index stores of an article."""
    parts = [
        article.title,
        article.body,
        str(article.published),
        str(article.category),
        str(article.url),
        str(article.views),
    ]
    return hashlib.sha1("\x1f".join(parts).encode("utf-8")).hexdigest()


def local_time(moment: datetime) -> datetime:
    """Return a naive Asia/Ho_Chi_Minh wall time for a naive (already local) or aware datetime."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(VN_TZ)
    return moment.replace(tzinfo=None)


def cited_column(article: Article) -> bytes:
    """Return the `cited` column value: one `Citation.line()` per cited document."""
    found = docnumbers.citations(f"{article.title or ''}\n{article.body or ''}")
    return "\n".join(c.line() for c in found).encode("utf-8")


def document(article: Article) -> dict[str, Any]:
    """Return the fields to add to the index for one article."""
    title = analyze(article.title or "")
    body = analyze(article.body or "", lead=BODY_LEAD_WORDS)
    doc: dict[str, Any] = {
        "id": article.id,
        "title": article.title,
        "body": article.body,
        "url": article.url,
        "views": article.views,
        "source": article.source,
        "hash": content_hash(article),
        "title_f": title.folded,
        "title_a": title.accented,
        "title_p": title.pairs,
        "body_f": body.folded,
        "body_a": body.accented,
        "body_p": body.pairs,
        "docnum": title.docnums + body.docnums,
        "title_col": (article.title or "").encode("utf-8"),
        "cited": cited_column(article),
        "category": article.category or "",
    }
    if article.published is not None:
        published = local_time(article.published)
        doc["published"] = published
        doc["year"] = published.year
        doc["month"] = published.month
        doc["minutes"] = int((published - _EPOCH).total_seconds() // 60)
    return doc
