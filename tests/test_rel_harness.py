"""Plumbing of the issue-7 checks: archives with marker words and `searchsvc` commands.

Shared by the tests that run `searchsvc` (reliability, broken archives, fuzzing, security, end
to end) and by scripts/soak.py; the real server's helpers are in tests/server.py.
Every helper runs the real thing: subprocesses on indexes on disk.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from server import SEARCHSVC

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
    from searchsvc.searching import Searcher, SearchRequest

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
