"""The second peer: Tantivy (Rust, Lucene-class) through its official Python binding.

Configured as issue 10 describes a competent user would for Vietnamese: text NFC-normalized
in Python, `Tokenizer.simple()` | `Filter.lowercase()` | `Filter.ascii_fold()` (folds every
toned vowel and đ), title and body with the title boosted 5x, category as a fast field;
query words joined with `+` (all required), any word when that finds nothing; a page = top
10 + `SnippetGenerator` HTML snippets + total count + a terms aggregation on category.

An optional bench extra (`pip install -e '.[bench]'`), never a runtime dependency. Run as
`python -m benchmark.tantivy_peer build SRC DIR` to build in a separate process, so the
build's peak RSS can be measured on its own.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sys
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from benchmark.common import iter_records

TOKENIZER = "vn"
TITLE_BOOST = 5.0
_PART = re.compile(r'"([^"]*)"|(\S+)')
_WORD = re.compile(r"\w+")


def available() -> bool:
    """Return whether the tantivy package is installed."""
    try:
        import tantivy  # noqa: F401
    except ImportError:
        return False
    return True


def _nfc(text: str | None) -> str:
    """Return text in NFC (Tantivy's ascii_fold expects composed letters)."""
    return unicodedata.normalize("NFC", text or "")


def _schema():
    """Return the schema: title and body folded, id stored, category a fast raw field."""
    import tantivy

    sb = tantivy.SchemaBuilder()
    sb.add_text_field("title", stored=True, tokenizer_name=TOKENIZER)
    sb.add_text_field("body", stored=True, tokenizer_name=TOKENIZER)
    sb.add_text_field("id", stored=True, tokenizer_name="raw")
    sb.add_text_field("category", stored=True, fast=True, tokenizer_name="raw")
    return sb.build()


def _open(path: Path):
    """Open (or create) the index at path with the Vietnamese analyzer registered."""
    import tantivy

    index = tantivy.Index(_schema(), path=str(path))
    analyzer = (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
        .filter(tantivy.Filter.lowercase())
        .filter(tantivy.Filter.ascii_fold())
        .build()
    )
    index.register_tokenizer(TOKENIZER, analyzer)
    return index


def build(src: Path, target: Path) -> dict:
    """Build the Tantivy index from a JSON Lines corpus; return docs, seconds and size."""
    import tantivy

    tmp = target.with_name(target.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    start = time.perf_counter()
    index = _open(tmp)
    writer = index.writer(heap_size=256_000_000, num_threads=2)
    docs = 0
    for rec in iter_records(src):
        writer.add_document(
            tantivy.Document(
                title=_nfc(rec.get("title")),
                body=_nfc(rec.get("body")),
                id=str(rec["id"]),
                category=_nfc(rec.get("category")) or "",
            )
        )
        docs += 1
    writer.commit()
    writer.wait_merging_threads()
    seconds = time.perf_counter() - start
    shutil.rmtree(target, ignore_errors=True)
    os.replace(tmp, target)
    size = sum(p.stat().st_size for p in target.rglob("*") if p.is_file())
    return {"docs": docs, "seconds": seconds, "size_bytes": size}


def query_string(query: str, required: bool) -> str | None:
    """Turn user text into Tantivy's syntax: words (+word when required), phrases kept."""
    parts = []
    for m in _PART.finditer(_nfc(query)):
        words = _WORD.findall(m.group(1) if m.group(1) is not None else m.group(2))
        if not words:
            continue
        term = f'"{" ".join(words)}"' if len(words) > 1 else words[0]
        parts.append(("+" if required else "") + term)
    return " ".join(parts) or None


@dataclass
class TantivyPage:
    """What a results page needs, as Tantivy answers it."""

    total: int = 0
    ids: list[str] = field(default_factory=list)
    snippets: list[str] = field(default_factory=list)
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    fallback: bool = False


class TantivyPeer:
    """Answer results pages from a Tantivy index."""

    def __init__(self, path: Path) -> None:
        import tantivy

        self.tantivy = tantivy
        self.index = _open(path)
        self.index.reload()
        self.searcher = self.index.searcher()
        self.schema = _schema()

    def _query(self, text: str, category: str | None):
        """Return the parsed query, filtered by category when one is given."""
        t = self.tantivy
        parsed = self.index.parse_query(
            text, ["title", "body"], field_boosts={"title": TITLE_BOOST}
        )
        if not category:
            return parsed
        cat = t.Query.term_query(self.schema, "category", _nfc(category))
        return t.Query.boolean_query([(t.Occur.Must, parsed), (t.Occur.Must, cat)])

    def page(self, query: str, category: str | None = None, k: int = 10) -> TantivyPage:
        """Return total, top k with snippets, and category counts for a query."""
        result = TantivyPage()
        text = query_string(query, required=True)
        if text is None:
            return result
        q = self._query(text, category)
        found = self.searcher.search(q, limit=k, count=True)
        any_text = query_string(query, required=False)
        if found.count == 0 and any_text and any_text != text:
            q, result.fallback = self._query(any_text, category), True
            found = self.searcher.search(q, limit=k, count=True)
        result.total = found.count or 0
        if not result.total:
            return result
        snippets = self.tantivy.SnippetGenerator.create(self.searcher, q, self.schema, "body")
        for _score, address in found.hits:
            doc = self.searcher.doc(address)
            result.ids.append(doc["id"][0])
            result.snippets.append(snippets.snippet_from_doc(doc).to_html())
        agg = self.searcher.aggregate(q, {"category": {"terms": {"field": "category"}}})
        buckets = agg.get("category", {}).get("buckets", [])
        result.facets["category"] = {b["key"]: b["doc_count"] for b in buckets}
        return result


def main(argv: list[str] | None = None) -> int:
    """Build a Tantivy index and print the figures as JSON."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("command", choices=["build"])
    ap.add_argument("src", type=Path)
    ap.add_argument("target", type=Path)
    args = ap.parse_args(argv)
    print(json.dumps(build(args.src, args.target)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
