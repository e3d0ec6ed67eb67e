"""The load and memory steps: each engine's server, a separate load generator, VmHWM.

searchsvc runs as `searchsvc serve --workers 2`; the peer as a bare WSGI app over FTS5 under
gunicorn with 2 workers, what a site owner would put up. One server at a time, same URLs.
"""

from __future__ import annotations

import traceback

from benchmark import index as bench_index
from benchmark import queries as bench_queries
from benchmark import report as bench_report
from benchmark.load import Server, drive, peer_server, search_url, searchsvc_server

LEVELS = (1, 8, 32)
CLIENT = (
    "benchmark/load.py in a separate process: one thread per connection, http.client keep-alive"
)


def _urls(args, corpus) -> tuple[list[str], int]:
    """Return the distinct URLs of the load (benchmark queries first, then headline words)."""
    known = bench_queries.known_items(args.queries, args.sample)
    db = bench_index.peer_db(corpus)
    queries = known + bench_queries.page_queries(known, db)
    urls = list(dict.fromkeys(search_url(q.text, q.category) for q in queries))
    n_queries = len(urls)
    extra = bench_queries.title_windows(db, max(0, args.distinct - len(urls)))
    urls += [search_url(t, None) for t in extra]
    return list(dict.fromkeys(urls)), n_queries


WARMUP_REQUESTS = 64


def _levels(server: Server, args, urls: list[str], n_queries: int) -> list[dict]:
    """Warm up, drive the queries' mix at each concurrency, then the distinct and Zipf mixes.

    `uniform` cycles the benchmark's own queries (the issue's "same queries"), so repeats
    come every few hundred requests and a result cache may answer them; `distinct` sends
    headline-word queries never sent before (every request is computed); `zipf` draws from
    all URLs with a few very frequent. The warm-up (not recorded) uses other headline
    queries, so every worker has loaded the index before the first measured request.
    """
    queries, extra = urls[:n_queries], urls[n_queries:]
    warm, fresh = extra[-WARMUP_REQUESTS:], extra[: -WARMUP_REQUESTS or None]
    print(f"  warm-up, {len(warm)} requests at c=4 (not recorded) ...", flush=True)
    drive(server.port, warm, 4, 120, len(warm), False)
    levels, offset = [], 0
    for c in LEVELS:
        print(f"  uniform mix (the benchmark's queries), c={c} ...", flush=True)
        res = drive(server.port, queries, c, args.duration, args.max_requests, False, offset)
        offset += res["requests"]
        levels.append(res)
    if fresh:
        print(f"  distinct mix (never-sent queries), c={LEVELS[-1]} ...", flush=True)
        res = drive(server.port, fresh, LEVELS[-1], args.duration, args.max_requests, False)
        levels.append({**res, "mix": "distinct"})
    print(f"  zipf mix, c={LEVELS[-1]} ...", flush=True)
    levels.append(drive(server.port, urls, LEVELS[-1], args.duration, args.max_requests, True))
    return levels


def _replay(server: Server, urls: list[str]) -> list[dict]:
    """Answer every benchmark query once at c=8 (the memory step without a load run)."""
    print(f"  replaying {len(urls)} queries at c=8 ...", flush=True)
    return [drive(server.port, urls, 8, 900, len(urls), False)]


def _serve_one(server: Server, args, urls: list[str], n_queries: int, load: bool) -> dict:
    """Wait for a server, run its load (or replay), read its memory, stop it."""
    out: dict = {"command": " ".join(server.cmd)}
    try:
        server.wait_ready()
        out["levels"] = (
            _levels(server, args, urls, n_queries) if load else _replay(server, urls[:n_queries])
        )
        out["processes"] = server.processes()
        if any(lv["errors"] for lv in out["levels"]):
            out["server_log_tail"] = server.log_tail()
    except Exception as exc:  # report the failure, keep the other figures
        out["error"] = f"{exc}\n{traceback.format_exc(limit=2)}"
        out.setdefault("processes", server.processes())
    finally:
        server.stop()
    return out


def step_serve(args, corpus, load: bool) -> dict:
    """Serve each engine in turn under the same load; return the load and memory figures."""
    urls, n_queries = _urls(args, corpus)
    servers = {
        "searchsvc": lambda: searchsvc_server(
            bench_index.searchsvc_exe(), bench_index.searchsvc_dir(corpus)
        ),
        "fts5": lambda: peer_server(bench_index.peer_db(corpus)),
    }
    runs = {}
    for name, start in servers.items():
        print(f"serving {name} ...", flush=True)
        runs[name] = _serve_one(start(), args, urls, n_queries, load)
    out = {
        "load": {
            "client": CLIENT,
            "distinct_urls": len(urls),
            "query_urls": n_queries,
            "runs": {k: {x: v for x, v in r.items() if x != "processes"} for k, r in runs.items()},
        },
        "memory": {k: r.get("processes", []) for k, r in runs.items()},
    }
    if load:
        bench_report.load_table(out["load"])
    bench_report.memory_table(out["memory"])
    return out
