"""Reliability under load and faults (issue 7): reindex under load, kills, writers, disk, workers.

Every check runs the real thing: `searchsvc` subprocesses on indexes in tmp_path, the real
gunicorn server on a free loopback port, real signals. The harness functions below take
their sizes as arguments so `scripts/soak` runs the same checks larger.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from server import (
    BOOT_TIMEOUT_S,
    Reply,
    Server,
    accepting_workers,
    holder_of,
    kill_group,
    serve,
    server_side_inode,
    wait_for,
    workers_of,
)
from test_rel_harness import COMMON, answers, build, cli, documents, popen, write_archive

# ---------------------------------------------------------------- a steady stream of searches


@dataclass
class Sample:
    """One search of the load stream: when it ran and which archive answered."""

    t0: float
    t1: float
    origin: str  # an archive prefix, or "failed: ...", "malformed: ...", "mixed: ..."


def classify(reply: Reply, sizes: dict[str, int]) -> str:
    """Name the archive that answered a search for COMMON, or say what is wrong."""
    if reply.status != 200:
        return f"failed: {reply.status} {reply.error or reply.body[:200]!r}"
    try:
        data = reply.json()
        total, hits = int(data["total"]), data["hits"]
        ids = {str(h["id"]) for h in hits}
        for h in hits:
            str(h["title"]), str(h["snippet"])
    except (ValueError, KeyError, TypeError) as exc:
        return f"malformed: {exc!r} {reply.body[:200]!r}"
    prefixes = {i.split("-", 1)[0] for i in ids}
    if len(prefixes) != 1:
        return f"mixed: ids from {sorted(prefixes)}"
    (prefix,) = prefixes
    if sizes.get(prefix) != total:
        return f"mixed: total {total} with hits from {prefix}"
    return prefix


@dataclass
class LoadStream:
    """Client threads sending searches at a steady total rate until stopped."""

    server: Server
    sizes: dict[str, int]
    rate: float
    threads: int = 4
    samples: list[Sample] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)
    _pool: list[threading.Thread] = field(default_factory=list)

    def __enter__(self) -> LoadStream:
        self.started = time.monotonic()
        for n in range(self.threads):
            t = threading.Thread(target=self._run, args=(n,), daemon=True)
            t.start()
            self._pool.append(t)
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        for t in self._pool:
            t.join(timeout=30)
        self.ended = time.monotonic()

    def _run(self, n: int) -> None:
        """Send this thread's share of the searches on its own schedule."""
        period = self.threads / self.rate
        next_at = time.monotonic() + period * n / self.threads
        path = f"/api/search?q={COMMON}&per_page=20"
        while not self.stop.is_set():
            pause = next_at - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            next_at = max(next_at + period, time.monotonic() - period)
            t0 = time.monotonic()
            reply = self.server.get(path, timeout=30)
            self.samples.append(Sample(t0, time.monotonic(), classify(reply, self.sizes)))

    def achieved_rate(self) -> float:
        """Return the searches per second actually sent."""
        return len(self.samples) / (self.ended - self.started)


@dataclass
class Switch:
    """One build under load: from which archive to which, and when it ran."""

    before: str
    after: str
    start: float
    end: float


def check_switches(samples: list[Sample], switches: list[Switch], grace: float) -> list[str]:
    """Return every sample that failed, was malformed or mixed, or came from the wrong archive."""
    problems = []
    for s in samples:
        if not s.origin.isalpha():
            problems.append(f"t={s.t0:.2f}: {s.origin}")
            continue
        allowed = _allowed(s, switches, grace)
        if s.origin not in allowed:
            problems.append(f"t={s.t0:.2f}: answer from {s.origin}, expected {sorted(allowed)}")
    return problems


def _allowed(s: Sample, switches: list[Switch], grace: float) -> set[str]:
    """Return the archives that may answer a search that ran from s.t0 to s.t1."""
    allowed = set()
    for i, sw in enumerate(switches):
        if s.t1 < sw.start and (i == 0 or s.t0 > switches[i - 1].end + grace):
            allowed.add(sw.before)
        if s.t0 <= sw.end + grace and s.t1 >= sw.start:
            allowed |= {sw.before, sw.after}
    if s.t0 > switches[-1].end + grace:
        allowed.add(switches[-1].after)
    return allowed


def reindex_under_load(
    tmp: Path, sizes: dict[str, int], order: list[str], rate: float, dwell: float, grace: float
) -> dict[str, Any]:
    """Serve order[0], rebuild to each next archive under load; return figures and problems."""
    archives = {}
    for prefix, n in sizes.items():
        archives[prefix] = tmp / f"{prefix}.jsonl"
        write_archive(archives[prefix], prefix, f"marker{prefix}", n, seed=len(prefix))
    index = tmp / "index"
    build(index, archives[order[0]])
    switches: list[Switch] = []
    with serve(index) as server, LoadStream(server, sizes, rate) as load:
        time.sleep(dwell)
        for before, after in itertools.pairwise(order):
            start = time.monotonic()
            build(index, archives[after])
            switches.append(Switch(before, after, start, time.monotonic()))
            time.sleep(grace + dwell)
    ends = [sw.start for sw in switches[1:]] + [load.ended]
    lags = [_switch_lag(load.samples, sw, until) for sw, until in zip(switches, ends, strict=True)]
    return {
        "requests": len(load.samples),
        "rate": round(load.achieved_rate(), 1),
        "builds": len(switches),
        "build_seconds": [round(sw.end - sw.start, 2) for sw in switches],
        "switch_lag_seconds": lags,
        "problems": check_switches(load.samples, switches, grace),
        "origins": sorted({s.origin for s in load.samples if s.origin.isalpha()}),
    }


def _switch_lag(samples: list[Sample], sw: Switch, until: float) -> float:
    """Return how long after the build ended the old archive still answered (before `until`)."""
    old = [s.t0 for s in samples if s.origin == sw.before and sw.start <= s.t0 < until]
    return round(max(old) - sw.end, 2) if old else 0.0


# ---------------------------------------------------------------- kills at spread moments


def kill_runs(kills: int, duration: float, seed: int, run_one: Any) -> None:
    """Call run_one(delay) -> (killed, held) at moments spread over the run until `kills` land.

    Slot i of n gets one random moment within the i-th n-th of the run. A writer that
    finishes before its kill shows the run is shorter than first timed (a warm second run
    often is): the estimate shrinks to what it took and that slot is tried again, at most
    `kills` extra times.
    """
    rnd, landed, estimate = random.Random(seed), 0, duration
    for _ in range(2 * kills):
        if landed == kills:
            return
        killed, held = run_one(estimate * (landed + rnd.uniform(0.1, 0.9)) / kills)
        landed += killed
        if not killed:
            estimate = min(estimate, held)


def writing(index: Path, pid: int) -> bool:
    """Say whether process pid holds the index: the LOCK file names the holder while it works.

    The pid field is compared, not searched for in the text: a killed writer's record stays
    in LOCK, and its paths and times hold digits that may spell the next writer's pid.
    """
    try:
        holder = json.loads((index / "LOCK").read_text(encoding="utf-8"))
    except (OSError, ValueError):  # no record yet, or one being written
        return False
    return isinstance(holder, dict) and holder.get("pid") == pid


def run_writer(
    args: Sequence[str | Path], index: Path, kill_at: float | None
) -> tuple[int | None, float]:
    """Start `searchsvc ARGS`; once it holds the lock, SIGKILL it after kill_at seconds.

    Returns its exit code (None when killed) and how long it held the lock. Timing the
    kills from the lock, not from the start, spreads them over the part that writes; the
    hold ends when LOCK stops naming the writer, not when it exits (the interpreter's exit
    after the release is a third of a short build).
    """
    proc = popen(*args, quiet=True)
    while not writing(index, proc.pid) and proc.poll() is None:
        time.sleep(0.005)
    held = time.monotonic()
    stop, released = held + (kill_at if kill_at is not None else 300), None
    while proc.poll() is None and time.monotonic() < stop:
        if released is None and not writing(index, proc.pid):
            released = time.monotonic()
        time.sleep(0.005)
    code = proc.poll()
    if code is None:
        kill_group(proc)
    return code, (released or time.monotonic()) - held


def timed(args: Sequence[str | Path], index: Path) -> float:
    """Run a writer to success and return how long it held the lock."""
    code, held = run_writer(args, index, None)
    assert code == 0, f"searchsvc {args} failed"
    return held


BUILD_QUERIES = (COMMON, "markera", "markerb", "phường quảng an", "hồ tây")


def kills_during_build(tmp: Path, n_a: int, n_b: int, kills: int, seed: int) -> dict[str, Any]:
    """SIGKILL builds of B over a live A at spread moments; return figures and problems."""
    a, b = tmp / "a.jsonl", tmp / "b.jsonl"
    write_archive(a, "a", "markera", n_a, seed=1)
    write_archive(b, "b", "markerb", n_b, seed=2)
    index, scratch = tmp / "index", tmp / "scratch"
    build(index, a)
    want_a = answers(index, BUILD_QUERIES)
    duration = timed(["index", "build", b, "--index", scratch], scratch)
    timed(["index", "build", b, "--index", scratch], scratch)  # live + previous: the footprint
    want_b = answers(scratch, BUILD_QUERIES)
    problems: list[str] = []
    outcomes: list[tuple[float, str, str]] = []

    def run_one(delay: float) -> tuple[bool, float]:
        code, held = run_writer(["index", "build", b, "--index", index], index, delay)
        got = answers(index, BUILD_QUERIES)
        state = "A" if got == want_a else "B" if got == want_b else "other"
        outcomes.append((round(delay, 2), "finished" if code is not None else "killed", state))
        if state == "other":
            problems.append(f"after a kill at {delay:.2f}s the live index answers {got}")
        return code is None, held

    kill_runs(kills, duration, seed, run_one)
    final = cli("index", "build", b, "--index", index)
    if final.returncode != 0:
        problems.append(f"the build after the kills failed: {final.stderr}")
    elif answers(index, BUILD_QUERIES) != want_b:
        problems.append("the build after the kills does not answer from B")
    problems += _leftovers(index, scratch)
    return _kill_figures("build", duration, outcomes, problems)


def _leftovers(index: Path, reference: Path) -> list[str]:
    """Compare the index's top-level entries and size with a cleanly built reference."""
    got = sorted(p.name for p in index.iterdir())
    ref = sorted(p.name for p in reference.iterdir())
    size = sum(p.stat().st_size for p in index.rglob("*") if p.is_file())
    ref_size = sum(p.stat().st_size for p in reference.rglob("*") if p.is_file())
    if len(got) > len(ref) or size > 1.5 * ref_size + 65536:
        return [f"leftovers after the next run: {got} ({size} bytes) vs clean {ref} ({ref_size})"]
    return []


def _kill_figures(
    what: str, duration: float, outcomes: list[tuple[float, str, str]], problems: list[str]
) -> dict[str, Any]:
    """Return the figures of one kill run."""
    return {
        "what": what,
        "uninterrupted_seconds": round(duration, 2),
        "kills": sum(1 for o in outcomes if o[1] == "killed"),
        "kills_leaving_old_live": sum(1 for o in outcomes if o[1:] == ("killed", "A")),
        "outcomes": outcomes,
        "problems": problems,
    }


def _update_check(index: Path, want_keep: Any, n_keep: int, n_change: int) -> list[str]:
    """Check a possibly half-updated index: readable, untouched answers, no lost or doubled doc."""
    from searchsvc.searching import Searcher, SearchRequest

    problems = []
    searcher = Searcher(index)
    keep = searcher.search(SearchRequest(query="kilo", per_page=100, sort="newest"))
    if (keep.total, [h.id for h in keep.hits]) != want_keep:
        problems.append(f"untouched articles answer differently: {keep.total}")
    tango = searcher.search(SearchRequest(query="tango", per_page=1)).total
    lima = searcher.search(SearchRequest(query="lima", per_page=1)).total
    docs = documents(index)
    if tango != n_keep + n_change:
        problems.append(f"changed articles lost or doubled: 'tango' finds {tango}")
    if docs != n_keep + n_change + lima:
        problems.append(f"{docs} documents for {n_keep + n_change} old + {lima} new")
    return problems


def kills_during_update(
    tmp: Path, n_keep: int, n_change: int, n_new: int, kills: int, seed: int
) -> dict[str, Any]:
    """SIGKILL updates (new + changed articles) at spread moments; return figures and problems."""
    base, upd = tmp / "base.jsonl", tmp / "update.jsonl"
    write_archive(base, "k", "tango kilo", n_keep, seed=1)
    write_archive(base, "c", "tango", n_change, seed=2, mode="a")
    write_archive(upd, "c", "tango echo", n_change, seed=3)
    write_archive(upd, "n", "lima", n_new, seed=4, mode="a")
    index, scratch = tmp / "index", tmp / "scratch"
    build(index, base)
    shutil.copytree(index, scratch)
    pristine = tmp / "pristine"
    shutil.copytree(index, pristine)
    from searchsvc.searching import Searcher, SearchRequest

    keep = Searcher(index).search(SearchRequest(query="kilo", per_page=100, sort="newest"))
    want_keep = (keep.total, [h.id for h in keep.hits])
    duration = timed(["index", "update", upd, "--index", scratch], scratch)
    problems: list[str] = []
    outcomes: list[tuple[float, str, str]] = []

    def run_one(delay: float) -> tuple[bool, float]:
        code, held = run_writer(["index", "update", upd, "--index", index], index, delay)
        found = _update_check(index, want_keep, n_keep, n_change)
        problems.extend(f"after a kill at {delay:.2f}s: {p}" for p in found)
        outcomes.append((round(delay, 2), "finished" if code is not None else "killed", "ok"))
        if code is not None:  # finished: put the old index back so the next try has work
            shutil.rmtree(index)
            shutil.copytree(pristine, index)
        return code is None, held

    kill_runs(kills, duration, seed, run_one)
    final = cli("index", "update", upd, "--index", index)
    if final.returncode != 0:
        problems.append(f"the update after the kills failed: {final.stderr}")
    problems += _update_check(index, want_keep, n_keep, n_change)
    if documents(index) != n_keep + n_change + n_new:
        problems.append(f"the update after the kills left {documents(index)} documents")
    problems += _leftovers(index, scratch)
    return _kill_figures("update", duration, outcomes, problems)


# ---------------------------------------------------------------- writers, disk, workers


NO_TRACEBACK = ("Traceback (most recent call last)", 'File "/')


def concurrent_builds(tmp: Path, n: int) -> dict[str, Any]:
    """Start two builds of one index together; return both outcomes."""
    tmp.mkdir(parents=True, exist_ok=True)
    src = tmp / "c.jsonl"
    write_archive(src, "c", "markerc", n, seed=5)
    index = tmp / "index"
    procs = [popen("index", "build", src, "--index", index) for _ in range(2)]
    ended: list[tuple[float, int, str, str]] = [(0.0, 0, "", "")] * 2

    def wait(i: int) -> None:
        out, err = procs[i].communicate(timeout=300)
        ended[i] = (time.monotonic(), procs[i].returncode, out, err)

    waiters = [threading.Thread(target=wait, args=(i,)) for i in range(2)]
    for t in waiters:
        t.start()
    for t in waiters:
        t.join()
    return {"procs": procs, "ended": ended, "documents": documents(index), "n": n}


@contextlib.contextmanager
def small_tmpfs(where: Path, size: str) -> Iterator[Path]:
    """Mount a tmpfs of the given size at where, or skip the test saying why."""
    where.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        pytest.skip(f"SKIPPED disk-full check: cannot mount a tmpfs here ({done.stderr.strip()})")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def fill(directory: Path, leave: int) -> None:
    """Fill the filesystem of directory until about `leave` bytes are free."""
    free = shutil.disk_usage(directory).free
    if free > leave:
        (directory / "ballast").write_bytes(b"\0" * (free - leave))


@contextlib.contextmanager
def half_sent_request(server: Server) -> Iterator[tuple[socket.socket, int | None]]:
    """Open a connection with a request not yet finished; yield it and the worker holding it."""
    port = int(server.base.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        conn.sendall(f"GET /api/search?q={COMMON} HTTP/1.1\r\nHost: x\r\n".encode())
        inode, holder = None, None
        deadline = time.monotonic() + 5
        while holder is None and time.monotonic() < deadline:
            inode = inode or server_side_inode(port, conn.getsockname()[1])
            holder = holder_of(inode, workers_of(server)) if inode else None
            time.sleep(0.02)
        yield conn, holder


def finish_request(conn: socket.socket) -> bool:
    """Send the end of a half-sent request; say whether an HTTP answer came back."""
    try:
        conn.sendall(b"Connection: close\r\n\r\n")
        return conn.recv(64).startswith(b"HTTP/1.1 200")
    except OSError:
        return False


def worker_crash(server: Server, crashes: int, requests_after: int) -> dict[str, Any]:
    """SIGKILL the worker holding an unfinished request; return how the service answered."""
    figures: dict[str, Any] = {"kills": 0, "in_flight_failed": 0, "after_failed": 0}
    figures.update(after_sent=0, replaced=[])
    for _ in range(crashes):
        # A replaced worker exists before it has loaded the app: wait until both accept, or
        # the requests after the kill would wait for it to boot (or time out on a busy machine).
        ready = wait_for(lambda: len(accepting_workers(server)) >= 2, BOOT_TIMEOUT_S)
        original = workers_of(server)
        assert ready, f"2 workers should accept; {accepting_workers(server)} of {original} do"
        with half_sent_request(server) as (conn, holder):
            assert holder is not None, "no worker holds the half-sent request"
            os.kill(holder, signal.SIGKILL)
            figures["kills"] += 1
            figures["in_flight_failed"] += not finish_request(conn)
        replies = [server.get(f"/api/search?q={COMMON}") for _ in range(requests_after)]
        figures["after_sent"] += len(replies)
        figures["after_failed"] += sum(r.status != 200 for r in replies)
        replaced = wait_for(lambda o=original: len(set(workers_of(server)) - set(o)) >= 1, 30)
        figures["replaced"].append(replaced)
    return figures


# ---------------------------------------------------------------- the tests


def test_reindex_under_load_switches_cleanly(tmp_path: Path) -> None:
    """Searches at >= 20/s during a rebuild: none fails, none mixes, A before and B after."""
    figures = reindex_under_load(
        tmp_path, {"a": 60, "b": 300}, ["a", "b"], rate=25, dwell=1.0, grace=4.0
    )
    assert figures["problems"] == [], figures["problems"][:20]
    assert figures["rate"] >= 20, figures
    assert figures["origins"] == ["a", "b"], figures


def test_kills_during_build_leave_live_index_answering(tmp_path: Path) -> None:
    """Builds SIGKILLed at 5 spread moments: same answers from the live index; next build works."""
    figures = kills_during_build(tmp_path, n_a=40, n_b=200, kills=5, seed=7)
    assert figures["problems"] == [], figures
    assert figures["kills"] >= 4, figures
    assert figures["kills_leaving_old_live"] >= 3, figures


def test_kills_during_update_keep_index_consistent(tmp_path: Path) -> None:
    """Updates SIGKILLed at 5 spread moments: readable, nothing lost or doubled; next completes."""
    figures = kills_during_update(tmp_path, n_keep=60, n_change=40, n_new=500, kills=5, seed=8)
    assert figures["problems"] == [], figures
    assert figures["kills"] >= 4, figures


def test_two_builds_at_once_one_proceeds(tmp_path: Path) -> None:
    """Two builds started together: exactly one succeeds; the other exits at once, saying why.

    On a loaded machine one process can finish its whole build before the other has even
    started Python; both then succeed one after the other, which says nothing about the lock.
    Such a run is started again (with a fresh index), up to three times.
    """
    for attempt in range(3):
        got = concurrent_builds(tmp_path / f"try{attempt}", n=200)
        codes = [e[1] for e in got["ended"]]
        if codes != [0, 0]:
            break
    assert sorted(c == 0 for c in codes) == [False, True], got["ended"]
    winner, loser = (0, 1) if codes[0] == 0 else (1, 0)
    t_win, _, _, _ = got["ended"][winner]
    t_lose, _, out, err = got["ended"][loser]
    message = out + err
    assert t_lose < t_win, "the second writer waited instead of exiting at once"
    assert str(got["procs"][winner].pid) in message, message
    assert any(w in message.lower() for w in ("lock", "another", "running")), message
    assert not any(t in message for t in NO_TRACEBACK), message
    assert got["documents"] == got["n"]


def test_disk_full_build_fails_cleanly_and_live_index_serves(tmp_path: Path) -> None:
    """A build that fills a 2 MB tmpfs fails with a plain message; the live index still answers."""
    with small_tmpfs(tmp_path / "small", "2m") as small:
        a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
        write_archive(a, "a", "markera", 40, seed=1)
        write_archive(b, "b", "markerb", 400, seed=2)
        index = small / "index"
        build(index, a)
        want = answers(index, BUILD_QUERIES)
        fill(small, leave=400_000)  # about a third of what B's generation needs
        done = cli("index", "build", b, "--index", index)
        message = done.stdout + done.stderr
        assert done.returncode != 0, message
        assert not any(t in message for t in NO_TRACEBACK), message
        assert "space" in message.lower() or "đầy" in message.lower(), message
        assert answers(index, BUILD_QUERIES) == want
        with serve(index, workers=1) as server:
            assert classify(server.get(f"/api/search?q={COMMON}&per_page=20"), {"a": 40}) == "a"
        (small / "ballast").unlink()  # the operator frees space; nothing else is cleaned
        build(index, a)
        assert answers(index, BUILD_QUERIES) == want
        assert not [p for p in index.iterdir() if "partial" in p.name or "tmp" in p.name]


def test_killed_worker_is_replaced_and_service_keeps_answering(tmp_path: Path) -> None:
    """SIGKILL a gunicorn worker mid-request: later requests succeed; a new worker appears."""
    src = tmp_path / "a.jsonl"
    write_archive(src, "a", "markera", 100, seed=1)
    build(tmp_path / "index", src)
    with serve(tmp_path / "index", workers=2) as server:
        figures = worker_crash(server, crashes=2, requests_after=20)
        assert figures["after_failed"] == 0, figures
        assert figures["in_flight_failed"] == 2, "the killed worker still answered?"
        assert figures["replaced"] == [True, True], figures
        assert server.get("/healthz").status == 200
