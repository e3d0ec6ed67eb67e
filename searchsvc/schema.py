"""The Whoosh schema and the analyzers built from text.py.

FIRST DRAFT by the coordinator; the search owner reshapes it for ranking and speed.
Contract: `build_schema()` and `document(article)`; analyzers stay importable from
here because Whoosh pickles the schema into the index.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any

from whoosh import fields
from whoosh.analysis import Token as WToken
from whoosh.analysis import Tokenizer

from searchsvc import text
from searchsvc.archive import Article


class VietTokenizer(Tokenizer):  # type: ignore[misc]
    """Tokenize Vietnamese text into folded or accent-keyed words."""

    def __init__(self, mode: str = "fold") -> None:
        self.mode = mode

    def __eq__(self, other: object) -> bool:
        return isinstance(other, VietTokenizer) and other.mode == self.mode

    def __hash__(self) -> int:
        return hash(self.mode)

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs: Any,
    ) -> Iterator[WToken]:
        conv = text.fold if self.mode == "fold" else text.accent_key
        tok = WToken(positions, chars, removestops=removestops, mode=mode, **kwargs)
        for pos, t in enumerate(text.tokens(text.normalize(value))):
            tok.text = conv(t.text)
            tok.stopped = False
            tok.boost = 1.0
            if positions:
                tok.pos = start_pos + pos
            if chars:
                tok.startchar = start_char + t.start
                tok.endchar = start_char + t.end
            yield tok


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
        title_f=fields.TEXT(analyzer=VietTokenizer("fold"), phrase=False),
        title_a=fields.TEXT(analyzer=VietTokenizer("accent"), phrase=False),
        body_f=fields.TEXT(analyzer=VietTokenizer("fold"), phrase=False),
        body_a=fields.TEXT(analyzer=VietTokenizer("accent"), phrase=False),
        published=fields.DATETIME(stored=True, sortable=True),
        year=fields.NUMERIC(stored=True, sortable=True),
        month=fields.NUMERIC(stored=True),
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


def document(article: Article) -> dict[str, Any]:
    """Return the fields to add to the index for one article."""
    doc: dict[str, Any] = {
        "id": article.id,
        "title": article.title,
        "body": article.body,
        "url": article.url,
        "views": article.views,
        "source": article.source,
        "hash": content_hash(article),
        "title_f": article.title,
        "title_a": article.title,
        "body_f": article.body,
        "body_a": article.body,
        "category": article.category or "",
    }
    if article.published is not None:
        doc["published"] = article.published.replace(tzinfo=None)
        doc["year"] = article.published.year
        doc["month"] = article.published.month
    return doc
