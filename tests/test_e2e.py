"""End to end: the real `searchsvc serve` (gunicorn) on a free loopback port, over real HTTP.

The index is built from the bundled sample archive; the server is the console script in a
subprocess of its own session (tests/server.py), stopped with SIGTERM at the end.
"""

from __future__ import annotations

import time
import urllib.parse
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from server import Server, free_port, serve
from test_rel_harness import COMMON, build, cli, write_archive

TIMEOUT_S = 20  # for one request


@pytest.fixture(scope="module")
def server(sample_index: Path) -> Iterator[Server]:
    """The real server on an index of the sample archive."""
    with serve(sample_index, timeout=TIMEOUT_S) as running:
        yield running


def test_health_and_stats(server: Server) -> None:
    """Health is 200 with the document count; the server header names no version."""
    health = server.get("/healthz")
    assert health.status == 200 and health.json()["status"] == "ok"
    stats = server.get("/api/stats").json()
    assert stats["documents"] >= 20 and stats["documents"] == health.json()["documents"]
    assert not any(ch.isdigit() for ch in health.headers.get("Server", ""))


def test_json_is_served_as_the_readme_says(server: Server) -> None:
    """Every JSON answer, errors included, carries the content type README promises."""
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    promised = "application/json; charset=utf-8"
    assert f"All answers are JSON (`{promised}`" in readme
    paths = [
        "/api/search?q=t%C3%A2y+h%E1%BB%93",
        "/api/suggest?q=ta",
        "/api/stats",
        "/healthz",
        "/api/openapi.json",
        "/api/articles/nope",
        "/api/search?page=0",
        "/api/no-such-endpoint",
    ]
    for path in paths:
        reply = server.get(path)
        assert reply.headers["Content-Type"] == promised, (path, reply.headers)
        reply.json()  # and it is JSON


def test_search_facets_and_filter(server: Server) -> None:
    """An unaccented search finds articles; a category facet's count equals its filtered total."""
    body = server.get("/api/search?q=tay+ho&per_page=5").json()
    assert body["total"] > 0 and 0 < len(body["hits"]) <= 5
    assert all(hit["id"] and hit["title"] for hit in body["hits"])
    categories = body["facets"]["category"]
    years = body["facets"]["year"]
    assert categories and years
    assert sum(v["count"] for v in years) <= body["total"]
    chosen = categories[0]
    query = urllib.parse.urlencode({"q": "tay ho", "category": chosen["value"]})
    filtered = server.get(f"/api/search?{query}").json()
    assert filtered["total"] == chosen["count"]
    assert all(hit["category"] == chosen["value"] for hit in filtered["hits"])


def test_suggest_and_article(server: Server) -> None:
    """Suggestions answer for a prefix; a hit's article and page are served."""
    hit = server.get("/api/search?q=ho").json()["hits"][0]
    article = server.get(f"/api/articles/{hit['id']}")
    assert article.status == 200 and article.json()["title"] == hit["title"]
    page = server.get(f"/articles/{hit['id']}")
    assert page.status == 200 and "text/html" in page.headers["Content-Type"]
    assert server.get("/api/articles/not-an-article").status == 404
    suggest = server.get("/api/suggest?q=" + urllib.parse.quote(hit["title"][:4]))
    assert suggest.status == 200 and suggest.json()["suggestions"]


def test_page_and_static_files(server: Server) -> None:
    """The search page renders results with a CSP; its CSS and JS are served locally."""
    page = server.get("/?q=tay+ho")
    assert page.status == 200 and "<mark>" in page.text
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]
    for name in ("style.css", "search.js"):
        assert server.get(f"/static/{name}").status == 200
    bad = server.get("/api/search?q=a&page=0")
    assert bad.status == 400 and bad.json()["status"] == 400


def test_cors_over_http(sample_index: Path, server: Server) -> None:
    """SEARCHSVC_CORS_ORIGINS reaches the workers: the allowed origin is echoed, others not."""
    origin = "https://tayho.example.vn"
    default = server.get("/api/suggest?q=ho", {"Origin": origin}).headers
    assert "Access-Control-Allow-Origin" not in default
    env = {"SEARCHSVC_CORS_ORIGINS": origin}
    with serve(sample_index, workers=1, env=env, timeout=TIMEOUT_S) as other:
        allowed = other.get("/api/suggest?q=ho", {"Origin": origin}).headers
        assert allowed.get("Access-Control-Allow-Origin") == origin
        denied = other.get("/api/suggest?q=ho", {"Origin": "https://evil.example"}).headers
        assert "Access-Control-Allow-Origin" not in denied


def test_concurrent_requests_all_succeed(server: Server) -> None:
    """Eight clients at once (more than the worker threads): every answer is a 200."""
    words = ["tay ho", "ubnd", "thi dua", "phuong", "hoa dao", "cai cach", "nhat tan", "le hoi"]
    quoted = [urllib.parse.quote_plus(w) for w in words]
    paths = [f"/api/search?q={w}&page={p}" for w in quoted for p in (1, 2)]
    paths += [f"/api/suggest?q={w[:3]}" for w in quoted] + [f"/?q={w[:5]}" for w in quoted]

    def fetch_all(offset: int) -> list[int]:
        return [server.get(paths[(offset + i) % len(paths)]).status for i in range(len(paths))]

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = [s for batch in pool.map(fetch_all, range(8)) for s in batch]
    assert len(statuses) == 8 * len(paths) and set(statuses) == {200}, statuses


def test_a_new_build_is_served_without_restart(tmp_path: Path) -> None:
    """`index build` in another process: workers answer from it within seconds, none fails."""
    index, alpha, beta = tmp_path / "index", tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    write_archive(alpha, "alpha", "alpha", 2)
    write_archive(beta, "beta", "beta", 3)
    build(index, alpha)
    with serve(index, workers=2, timeout=TIMEOUT_S) as server:  # new generations seen in 0.5 s
        assert server.get("/api/stats").json()["documents"] == 2
        build(index, beta)
        deadline, seen, statuses = time.monotonic() + 15, [], []
        while time.monotonic() < deadline and seen[-6:] != [3] * 6:
            answer = server.get(f"/api/search?q={COMMON}")
            statuses.append(answer.status)
            seen.append(answer.json()["total"] if answer.status == 200 else -1)
        assert seen[-6:] == [3] * 6, seen
        assert set(statuses) == {200}, statuses


def test_serve_refuses_without_an_index(tmp_path: Path) -> None:
    """An empty index directory: serve exits non-zero with a plain message naming the fix."""
    done = cli("serve", "--index", tmp_path, "--port", str(free_port()), timeout=60)
    assert done.returncode != 0
    assert "searchsvc index build" in done.stderr and "Traceback" not in done.stderr
