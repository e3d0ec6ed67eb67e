"""Dump every results page of the known-item queries, to compare two versions of the code.

Usage: python scripts/benchmark/same_pages.py INDEX_DIR OUT.jsonl EVAL.jsonl [EVAL.jsonl ...]
Writes, per query, pages 1 and 2 (ids, scores, snippets, facets, totals, did-you-mean) as
JSON lines: two checkouts' dumps on one index must be byte for byte the same (`cmp`).
"""

from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path

from searchsvc.searching import Searcher, SearchRequest


def main(index_dir: str, out: str, *evals: str) -> None:
    """Write the pages of every query of the eval files."""
    searcher = Searcher(Path(index_dir))
    with open(out, "w", encoding="utf-8") as f:
        for path in evals:
            for line in Path(path).read_text(encoding="utf-8").splitlines():
                query = json.loads(line)["query"]
                for page in (1, 2):
                    row = dataclasses.asdict(searcher.search(SearchRequest(query=query, page=page)))
                    row.pop("took_ms")
                    f.write(json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n")


if __name__ == "__main__":
    main(*sys.argv[1:])
