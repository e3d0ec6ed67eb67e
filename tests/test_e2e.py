"""End to end: the real `searchsvc serve` (gunicorn) on a free loopback port, over real HTTP.

The index is built from the bundled sample archive; the server is the console script in a
subprocess of its own session, stopped with SIGTERM at the end.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

SEARCHSVC = Path(sys.executable).parent / "searchsvc"


def free_port() -> int:
    """Return a free TCP port on loopback."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class Answer:
    """One HTTP answer."""

    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        """Decode the body as JSON."""
        return json.loads(self.body)

    @property
    def text(self) -> str:
        """The body as text."""
        return self.body.decode("utf-8")


@dataclass
class Server:
    """A running `searchsvc serve`."""

    proc: subprocess.Popen[str]
    base: str

    def get(self, path: str, headers: dict[str, str] | None = None) -> Answer:
        """GET a path; HTTP errors come back as answers too."""
        request = urllib.request.Request(self.base + path, headers=headers or {})
        try:
            with urllib.request.urlopen(request, timeout=20) as resp:
                return Answer(resp.status, dict(resp.headers.items()), resp.read())
        except urllib.error.HTTPError as exc:
            with exc:
                return Answer(exc.code, dict(exc.headers.items()), exc.read())


def build_sample_index(target: Path) -> Path:
    """Build an index of the bundled sample archive into target."""
    from searchsvc import indexer

    indexer.build(None, target)
    return target


@contextlib.contextmanager
def running_server(index: Path, workers: int = 2, **env: str) -> Iterator[Server]:
    """Run `searchsvc serve` against index until the block ends, then stop it with SIGTERM."""
    port = free_port()
    command = [str(SEARCHSVC), "serve", "--index", str(index), "--port", str(port)]
    proc = subprocess.Popen(
        [*command, "--host", "127.0.0.1", "--workers", str(workers)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "SEARCHSVC_RATE_LIMIT": "0", **env},
        start_new_session=True,
    )
    server = Server(proc, f"http://127.0.0.1:{port}")
    try:
        _wait_healthy(server)
        yield server
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()


def _wait_healthy(server: Server, timeout: float = 30) -> None:
    """Wait for /healthz to answer 200, or fail with the server's stderr."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and server.proc.poll() is None:
        with contextlib.suppress(OSError):
            if server.get("/healthz").status == 200:
                return
        time.sleep(0.1)
    if server.proc.poll() is None:
        os.killpg(server.proc.pid, signal.SIGKILL)
    _, err = server.proc.communicate(timeout=20)
    raise AssertionError(f"searchsvc serve did not become healthy:\n{err[-3000:]}")


@pytest.fixture(scope="module")
def sample_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An index of the sample archive."""
    return build_sample_index(tmp_path_factory.mktemp("e2e") / "index")


@pytest.fixture(scope="module")
def server(sample_index: Path) -> Iterator[Server]:
    """The real server on an index of the sample archive."""
    with running_server(sample_index) as running:
        yield running


def test_health_and_stats(server: Server) -> None:
    """Health is 200 with the document count; the server header names no version."""
    health = server.get("/healthz")
    assert health.status == 200 and health.json()["status"] == "ok"
    stats = server.get("/api/stats").json()
    assert stats["documents"] >= 20 and stats["documents"] == health.json()["documents"]
    assert not any(ch.isdigit() for ch in health.headers.get("Server", ""))


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
    with running_server(sample_index, workers=1, SEARCHSVC_CORS_ORIGINS=origin) as other:
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


def write_archive(path: Path, marker: str, count: int) -> Path:
    """Write a small JSON Lines archive whose articles all carry a marker word."""
    records = [
        {
            "id": f"{marker}-{i}",
            "title": f"Tin {marker} số {i} của phường Quảng An",
            "body": f"Bài viết {marker} số {i} về công tác tiếp dân của quận Tây Hồ.",
            "published": f"2024-0{i + 1}-15T08:00:00+07:00",
            "category": "Tin tức",
        }
        for i in range(count)
    ]
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), "utf-8")
    return path


def test_a_new_build_is_served_without_restart(tmp_path: Path) -> None:
    """`index build` in another process: workers answer from it within seconds, none fails."""
    index = tmp_path / "index"
    build = [str(SEARCHSVC), "index", "build", "--index", str(index)]
    subprocess.run([*build, str(write_archive(tmp_path / "a.jsonl", "alpha", 2))], check=True)
    with running_server(index, workers=2, SEARCHSVC_RELOAD_INTERVAL_S="0.5") as server:
        assert server.get("/api/stats").json()["documents"] == 2
        archive = write_archive(tmp_path / "b.jsonl", "beta", 3)
        subprocess.run([*build, str(archive)], check=True, capture_output=True)
        deadline, seen, statuses = time.monotonic() + 15, [], []
        while time.monotonic() < deadline and seen[-6:] != [3] * 6:
            answer = server.get("/api/search?q=quang+an")
            statuses.append(answer.status)
            seen.append(answer.json()["total"] if answer.status == 200 else -1)
        assert seen[-6:] == [3] * 6, seen
        assert set(statuses) == {200}, statuses


def test_serve_refuses_without_an_index(tmp_path: Path) -> None:
    """An empty index directory: serve exits non-zero with a plain message naming the fix."""
    done = subprocess.run(
        [str(SEARCHSVC), "serve", "--index", str(tmp_path), "--port", str(free_port())],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert "searchsvc index build" in done.stderr and "Traceback" not in done.stderr
