"""Build both indexes in separate processes, measuring docs/s, size and peak RSS; cache them."""

from __future__ import annotations

import json
import re
import shutil
import sys
from pathlib import Path

from benchmark.common import (
    BENCH_DIR,
    ROOT,
    Corpus,
    code_version,
    dir_size,
    peer_version,
)
from benchmark.proc import measure


def searchsvc_exe() -> str:
    """Return the searchsvc command of this checkout's virtualenv (or the one on PATH)."""
    exe = ROOT / ".venv" / "bin" / "searchsvc"
    return str(exe) if exe.exists() else shutil.which("searchsvc") or "searchsvc"


def peer_db(corpus: Corpus) -> Path:
    """Return where the peer database of a corpus is cached."""
    return BENCH_DIR / f"fts5-{corpus.key}-{peer_version()}.db"


STALE_OK = False  # set by --stale-ok: reuse the newest cached index whatever its code version
GIVEN: Path | None = None  # set by --index-dir: an index built elsewhere, used as it is


def searchsvc_dir(corpus: Corpus) -> Path:
    """Return where the searchsvc index of a corpus and code version is cached."""
    if GIVEN is not None:
        return GIVEN
    exact = BENCH_DIR / f"searchsvc-{corpus.key}-{code_version()}"
    if STALE_OK and not exact.exists():
        built = [p for p in BENCH_DIR.glob(f"searchsvc-{corpus.key}-*") if p.is_dir() and cached(p)]
        if built:
            return max(built, key=lambda p: p.stat().st_mtime)
    return exact


def _figures_path(target: Path) -> Path:
    """Return the JSON file holding the build figures of a cached index."""
    return target.parent / (target.name + ".build.json")


def _tail(text: str, lines: int = 8) -> str:
    """Return the last lines of a command's output."""
    return "\n".join(text.strip().splitlines()[-lines:])


def _finish(target: Path, figures: dict) -> dict:
    """Record a build's figures beside it and return them."""
    figures["docs_per_s"] = figures["docs"] / figures["seconds"] if figures.get("ok") else None
    _figures_path(target).write_text(json.dumps(figures, indent=1))
    return figures


def build_peer(corpus: Corpus) -> dict:
    """Build the FTS5 database in a child process and return its figures."""
    db = peer_db(corpus)
    m = measure([sys.executable, "-m", "benchmark.peer", "build", str(corpus.path), str(db)])
    figures = {
        "ok": m.returncode == 0,
        "seconds": m.seconds,
        "maxrss_bytes": m.maxrss_bytes,
        "tree_peak_bytes": m.tree_peak_bytes,
        "docs": 0,
    }
    if m.returncode == 0:
        out = json.loads(m.stdout.strip().splitlines()[-1])
        figures.update(docs=out["docs"], build_seconds=out["seconds"], size_bytes=out["size_bytes"])
    else:
        figures["error"] = _tail(m.stderr)
    return _finish(db, figures)


def tantivy_dir(corpus: Corpus) -> Path:
    """Return where the Tantivy index of a corpus is cached."""
    return BENCH_DIR / f"tantivy-{corpus.key}"


def build_tantivy(corpus: Corpus) -> dict:
    """Build the Tantivy index in a child process and return its figures."""
    target = tantivy_dir(corpus)
    cmd = [sys.executable, "-m", "benchmark.tantivy_peer", "build", str(corpus.path), str(target)]
    m = measure(cmd)
    figures = {
        "ok": m.returncode == 0,
        "seconds": m.seconds,
        "maxrss_bytes": m.maxrss_bytes,
        "tree_peak_bytes": m.tree_peak_bytes,
        "docs": 0,
    }
    if m.returncode == 0:
        out = json.loads(m.stdout.strip().splitlines()[-1])
        figures.update(docs=out["docs"], build_seconds=out["seconds"], size_bytes=out["size_bytes"])
    else:
        figures["error"] = _tail(m.stderr)
    return _finish(target, figures)


def _summary(stdout: str) -> dict:
    """Return the JSON summary a `searchsvc index build --json` printed, if any."""
    for chunk in (stdout.strip(), *reversed(stdout.strip().splitlines())):
        try:
            value = json.loads(chunk)
        except ValueError:
            continue
        if isinstance(value, dict):
            return value
    return {}


def _documents(index_dir: Path, summary: dict) -> int:
    """Return the number of documents a build indexed (its summary, else the searcher's stats)."""
    for key in ("indexed", "documents", "docs"):
        if isinstance(summary.get(key), int):
            return summary[key]
    from searchsvc.searching import Searcher

    return int(Searcher(index_dir).stats()["documents"])  # type: ignore[call-overload]


def _prune(keep: Path) -> None:
    """Remove cached searchsvc indexes of the same corpus made by other code versions."""
    prefix = keep.name.rsplit("-", 1)[0] + "-"
    pattern = re.compile(re.escape(prefix) + r"[0-9a-f]{10}(\.build\.json)?")
    for old in BENCH_DIR.iterdir():
        if not pattern.fullmatch(old.name) or old.name.startswith(keep.name):
            continue
        if old.is_dir():
            shutil.rmtree(old, ignore_errors=True)
        else:
            old.unlink(missing_ok=True)


def build_searchsvc(corpus: Corpus) -> dict:
    """Build the searchsvc index with its CLI in a child process and return its figures."""
    target = searchsvc_dir(corpus)
    shutil.rmtree(target, ignore_errors=True)
    _prune(target)
    cmd = [searchsvc_exe(), "index", "build", str(corpus.path), "--index", str(target), "--json"]
    m = measure(cmd)
    figures = {
        "ok": m.returncode == 0,
        "seconds": m.seconds,
        "maxrss_bytes": m.maxrss_bytes,
        "tree_peak_bytes": m.tree_peak_bytes,
        "docs": 0,
        "command": " ".join(cmd),
    }
    if m.returncode == 0:
        summary = _summary(m.stdout)
        figures.update(
            docs=_documents(target, summary), size_bytes=dir_size(target), summary=summary
        )
    else:
        figures["error"] = _tail(m.stderr or m.stdout)
    return _finish(target, figures)


def _external(target: Path) -> dict | None:
    """Return the figures an index built elsewhere recorded in its state.json, or None."""
    state_file = target / "state.json"
    if not state_file.exists():
        return None
    st = json.loads(state_file.read_text())
    mib = 1024 * 1024
    return {
        "ok": True,
        "cached": True,
        "external": str(target),
        "docs": st.get("documents"),
        "seconds": st.get("elapsed"),
        "docs_per_s": st.get("docs_per_second"),
        "size_bytes": dir_size(target / str(st.get("generation"))),
        "maxrss_bytes": (st.get("peak_rss_mb") or 0) * mib or None,
        "tree_peak_bytes": None,
        "summary": st,
    }


def cached(target: Path) -> dict | None:
    """Return the figures of a cached successful build, or None."""
    if GIVEN is not None and target == GIVEN:
        return _external(target)
    path = _figures_path(target)
    if not (target.exists() and path.exists()):
        return None
    figures = json.loads(path.read_text())
    figures["cached"] = True
    return figures if figures.get("ok") else None


def ensure(corpus: Corpus) -> dict:
    """Return both engines' build figures, building what is not cached."""
    peer = cached(peer_db(corpus))
    if peer is None:
        print(f"building FTS5 over {corpus.path} (not cached) ...", flush=True)
        peer = build_peer(corpus)
    ours = cached(searchsvc_dir(corpus))
    if ours is None:
        print(f"building searchsvc over {corpus.path} (not cached) ...", flush=True)
        ours = build_searchsvc(corpus)
    builds = {"fts5": peer, "searchsvc": ours}
    from benchmark.tantivy_peer import available

    if available():
        tv = cached(tantivy_dir(corpus))
        if tv is None:
            print(f"building Tantivy over {corpus.path} (not cached) ...", flush=True)
            tv = build_tantivy(corpus)
        builds["tantivy"] = tv
    return builds
