"""Print every results page of known-item queries as JSON lines, to compare code versions.

    .venv/bin/python scripts/pagedump.py INDEX QUERIES.jsonl... [--pages 2] > pages.jsonl

One line per query and page: the query, total, hits (id, title, score, snippet, cited
documents...), facets, what was understood, did-you-mean and whether it is partial; never
the time taken. The query budget is lifted so that no page is cut short by a busy machine.
Two dumps made by two versions of the code on one index are identical (`cmp`) exactly when
every page is.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path

from searchsvc import config
from searchsvc.searching import Searcher, SearchRequest


def queries(paths: list[Path]) -> list[str]:
    """Return the query text of every line of known-item files, in order."""
    out: list[str] = []
    for path in paths:
        with open(path, encoding="utf-8") as lines:
            out += [json.loads(line)["query"] for line in lines if line.strip()]
    return out


def page(searcher: Searcher, query: str, number: int, per_page: int) -> str:
    """Return one results page as a JSON line without its timing."""
    result = searcher.search(SearchRequest(query=query, page=number, per_page=per_page))
    fields = dataclasses.asdict(result)
    fields.pop("took_ms")
    return json.dumps(fields, ensure_ascii=False, sort_keys=True)


def main() -> None:
    """Dump the pages of every query given."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("index", type=Path)
    parser.add_argument("queries", type=Path, nargs="+")
    parser.add_argument("--pages", type=int, default=2)
    parser.add_argument("--per-page", type=int, default=10)
    args = parser.parse_args()
    settings = config.Settings(index=args.index, query_budget_ms=10**9)
    searcher = Searcher(args.index, settings)
    for query in queries(args.queries):
        for number in range(1, args.pages + 1):
            sys.stdout.write(page(searcher, query, number, args.per_page) + "\n")


if __name__ == "__main__":
    main()
