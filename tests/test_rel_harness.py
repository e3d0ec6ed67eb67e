"""Plumbing of the issue-7 checks: archives with marker words, `searchsvc` commands, the server.

Shared by tests/test_reliability.py, test_rel_broken.py, test_fuzz_*.py, test_security.py
and scripts/soak.py. Every helper runs the real thing: subprocesses, real HTTP, /proc.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import IO, Any

SEARCHSVC = Path(sys.executable).with_name("searchsvc")

# Marker words: plain syllables with no Telex keys (s f r x j z w, doubled vowels) and no
# abbreviation, so query understanding searches them as written.
COMMON = "mekong"
_WORDS = (
    "phường quảng an nhật tân tứ liên yên phụ thụy khuê bưởi xuân la phú thượng "
    "ủy ban nhân dân quận tổ chức hội nghị triển khai kế hoạch công tác năm mới "
    "cán bộ công chức viên chức người dân doanh nghiệp hồ tây văn hóa du lịch "
    "an ninh trật tự môi trường cải cách hành chính chuyển đổi số giáo dục y tế"
)
WORDS = tuple(_WORDS.split())

# ---------------------------------------------------------------- archives and commands


def write_archive(
    path: Path, prefix: str, marker: str, n: int, seed: int = 0, mode: str = "w"
) -> list[str]:
    """Write n JSONL articles whose ids start with prefix and whose text carries marker."""
    rnd = random.Random(seed)
    ids = []
    with path.open(mode, encoding="utf-8") as out:
        for i in range(n):
            art_id = f"{prefix}-{i:05d}"
            body = " ".join(rnd.choice(WORDS) for _ in range(rnd.randint(60, 160)))
            record = {
                "id": art_id,
                "title": f"Tin {marker} số {i} về {rnd.choice(WORDS)} {rnd.choice(WORDS)}",
                "body": f"{body} {COMMON} {marker}. {body[:200]}",
                "date": (date(2012, 1, 1) + timedelta(days=i)).isoformat(),
                "category": rnd.choice(["Tin tức", "Thông báo", "Văn hóa", "An ninh"]),
                "url": f"https://example.invalid/{art_id}",
            }
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
            ids.append(art_id)
    return ids


def cli(
    *args: str | Path, env: dict[str, str] | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """Run `searchsvc ARGS` and return the finished process."""
    return subprocess.run(
        [str(SEARCHSVC), *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
        stdin=subprocess.DEVNULL,
    )


def popen(*args: str | Path, quiet: bool = False) -> subprocess.Popen[str]:
    """Start `searchsvc ARGS` in its own process group (output piped unless quiet)."""
    out = subprocess.DEVNULL if quiet else subprocess.PIPE
    return subprocess.Popen(
        [str(SEARCHSVC), *map(str, args)],
        stdout=out,
        stderr=out,
        stdin=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    )


def build(index: Path, *sources: Path, timeout: float = 300) -> None:
    """Build an index of the sources and fail the test when the build fails."""
    done = cli("index", "build", *sources, "--index", index, timeout=timeout)
    assert done.returncode == 0, f"build failed:\n{done.stdout}\n{done.stderr}"


def status(index: Path) -> dict[str, Any]:
    """Return `searchsvc index status --json` of an index."""
    done = cli("index", "status", "--json", "--index", index)
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def documents(index: Path) -> int:
    """Return the number of documents of the live generation."""
    st = status(index)
    for key in ("documents", "docs", "doc_count"):
        if key in st:
            return int(st[key])
    raise AssertionError(f"index status --json reports no document count: {st}")


def answers(index: Path, queries: Sequence[str]) -> dict[str, tuple[int, tuple[str, ...]]]:
    """Return, for each query, the total and the ids of the first 20 hits (fresh searcher)."""
    from searchsvc.search import Searcher, SearchRequest

    searcher = Searcher(index)
    try:
        out = {}
        for q in queries:
            res = searcher.search(SearchRequest(query=q, per_page=20))
            out[q] = (res.total, tuple(h.id for h in res.hits))
        return out
    finally:
        close = getattr(searcher, "close", None)
        if callable(close):
            close()


def kill_group(proc: subprocess.Popen[str], sig: int = signal.SIGKILL) -> None:
    """Send sig to the process group of proc (it was started in its own session) and reap it."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, sig)
    proc.communicate(timeout=30)


# ---------------------------------------------------------------- the real server


def free_port() -> int:
    """Return a free TCP port on loopback."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class Reply:
    """One HTTP answer as the client saw it."""

    status: int
    headers: dict[str, str]
    body: bytes
    error: str | None = None

    def json(self) -> Any:
        """Decode the body as JSON."""
        return json.loads(self.body)


def http_get(url: str, timeout: float = 10) -> Reply:
    """GET url on a fresh connection; network failures come back as status 0 with the error."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            return Reply(resp.status, dict(resp.headers.items()), resp.read())
    except urllib.error.HTTPError as exc:
        return Reply(exc.code, dict(exc.headers.items()), exc.read())
    except (OSError, urllib.error.URLError) as exc:
        return Reply(0, {}, b"", error=repr(exc))


@dataclass
class Server:
    """A running `searchsvc serve` subprocess."""

    proc: subprocess.Popen[str]
    base: str
    log: IO[str]

    def get(self, path: str, timeout: float = 10) -> Reply:
        """GET a path of the server."""
        return http_get(self.base + path, timeout)


SERVE_ENV = {"SEARCHSVC_RATE_LIMIT": "0", "SEARCHSVC_RELOAD_INTERVAL_S": "0.5"}


@contextlib.contextmanager
def serve(index: Path, workers: int = 2, env: dict[str, str] | None = None) -> Iterator[Server]:
    """Run `searchsvc serve` on a free loopback port until the block ends."""
    port = free_port()
    args = ["serve", "--index", str(index), "--host", "127.0.0.1", "--port", str(port)]
    # The server's log goes to a file: a pipe nobody reads would fill and stall the server.
    with tempfile.TemporaryFile("w+") as log:
        proc = subprocess.Popen(
            [str(SEARCHSVC), *args, "--workers", str(workers)],
            stdout=subprocess.DEVNULL,
            stderr=log,
            stdin=subprocess.DEVNULL,
            text=True,
            env={**os.environ, **SERVE_ENV, **(env or {})},
            start_new_session=True,
        )
        server = Server(proc, f"http://127.0.0.1:{port}", log)
        try:
            _wait_healthy(server)
            yield server
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.communicate(timeout=20)
            except subprocess.TimeoutExpired:
                kill_group(proc)


def _wait_healthy(server: Server, timeout: float = 30) -> None:
    """Wait until /healthz answers 200; fail with the server's stderr otherwise."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.proc.poll() is not None:
            break
        if server.get("/healthz", timeout=2).status == 200:
            return
        time.sleep(0.1)
    if server.proc.poll() is None:
        kill_group(server.proc)
    server.log.seek(0)
    err = server.log.read()[-5000:]
    raise AssertionError(f"searchsvc serve did not become healthy:\n{err}")


def descendants(pid: int) -> dict[int, int]:
    """Return pid -> parent pid of every live descendant of pid (from /proc)."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields_after = stat.rsplit(")", 1)[1].split()
        if fields_after[0] != "Z":
            parents[int(entry.name)] = int(fields_after[1])
    found: dict[int, int] = {}
    frontier = [pid]
    while frontier:
        parent = frontier.pop()
        for child, ppid in parents.items():
            if ppid == parent and child not in found:
                found[child] = ppid
                frontier.append(child)
    return found


def workers_of(server: Server) -> list[int]:
    """Return the pids of the gunicorn workers: the leaves of the server's process tree."""
    tree = descendants(server.proc.pid)
    return sorted(pid for pid in tree if pid not in tree.values())
