"""The real server for tests: `searchsvc serve` (gunicorn) on a free loopback port, and /proc.

Shared by the end-to-end, browser, reliability and security tests (and scripts/soak.py through
test_rel_harness). Everything is real: the console script in a session of its own, HTTP on
loopback, and the server's process tree, sockets and event polls read from /proc.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

SEARCHSVC = Path(sys.executable).with_name("searchsvc")
# Tests send bursts (no rate limit) and rebuild under a running server (new generations are
# picked up within half a second).
SERVE_ENV = {"SEARCHSVC_RATE_LIMIT": "0", "SEARCHSVC_RELOAD_INTERVAL_S": "0.5"}
BOOT_TIMEOUT_S = 30


def free_port() -> int:
    """Return a free TCP port on loopback."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def wait_for(predicate: Callable[[], Any], timeout: float, step: float = 0.1) -> bool:
    """Poll predicate until it is true or timeout passes; return its last truth."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return bool(predicate())


def kill_group(proc: subprocess.Popen[str], sig: int = signal.SIGKILL) -> None:
    """Send sig to the process group of proc (it was started in its own session) and reap it."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, sig)
    proc.communicate(timeout=30)


# ---------------------------------------------------------------- HTTP


@dataclass
class Reply:
    """One HTTP answer as the client saw it; a network failure is status 0 with the error."""

    status: int
    headers: dict[str, str]
    body: bytes
    error: str | None = None

    def json(self) -> Any:
        """Decode the body as JSON."""
        return json.loads(self.body)

    @property
    def text(self) -> str:
        """The body as text."""
        return self.body.decode("utf-8")


def http_get(url: str, headers: dict[str, str] | None = None, timeout: float = 10) -> Reply:
    """GET url on a fresh connection; HTTP errors and network failures come back as replies."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as resp:
            return Reply(resp.status, dict(resp.headers.items()), resp.read())
    except urllib.error.HTTPError as exc:
        with exc:
            return Reply(exc.code, dict(exc.headers.items()), exc.read())
    except OSError as exc:
        return Reply(0, {}, b"", error=repr(exc))


def raw_request(port: int, data: bytes, timeout: float = 10) -> Reply:
    """Send raw bytes to 127.0.0.1:port as one request and read the answer until close."""
    chunks = []
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(data)
        with contextlib.suppress(ConnectionResetError):
            while chunk := sock.recv(65536):
                chunks.append(chunk)
    head, _, body = b"".join(chunks).partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:] if ": " in line)
    return Reply(int(lines[0].split()[1]), headers, body)


# ---------------------------------------------------------------- the server


@dataclass
class Server:
    """A running `searchsvc serve` subprocess; its log (stderr) goes to a file."""

    proc: subprocess.Popen[str]
    port: int
    log: IO[str]
    timeout: float = 10

    @property
    def base(self) -> str:
        """The server's URL, without a trailing slash."""
        return f"http://127.0.0.1:{self.port}"

    def get(
        self, path: str, headers: dict[str, str] | None = None, timeout: float | None = None
    ) -> Reply:
        """GET a path of the server, within timeout seconds (by default the server's)."""
        return http_get(self.base + path, headers, self.timeout if timeout is None else timeout)

    def log_tail(self, chars: int = 5000) -> str:
        """Return the end of the server's log, read without moving the offset it writes at."""
        fd = self.log.fileno()
        size = os.fstat(fd).st_size
        start = max(0, size - 4 * chars)
        return os.pread(fd, size - start, start).decode("utf-8", "replace")[-chars:]


@contextlib.contextmanager
def serve(
    index: Path, workers: int = 2, env: dict[str, str] | None = None, timeout: float = 10
) -> Iterator[Server]:
    """Run `searchsvc serve` until the block ends, entered once every worker accepts.

    timeout is how long one request may take unless a call says otherwise.
    """
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
        server = Server(proc, port, log, timeout)
        try:
            _wait_ready(server, workers)
            yield server
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.communicate(timeout=20)
            except subprocess.TimeoutExpired:
                kill_group(proc)


def _wait_ready(server: Server, workers: int) -> None:
    """Wait until /healthz answers 200 and every worker accepts; fail with the log otherwise."""
    deadline = time.monotonic() + BOOT_TIMEOUT_S
    while time.monotonic() < deadline and server.proc.poll() is None:
        healthy = server.get("/healthz", timeout=2).status == 200
        if healthy and len(accepting_workers(server)) == workers:
            return
        time.sleep(0.1)
    found = f"{len(accepting_workers(server))} of {workers} workers accepting"
    if server.proc.poll() is None:
        kill_group(server.proc)
    raise AssertionError(f"searchsvc serve did not become ready ({found}):\n{server.log_tail()}")


# ---------------------------------------------------------------- /proc


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


def _tcp_table() -> list[list[str]]:
    """Return the fields of every IPv4 TCP socket of this machine (/proc/net/tcp)."""
    return [line.split() for line in Path("/proc/net/tcp").read_text().splitlines()[1:]]


def listener_inode(port: int) -> int | None:
    """Return the inode of the socket listening on port."""
    for fields in _tcp_table():
        if fields[1].endswith(f":{port:04X}") and fields[3] == "0A":
            return int(fields[9])
    return None


def server_side_inode(server_port: int, client_port: int) -> int | None:
    """Return the inode of the server's end of one connection (None until it is accepted)."""
    for fields in _tcp_table():
        if fields[1].endswith(f":{server_port:04X}") and fields[2].endswith(f":{client_port:04X}"):
            return int(fields[9]) or None
    return None


def open_files(pid: int) -> dict[int, str]:
    """Return fd -> what it points to for a process (empty when it is gone)."""
    found = {}
    with contextlib.suppress(OSError):
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            with contextlib.suppress(OSError):
                found[int(fd.name)] = os.readlink(fd)
    return found


def holder_of(inode: int, pids: list[int]) -> int | None:
    """Return which of pids holds the socket with this inode open."""
    for pid in pids:
        if f"socket:[{inode}]" in open_files(pid).values():
            return pid
    return None


def polls_socket(pid: int, inode: int) -> bool:
    """Say whether a process waits on the socket with this inode through an epoll.

    A gthread worker registers the listening socket with its epoll only once its app is
    loaded, right before its accept loop: from then on it takes connections.
    """
    files = open_files(pid)
    wanted = {fd for fd, target in files.items() if target == f"socket:[{inode}]"}
    for fd, target in files.items():
        if target != "anon_inode:[eventpoll]":
            continue
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{pid}/fdinfo/{fd}").read_text().splitlines():
                if line.startswith("tfd:") and int(line.split()[1]) in wanted:
                    return True
    return False


def accepting_workers(server: Server) -> list[int]:
    """Return the pids of the workers that accept connections on the server's port."""
    listener = listener_inode(server.port)
    if listener is None:
        return []
    return [pid for pid in workers_of(server) if polls_socket(pid, listener)]
