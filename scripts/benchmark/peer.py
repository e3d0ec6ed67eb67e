"""The peer: SQLite FTS5 over the same records, configured as a site owner would.

`unicode61 remove_diacritics 2`, columns title and body, bm25 with the title weighted 20x,
user words each quoted, all terms first and any term when that finds nothing, top 10 with
`snippet()`, category and year counts with GROUP BY, the exact total with COUNT. FTS5 does
not fold đ to d; that is left as is on purpose.

Run as `python -m benchmark.peer build SRC DB` to build in a separate process, so the build's
peak RSS can be measured on its own.
"""

from __future__ import annotations

import argparse
import html
import json
import os
import re
import resource
import sqlite3
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from benchmark.common import iter_records

DDL = (
    "CREATE VIRTUAL TABLE t USING fts5(title, body, id UNINDEXED, category UNINDEXED, "
    'year UNINDEXED, tokenize="unicode61 remove_diacritics 2")'
)
RANK = "bm25(t, 20.0, 1.0)"
_PART = re.compile(r'"([^"]*)"|(\S+)')
_WORDCHAR = re.compile(r"\w")


def fts5_available() -> bool:
    """Return whether this Python's sqlite3 has FTS5."""
    con = sqlite3.connect(":memory:")
    try:
        con.execute("CREATE VIRTUAL TABLE x USING fts5(a)")
        return True
    except sqlite3.OperationalError:
        return False
    finally:
        con.close()


def _row(rec: dict) -> tuple:
    """Return the FTS5 row of one corpus record."""
    date = rec.get("date") or ""
    year = int(date[:4]) if date[:4].isdigit() else None
    return (rec.get("title") or "", rec.get("body") or "", rec["id"], rec.get("category"), year)


def build(src: Path, db: Path) -> dict:
    """Build the FTS5 database from a JSON Lines corpus; return docs, seconds and size."""
    tmp = db.with_suffix(".tmp")
    if tmp.exists():
        tmp.unlink()
    start = time.perf_counter()
    con = sqlite3.connect(tmp)
    con.execute(DDL)
    with con:
        con.executemany("INSERT INTO t VALUES (?, ?, ?, ?, ?)", map(_row, iter_records(src)))
    docs = con.execute("SELECT count(*) FROM t").fetchone()[0]
    con.close()
    seconds = time.perf_counter() - start
    os.replace(tmp, db)
    return {"docs": docs, "seconds": seconds, "size_bytes": db.stat().st_size}


def match_expression(query: str, any_terms: bool = False) -> str | None:
    """Turn user text into an FTS5 expression: words quoted, phrases kept, AND or OR."""
    parts = []
    for m in _PART.finditer(query):
        if m.group(1) is not None:
            words = [w for w in m.group(1).split() if _WORDCHAR.search(w)]
        else:
            words = [m.group(2).replace('"', "")] if _WORDCHAR.search(m.group(2)) else []
        if words:
            parts.append('"' + " ".join(w.replace('"', "") for w in words) + '"')
    if not parts:
        return None
    return (" OR " if any_terms else " ").join(parts)


@dataclass
class PeerPage:
    """What a results page needs, as the peer answers it."""

    total: int = 0
    ids: list[str] = field(default_factory=list)
    snippets: list[str] = field(default_factory=list)
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    fallback: bool = False


def _escape_snippet(raw: str) -> str:
    """HTML-escape a snippet made with control-character markers, then mark matches."""
    return html.escape(raw).replace("\x02", "<mark>").replace("\x03", "</mark>")


class Peer:
    """Answer results pages from the FTS5 database."""

    def __init__(self, db: Path) -> None:
        self.con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, check_same_thread=False)

    def _where(self, category: str | None) -> str:
        """Return the WHERE clause for a match and an optional category."""
        return "t MATCH ?" + (" AND category = ?" if category else "")

    def _count(self, expr: str, category: str | None) -> int:
        """Return the exact number of matching rows."""
        args = (expr, category) if category else (expr,)
        sql = f"SELECT count(*) FROM t WHERE {self._where(category)}"
        return self.con.execute(sql, args).fetchone()[0]

    def _facet(self, column: str, expr: str, category: str | None) -> dict[str, int]:
        """Count matches per value of a column."""
        args = (expr, category) if category else (expr,)
        sql = f"SELECT {column}, count(*) FROM t WHERE {self._where(category)} GROUP BY {column}"
        return {str(v): n for v, n in self.con.execute(sql, args) if v is not None}

    def page(self, query: str, category: str | None = None, k: int = 10) -> PeerPage:
        """Return total, top k with snippets, and category and year counts for a query."""
        result = PeerPage()
        expr = match_expression(query)
        if expr is None:
            return result
        result.total = self._count(expr, category)
        any_expr = match_expression(query, any_terms=True) or expr
        if result.total == 0 and any_expr != expr:
            expr, result.fallback = any_expr, True
            result.total = self._count(expr, category)
        if result.total == 0:
            return result
        args = (expr, category, k) if category else (expr, k)
        sql = (
            "SELECT id, snippet(t, 1, char(2), char(3), '…', 40) FROM t "
            f"WHERE {self._where(category)} ORDER BY {RANK} LIMIT ?"
        )
        for doc_id, snip in self.con.execute(sql, args):
            result.ids.append(doc_id)
            result.snippets.append(_escape_snippet(snip))
        # Category counts ignore the category filter (facet convention); year counts keep it.
        result.facets["category"] = self._facet("category", expr, None)
        result.facets["year"] = self._facet("year", expr, category)
        return result


def replay(db: Path, queries: Path) -> dict:
    """Answer every [text, category] of a JSON file; return count, time and peak RSS."""
    peer = Peer(db)
    pairs = json.loads(queries.read_text())
    start = time.perf_counter()
    for text, category in pairs:
        peer.page(text, category)
    seconds = time.perf_counter() - start
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return {"queries": len(pairs), "seconds": seconds, "maxrss_bytes": maxrss}


def main(argv: list[str] | None = None) -> int:
    """Build a peer database, or replay queries on one, and print the figures as JSON."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("command", choices=["build", "replay"])
    ap.add_argument("src", type=Path, help="corpus (build) or JSON list of queries (replay)")
    ap.add_argument("db", type=Path)
    args = ap.parse_args(argv)
    if args.command == "build":
        print(json.dumps(build(args.src, args.db)))
    else:
        print(json.dumps(replay(args.db, args.src)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
