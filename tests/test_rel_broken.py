"""Broken archives end to end (issue 7): `searchsvc index build` over tests/data/broken/.

tests/test_archive.py checks each bad source's reason at the reader. This checks what staff
see through the real command: the build succeeds beside the bad sources, every good article
is in the index, every bad one is in the report with its path and reason, the counts add up.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from test_rel_harness import cli, documents

BROKEN = Path(__file__).parent / "data" / "broken"
sys.path.insert(0, str(BROKEN.parent))

import make_broken  # noqa: E402

# The broken set holds 25 small articles; a build of it takes seconds. A build that takes
# longer is stuck on a pathological source (a 100,000-character line, a 20 MB file).
BUILD_TIMEOUT_S = 30


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Build an index of the committed broken set plus the generated bad sources."""
    root = tmp_path_factory.mktemp("broken")
    make_broken.write_generated(root / "gen")
    index, report = root / "index", root / "rejected.jsonl"
    sources = [BROKEN, root / "gen"]
    args = ["index", "build", *sources, "--index", index, "--json", "--report", report]
    try:
        done = cli(*args, timeout=BUILD_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        return {"error": f"the build of the broken set took over {BUILD_TIMEOUT_S} s"}
    finally:
        (root / "gen" / "big-20mb.txt").unlink()  # pytest keeps recent tmp dirs: not 20 MB each
    if done.returncode != 0:
        return {"error": f"the build failed: {done.stdout}{done.stderr}"}
    lines = report.read_text(encoding="utf-8").splitlines()
    return {
        "index": index,
        "sources": sources,
        "summary": json.loads(done.stdout),
        "report": [json.loads(line) for line in lines],
    }


def test_counts_add_up(built: dict[str, Any]) -> None:
    """Read = indexed + rejected (duplicates are rejections too), and the index agrees."""
    assert "error" not in built, built["error"]
    s = built["summary"]
    refused = [r for r in built["report"] if not r["warning"]]
    assert s["read"] == s["indexed"] + len(refused), (s, refused)
    assert s["read"] == s["indexed"] + s["rejected"] + s.get("duplicates", 0), s
    assert documents(built["index"]) == s["indexed"]
    assert s["indexed"] >= 24


def test_every_good_article_is_indexed(built: dict[str, Any]) -> None:
    """Every article the reader accepts beside the bad sources can be fetched from the index."""
    assert "error" not in built, built["error"]
    from searchsvc.archive import read_sources
    from searchsvc.searching import Searcher

    good = list(read_sources(built["sources"]))
    searcher = Searcher(built["index"])
    missing = []
    for article in good:
        try:
            stored = searcher.article(article.id)
        except Exception as exc:  # a missing article is the finding, whatever the error
            missing.append(f"{article.id}: {exc!r}")
            continue
        assert stored["title"] == article.title
    assert missing == []
    assert len(good) == built["summary"]["indexed"]


def test_good_pages_are_found_by_their_titles(built: dict[str, Any]) -> None:
    """The hand-written good pages among the bad ones are found by searching their titles."""
    assert "error" not in built, built["error"]
    from searchsvc.searching import Searcher, SearchRequest

    searcher = Searcher(built["index"])
    for page in make_broken.GOOD_PAGES.values():
        lines = page.splitlines()
        title = lines[next(i for i, x in enumerate(lines) if x.startswith("Ngày đăng")) - 1]
        hits = searcher.search(SearchRequest(query=title, per_page=5)).hits
        assert title in [h.title for h in hits], title


def test_report_names_path_and_reason_of_every_bad_source(built: dict[str, Any]) -> None:
    """Each bad kind is in the report with its path (and line) and a reason in plain words."""
    assert "error" not in built, built["error"]
    by_name = {
        Path(r["path"]).name + (f":{r['line']}" if r["line"] else "") for r in built["report"]
    }
    for name in [
        "empty.txt", "binary.txt", "truncated-utf8.txt", "utf16-no-bom.txt",
        "windows-1258.txt", "tcvn3.txt", "no-title.txt", "no-date.txt",
        "impossible-date.txt", "records.jsonl:7", "duplicates.jsonl:3", "big-20mb.txt",
        "long-line.txt", "back", "pipe.txt",
    ]:  # fmt: skip
        assert name in by_name, (name, sorted(by_name))
    for r in built["report"]:
        assert r["path"] and len(r["reason"]) >= 8, r
        assert "Traceback" not in r["reason"]
