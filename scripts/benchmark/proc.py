"""Processes: run a command measuring time and peak memory, walk a process tree, read VmHWM."""

from __future__ import annotations

import contextlib
import os
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

PAGE = os.sysconf("SC_PAGE_SIZE")


def children_map() -> dict[int, list[int]]:
    """Return parent pid -> child pids for every process visible in /proc."""
    kids: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        kids.setdefault(ppid, []).append(int(entry.name))
    return kids


def tree(pid: int) -> list[int]:
    """Return pid and all its descendants."""
    kids, out, todo = children_map(), [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(kids.get(p, []))
    return out


def status(pid: int) -> dict[str, str]:
    """Return the fields of /proc/<pid>/status (empty when the process is gone)."""
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return {}
    return {k: v.strip() for k, _, v in (line.partition(":") for line in lines)}


def kib_field(pid: int, name: str) -> int | None:
    """Return a `NNN kB` field of /proc/<pid>/status in bytes."""
    raw = status(pid).get(name)
    return int(raw.split()[0]) * 1024 if raw else None


def cmdline(pid: int) -> str:
    """Return the command line of a process."""
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
    except OSError:
        return ""


def _tree_rss(pid: int) -> int:
    """Return the summed resident set size of a process tree in bytes."""
    total = 0
    for p in tree(pid):
        with contextlib.suppress(OSError, IndexError, ValueError):
            total += int(Path(f"/proc/{p}/statm").read_text().split()[1]) * PAGE
    return total


@dataclass
class Measured:
    """A finished command: exit status, output, wall time and peak memory."""

    returncode: int
    stdout: str
    stderr: str
    seconds: float
    maxrss_bytes: int
    tree_peak_bytes: int


def measure(cmd: list[str], env: dict[str, str] | None = None, sample_s: float = 0.25) -> Measured:
    """Run cmd to completion; peak RSS of its largest process (wait4) and of its whole tree."""
    with tempfile.TemporaryFile() as out_f, tempfile.TemporaryFile() as err_f:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, env=env, stdout=out_f, stderr=err_f)
        peak = [0]
        done = threading.Event()

        def sample() -> None:
            while not done.wait(sample_s):
                peak[0] = max(peak[0], _tree_rss(proc.pid))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _, wstatus, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        done.set()
        sampler.join()
        proc.returncode = os.waitstatus_to_exitcode(wstatus)
        out_f.seek(0)
        err_f.seek(0)
        return Measured(
            proc.returncode,
            out_f.read().decode(errors="replace"),
            err_f.read().decode(errors="replace"),
            seconds,
            usage.ru_maxrss * 1024,
            peak[0],
        )
