"""The load and memory steps: the real server, a separate load generator, VmHWM of workers."""

from __future__ import annotations

import json
import subprocess
import sys
import traceback

import bench_index
import bench_queries
import bench_report
from bench_common import BENCH_DIR, ROOT
from bench_load import Server, drive, search_url

LEVELS = (1, 8, 32)


def _urls(args, corpus) -> tuple[list[str], list]:
    """Return the distinct URLs of the load (benchmark queries, then headline words)."""
    known = bench_queries.known_items(args.queries, args.sample)
    db = bench_index.peer_db(corpus)
    queries = known + bench_queries.page_queries(known, db)
    urls = list(dict.fromkeys(search_url(q.text, q.category) for q in queries))
    extra = bench_queries.title_windows(db, max(0, args.distinct - len(urls)))
    urls += [search_url(t, None) for t in extra]
    return list(dict.fromkeys(urls)), queries


def _levels(server: Server, args, urls: list[str]) -> list[dict]:
    """Drive the uniform mix at each concurrency, then the Zipf mix at the highest."""
    levels, offset = [], 0
    for c in LEVELS:
        print(f"load: uniform mix, c={c} ...", flush=True)
        res = drive(server.port, urls, c, args.duration, args.max_requests, False, offset)
        offset += res["requests"]
        levels.append(res)
    print(f"load: zipf mix, c={LEVELS[-1]} ...", flush=True)
    levels.append(drive(server.port, urls, LEVELS[-1], args.duration, args.max_requests, True))
    return levels


def _replay(server: Server, urls: list[str]) -> list[dict]:
    """Answer every benchmark query once at c=8 (the memory step without a load run)."""
    print(f"memory: replaying {len(urls)} queries at c=8 ...", flush=True)
    return [drive(server.port, urls, 8, 600, len(urls), False)]


def peer_memory(corpus, queries: list) -> dict:
    """Return the peak RSS of a separate process answering the same pages on FTS5."""
    path = BENCH_DIR / "peer-replay.json"
    path.write_text(json.dumps([[q.text, q.category] for q in queries], ensure_ascii=False))
    cmd = [
        sys.executable,
        str(ROOT / "scripts" / "bench_peer.py"),
        "replay",
        str(path),
        str(bench_index.peer_db(corpus)),
    ]
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, check=True, timeout=1800)
    except subprocess.SubprocessError as exc:
        return {"error": str(exc)}
    return json.loads(out.stdout)


def step_serve(args, corpus, load: bool) -> dict:
    """Serve the searchsvc index, run the load (or a replay), read memory, stop the server."""
    index_dir = bench_index.searchsvc_dir(corpus)
    urls, queries = _urls(args, corpus)
    out: dict = {
        "load": {
            "client": "bench_load.py: threads, http.client keep-alive, separate process",
            "distinct_urls": len(urls),
        }
    }
    server = Server(bench_index.searchsvc_exe(), index_dir)
    try:
        server.wait_ready()
        out["load"]["command"] = " ".join(server.cmd)
        levels = _levels(server, args, urls) if load else _replay(server, urls[: len(queries)])
        out["load"]["levels"] = levels
        out["memory"] = {"processes": server.processes()}
        if any(lv["errors"] for lv in levels):
            out["load"]["server_log_tail"] = server.log_tail()
    except Exception as exc:
        out["load"]["error"] = f"{exc}\n{traceback.format_exc(limit=2)}"
        out.setdefault("memory", {"processes": server.processes()})
    finally:
        server.stop()
    out["memory"]["peer"] = peer_memory(corpus, queries)
    if load:
        bench_report.load_table(out["load"])
    elif out["load"].get("error"):
        print("memory step FAILED: " + out["load"]["error"])
    bench_report.memory_table(out["memory"])
    return out
