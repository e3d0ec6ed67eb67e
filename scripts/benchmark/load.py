"""Load: the real server under closed-loop load from a separate client process, and its memory.

Run as `python -m benchmark.load client ...` it is the load generator: one thread per
connection, raw `http.client` over keep-alive connections, bounded in time and requests,
printing its figures as JSON.
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from collections import Counter
from pathlib import Path

from benchmark.common import BENCH_DIR, ROOT, percentile
from benchmark.proc import cmdline, kib_field, tree


def free_port() -> int:
    """Return a free TCP port on the loopback interface."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def search_url(text: str, category: str | None) -> str:
    """Return the API path of a results page."""
    params = {"q": text, **({"category": category} if category else {})}
    return "/api/search?" + urllib.parse.urlencode(params)


class Server:
    """A server on a free loopback port in a session of its own, logging to .bench/<name>.log."""

    def __init__(self, name: str, cmd: list[str], env: dict[str, str]) -> None:
        self.port = free_port()
        self.cmd = [part.replace("{port}", str(self.port)) for part in cmd]
        self.log_path = BENCH_DIR / f"{name}.log"
        self.log = self.log_path.open("wb")
        self.proc = subprocess.Popen(
            self.cmd,
            env={**os.environ, **env},
            stdout=self.log,
            stderr=self.log,
            start_new_session=True,
        )

    def get(self, path: str, timeout: float = 30) -> tuple[int, bytes]:
        """Send one GET and return status and body."""
        con = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            con.request("GET", path)
            resp = con.getresponse()
            return resp.status, resp.read()
        finally:
            con.close()

    def wait_ready(self, timeout_s: float = 300) -> None:
        """Wait until /healthz answers 200; raise with the server log when it does not."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            try:
                if self.get("/healthz", timeout=10)[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.3)
        raise RuntimeError("server did not become ready: " + self.log_tail())

    def log_tail(self) -> str:
        """Return the end of the server's log."""
        self.log.flush()
        text = self.log_path.read_text(errors="replace")
        return "\n".join(text.strip().splitlines()[-10:])

    def processes(self) -> list[dict]:
        """Return pid, role, VmHWM and VmRSS of every process of the server."""
        pids = tree(self.proc.pid)
        out = []
        for pid in pids:
            role = "master" if pid == self.proc.pid and len(pids) > 1 else "worker"
            out.append(
                {
                    "pid": pid,
                    "role": role,
                    "cmd": cmdline(pid)[:120],
                    "hwm_bytes": kib_field(pid, "VmHWM"),
                    "rss_bytes": kib_field(pid, "VmRSS"),
                    "anon_bytes": kib_field(pid, "RssAnon"),
                    "file_bytes": kib_field(pid, "RssFile"),
                }
            )
        return [p for p in out if p["hwm_bytes"] is not None]

    def stop(self) -> None:
        """Stop the server's process group (it was started in a session of its own)."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.log.close()


def searchsvc_server(exe: str, index_dir: Path, workers: int = 2) -> Server:
    """Start `searchsvc serve --workers 2` with rate limiting off."""
    cmd = [
        exe,
        "serve",
        "--index",
        str(index_dir),
        "--host",
        "127.0.0.1",
        "--port",
        "{port}",
        "--workers",
        str(workers),
    ]
    env = {"SEARCHSVC_RATE_LIMIT": "0", "SEARCHSVC_INDEX": str(index_dir)}
    return Server("server-searchsvc", cmd, env)


def peer_server(db: Path, workers: int = 2) -> Server:
    """Start the FTS5 peer's WSGI app under gunicorn with its default (sync) workers."""
    gunicorn = ROOT / ".venv" / "bin" / "gunicorn"
    exe = str(gunicorn) if gunicorn.exists() else "gunicorn"
    cmd = [
        exe,
        "--workers",
        str(workers),
        "--bind",
        "127.0.0.1:{port}",
        "--chdir",
        str(ROOT / "scripts"),
        "benchmark.peer_app:app",
    ]
    return Server("server-fts5", cmd, {"BENCH_PEER_DB": str(db)})


def zipf_sequence(n_urls: int, length: int, s: float = 1.1, seed: int = 7) -> list[int]:
    """Return indices drawn from a Zipf law over n_urls ranks (a few repeat very often)."""
    weights = [1 / (rank**s) for rank in range(1, n_urls + 1)]
    rng = random.Random(seed)
    order = list(range(n_urls))
    rng.shuffle(order)
    return [order[i] for i in rng.choices(range(n_urls), weights=weights, k=length)]


def run_client(
    port: int,
    urls: list[str],
    concurrency: int,
    duration: float,
    max_requests: int,
    sequence: list[int] | None,
    offset: int = 0,
) -> dict:
    """Drive a closed loop of `concurrency` connections; return throughput and latencies."""
    counter = itertools.count()
    deadline = time.monotonic() + duration
    lat: list[list[float]] = [[] for _ in range(concurrency)]
    statuses: list[Counter] = [Counter() for _ in range(concurrency)]

    def worker(slot: int) -> None:
        con = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while time.monotonic() < deadline:
            n = next(counter)
            if n >= max_requests:
                break
            url = urls[sequence[n % len(sequence)] if sequence else (offset + n) % len(urls)]
            start = time.perf_counter()
            try:
                con.request("GET", url)
                resp = con.getresponse()
                resp.read()
                statuses[slot][resp.status] += 1
            except (OSError, http.client.HTTPException) as exc:
                statuses[slot][type(exc).__name__] += 1
                con.close()
                con = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            lat[slot].append((time.perf_counter() - start) * 1000)
        con.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(concurrency)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    ms = [x for part in lat for x in part]
    total: Counter = sum(statuses, Counter())
    return {
        "concurrency": concurrency,
        "requests": len(ms),
        "seconds": elapsed,
        "rps": len(ms) / elapsed if elapsed else None,
        "p50_ms": percentile(ms, 50),
        "p95_ms": percentile(ms, 95),
        "p99_ms": percentile(ms, 99),
        "max_ms": max(ms) if ms else None,
        "errors": sum(n for k, n in total.items() if k != 200),
        "statuses": {str(k): n for k, n in total.items()},
    }


def drive(
    port: int,
    urls: list[str],
    concurrency: int,
    duration: float,
    max_requests: int,
    skew: bool,
    offset: int = 0,
) -> dict:
    """Run the load generator in a separate process and return its figures."""
    url_file = BENCH_DIR / "load-urls.json"
    url_file.write_text(json.dumps(urls))
    cmd = [
        sys.executable,
        "-m",
        "benchmark.load",
        "client",
        "--port",
        str(port),
        "--urls",
        str(url_file),
        "--concurrency",
        str(concurrency),
        "--duration",
        str(duration),
        "--max-requests",
        str(max_requests),
        "--offset",
        str(offset),
    ]
    if skew:
        cmd.append("--zipf")
    out = subprocess.run(cmd, capture_output=True, text=True, check=True, cwd=ROOT)
    result = json.loads(out.stdout)
    result["mix"] = "zipf" if skew else "uniform"
    return result


def main(argv: list[str] | None = None) -> int:
    """Run the load generator and print its figures as JSON."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("command", choices=["client"])
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--urls", type=Path, required=True)
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--duration", type=float, default=20)
    ap.add_argument("--max-requests", type=int, default=10_000)
    ap.add_argument("--zipf", action="store_true")
    ap.add_argument("--offset", type=int, default=0)
    args = ap.parse_args(argv)
    urls = json.loads(args.urls.read_text())
    seq = zipf_sequence(len(urls), args.max_requests) if args.zipf else None
    res = run_client(
        args.port, urls, args.concurrency, args.duration, args.max_requests, seq, args.offset
    )
    print(json.dumps(res))
    return 0


if __name__ == "__main__":
    sys.exit(main())
