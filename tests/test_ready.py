"""Ready means ready: right after start and right after an update, fresh queries are complete.

The real server (tests/server.py) on an index of the sample archive: once /healthz answers
200, 16 never-sent queries at concurrency 4 each come back 200, not partial, with the total
an in-process Searcher gives. Right after `index update` returns, 16 more are complete on the
old generation or the new one (the new one is opened and warmed beside the old one); once
/healthz names the new generation on every worker, 16 more give the new totals. Counts, not
timings: the time of the first queries is measured in the benchmark (`cold`).
"""

from __future__ import annotations

import json
import shutil
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from server import Server, serve, wait_for
from test_rel_harness import cli, status

from searchsvc.searching import Searcher, SearchRequest

SAMPLE = Path(__file__).resolve().parents[1] / "searchsvc" / "sample"


def _windows(index: Path, count: int, skip: int) -> list[str]:
    """Return distinct two-word windows of indexed titles (half without accents)."""
    from searchsvc.vietnamese import text

    searcher = Searcher(index, warm=False)
    titles = [h.title for h in searcher.search(SearchRequest(query="", per_page=100)).hits]
    searcher.close()
    out: list[str] = []
    for title in titles:
        words = title.split()
        for i in range(0, max(0, len(words) - 1), 2):
            window = " ".join(words[i : i + 2])
            out.append(text.fold(window) if len(out) % 2 else window)
    unique = list(dict.fromkeys(out))
    assert len(unique) >= skip + count
    return unique[skip : skip + count]


def _totals(index: Path, queries: list[str]) -> dict[str, int]:
    """Return each query's total from an in-process Searcher (no time budget in the way)."""
    searcher = Searcher(index, warm=False)
    totals = {q: searcher.search(SearchRequest(query=q)).total for q in queries}
    searcher.close()
    return totals


def _ask(server: Server, queries: list[str]) -> list[dict[str, Any]]:
    """Send queries at concurrency 4; return the JSON answers (status checked)."""

    def one(query: str) -> dict[str, Any]:
        reply = server.get("/api/search?" + urllib.parse.urlencode({"q": query}), timeout=30)
        assert reply.status == 200, (query, reply.status)
        found: dict[str, Any] = reply.json()
        return found

    with ThreadPoolExecutor(max_workers=4) as pool:
        return list(pool.map(one, queries))


def _new_articles(path: Path) -> None:
    """Write three articles whose words also occur in the sample titles."""
    rows = [
        {"id": f"ready-{i}", "title": f"Tây Hồ sẵn sàng {i}", "body": "Phường Quảng An, Tây Hồ."}
        for i in range(3)
    ]
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")


def test_fresh_queries_are_complete_after_start_and_after_an_update(tmp_path: Path) -> None:
    """Never partial, never a false zero: after start, during and after an update's switch."""
    archive = tmp_path / "archive"
    shutil.copytree(SAMPLE, archive)
    index = tmp_path / "index"
    assert cli("index", "build", archive, "--index", index).returncode == 0
    first, during, after = (_windows(index, 16, skip) for skip in (0, 16, 32))
    during += ["tay ho"]
    old = _totals(index, first + during + after)
    assert sum(1 for q in first if old[q] > 0) == 16
    with serve(index, workers=2, timeout=30) as server:
        answers = _ask(server, first)
        assert [a["partial"] for a in answers] == [False] * 16
        assert [a["total"] for a in answers] == [old[q] for q in first]
        _new_articles(archive / "ready.jsonl")
        assert cli("index", "update", archive, "--index", index).returncode == 0
        new = _totals(index, during + after)
        assert new["tay ho"] == old["tay ho"] + 3
        answers = _ask(server, during)
        assert not any(a["partial"] for a in answers)
        assert all(a["total"] in (old[q], new[q]) for q, a in zip(during, answers, strict=True))
        generation = status(index)["live"]
        switched = wait_for(
            lambda: all(
                server.get("/healthz").json().get("generation") == generation for _ in range(8)
            ),
            30,
        )
        assert switched, "the workers never served the updated generation"
        answers = _ask(server, after)
        assert not any(a["partial"] for a in answers)
        assert [a["total"] for a in answers] == [new[q] for q in after]
