"""Shared helpers of the benchmark: paths, corpus sampling, cache keys, statistics, tables."""

from __future__ import annotations

import functools
import gzip
import hashlib
import json
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BENCH_DIR = ROOT / ".bench"
SHARED = ROOT.parent / "shared"
DEFAULT_CORPUS = SHARED / "corpus" / "vntc.jsonl.gz"
DEFAULT_QUERIES = SHARED / "eval" / "known-items-dev.jsonl"


def open_text(path: Path):
    """Open a .jsonl or .jsonl.gz file for reading text."""
    if path.suffix == ".gz":
        return gzip.open(path, "rt", encoding="utf-8")
    return path.open(encoding="utf-8")


def iter_records(path: Path) -> Iterator[dict]:
    """Yield the JSON objects of a JSON Lines file, one per non-blank line."""
    with open_text(path) as f:
        for line in f:
            if line.strip():
                yield json.loads(line)


def file_key(path: Path) -> str:
    """Return a short key of a file's identity: name, size and modification time."""
    st = path.stat()
    raw = f"{path.resolve()}:{st.st_size}:{int(st.st_mtime)}"
    return hashlib.sha1(raw.encode()).hexdigest()[:10]


@functools.cache
def code_version() -> str:
    """Return a short hash of the searchsvc package sources and data (what shapes an index).

    Computed once per run: others may edit the checkout while a long build runs.
    """
    h = hashlib.sha1()
    pkg = ROOT / "searchsvc"
    for p in sorted(pkg.rglob("*")):
        if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc":
            h.update(str(p.relative_to(pkg)).encode())
            h.update(p.read_bytes())
    return h.hexdigest()[:10]


def peer_version() -> str:
    """Return a short hash of the peer's code (what shapes the FTS5 database)."""
    return hashlib.sha1((ROOT / "scripts" / "benchmark" / "peer.py").read_bytes()).hexdigest()[:10]


@dataclass(frozen=True)
class Corpus:
    """The records both engines index: a JSON Lines file and its cache key."""

    path: Path
    key: str
    source: Path
    limit: int | None


def _count_records(path: Path) -> int:
    """Count the records of a corpus file, cached beside the benchmark data."""
    cache = BENCH_DIR / f"count-{file_key(path)}.txt"
    if cache.exists():
        return int(cache.read_text())
    n = sum(1 for _ in iter_records(path))
    cache.write_text(str(n))
    return n


def _wanted_ids(queries: Path | None) -> set[str]:
    """Return the ids the known-item queries count as relevant (kept in any sample)."""
    if queries is None or not queries.exists():
        return set()
    ids: set[str] = set()
    for q in iter_records(queries):
        ids.update(q.get("relevant") or [q.get("target")])
    return ids


def scaled_corpus(base: Corpus, scale: int) -> Corpus:
    """Return a corpus repeated `scale` times with distinct ids (copy k > 0: `<id>-xk`).

    The first copy keeps the original ids, so known-item queries still name their targets;
    every copy is a distinct article with the same text, as a site merging archives has.
    """
    BENCH_DIR.mkdir(exist_ok=True)
    key = f"{base.key}-x{scale}"
    out = BENCH_DIR / f"corpus-{key}.jsonl.gz"
    if not out.exists():
        tmp = out.with_suffix(".tmp")
        with gzip.open(tmp, "wt", encoding="utf-8", compresslevel=1) as f:
            for copy in range(scale):
                for rec in iter_records(base.path):
                    if copy:
                        rec = {**rec, "id": f"{rec['id']}-x{copy}"}
                    f.write(json.dumps(rec, ensure_ascii=False) + "\n")
        os.replace(tmp, out)
    return Corpus(out, key, base.source, base.limit)


def prepare_corpus(source: Path, limit: int | None, queries: Path | None, scale: int = 1) -> Corpus:
    """Return the corpus to index: the source, a cached sample of `limit` records, or the
    source `scale` times over.

    The corpus file is sorted by category, so a sample takes every k-th record plus every
    record a known-item query counts as relevant, keeping relevance figures meaningful.
    """
    BENCH_DIR.mkdir(exist_ok=True)
    if scale > 1:
        return scaled_corpus(prepare_corpus(source, limit, queries), scale)
    if not limit:
        return Corpus(source, file_key(source), source, None)
    wanted = _wanted_ids(queries)
    qkey = file_key(queries) if queries and queries.exists() else "none"
    key = f"{file_key(source)}-n{limit}-{qkey}"
    out = BENCH_DIR / f"corpus-{key}.jsonl.gz"
    if not out.exists():
        stride = max(1, _count_records(source) // max(1, limit - len(wanted)))
        tmp = out.with_suffix(".tmp")
        kept = 0
        with gzip.open(tmp, "wt", encoding="utf-8", compresslevel=1) as f:
            for i, rec in enumerate(iter_records(source)):
                if rec.get("id") in wanted or (i % stride == 0 and kept < limit):
                    f.write(json.dumps(rec, ensure_ascii=False) + "\n")
                    kept += 1
        os.replace(tmp, out)
    return Corpus(out, key, source, limit)


def percentile(values: list[float], p: float) -> float | None:
    """Return the p-th percentile (nearest rank) of values, None when empty."""
    if not values:
        return None
    s = sorted(values)
    rank = max(1, min(len(s), round(p / 100 * len(s) + 0.5)))
    return s[rank - 1]


def dir_size(path: Path) -> int:
    """Return the total size in bytes of the files under path (or of the file itself)."""
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


class Stopwatch:
    """Measure elapsed wall time in milliseconds."""

    def __enter__(self) -> Stopwatch:
        self.start = time.perf_counter()
        self.ms = 0.0
        return self

    def __exit__(self, *exc: object) -> None:
        self.ms = (time.perf_counter() - self.start) * 1000


def fmt(value: object, digits: int = 1) -> str:
    """Format a figure for a table: floats rounded, None as a dash."""
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def ratio(a: float | None, b: float | None) -> str:
    """Return a/b formatted as a ratio, or a dash when either is missing."""
    if a is None or b is None or b == 0:
        return "-"
    return f"{a / b:.2f}x"


def print_table(title: str, headers: list[str], rows: list[list[object]]) -> None:
    """Print a Markdown table with a title line."""
    cells = [[fmt(c) for c in row] for row in rows]
    widths = [
        max(len(h), *(len(r[i]) for r in cells)) if cells else len(h) for i, h in enumerate(headers)
    ]
    print(f"\n### {title}\n")
    print("| " + " | ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for r in cells:
        print("| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |")
    print(flush=True)


def mb(n_bytes: float | None) -> float | None:
    """Convert bytes to MiB."""
    return None if n_bytes is None else n_bytes / (1024 * 1024)
