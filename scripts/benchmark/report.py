"""Print the benchmark's tables: searchsvc and the FTS5 peer side by side, ratios and goals."""

from __future__ import annotations

from benchmark.common import mb, print_table, ratio

SS, PEER = "searchsvc", "fts5"


def _get(d: dict | None, key: str):
    """Return d[key], or None when d is missing."""
    return None if d is None else d.get(key)


def index_table(builds: dict) -> None:
    """Print docs/s, size and peak RSS of both builds."""
    ours, peer = builds.get(SS) or {}, builds.get(PEER) or {}
    rows = []
    for label, key, conv in [
        ("documents indexed", "docs", None),
        ("elapsed (s)", "seconds", None),
        ("docs/s", "docs_per_s", None),
        ("index size on disk (MiB)", "size_bytes", mb),
        ("peak RSS, largest process (MiB)", "maxrss_bytes", mb),
        ("peak RSS, whole process tree (MiB)", "tree_peak_bytes", mb),
    ]:
        a, b = _get(ours, key), _get(peer, key)
        if conv:
            a, b = conv(a), conv(b)
        goal = ">= 0.10x FTS5" if key == "docs_per_s" else ""
        rows.append([label, a, b, ratio(a, b), goal])
    note = ""
    if ours.get("cached"):
        note = " (searchsvc: cached build, figures from when it was built)"
    if ours.get("external"):
        note = f" (searchsvc: built elsewhere, figures from {ours['external']}/state.json)"
    print_table("index build" + note, ["figure", SS, "FTS5", "searchsvc/FTS5", "goal"], rows)
    for name, fig in ((SS, ours), (PEER, peer)):
        if fig and not fig.get("ok"):
            print(f"{name} build FAILED:\n{fig.get('error')}\n")


def relevance_table(rel: dict) -> None:
    """Print success@1, success@10 and MRR@10 per mode for both engines."""
    ours, peer = rel.get(SS, {}), rel.get(PEER, {})
    modes = list((ours or peer).keys())
    rows = []
    for m in modes:
        a, b = ours.get(m, {}), peer.get(m, {})
        goal = ">= 0.95" if m == "overall" else ">= 0.90"
        rows.append(
            [
                m,
                (a or b).get("n"),
                a.get("s1"),
                b.get("s1"),
                a.get("s10"),
                b.get("s10"),
                a.get("mrr10"),
                b.get("mrr10"),
                goal,
            ]
        )
    rows = [[r[0], r[1], *(None if v is None else f"{v:.3f}" for v in r[2:8]), r[8]] for r in rows]
    print_table(
        "relevance (known-item dev queries)",
        [
            "mode",
            "n",
            "S@1 searchsvc",
            "S@1 FTS5",
            "S@10 searchsvc",
            "S@10 FTS5",
            "MRR@10 searchsvc",
            "MRR@10 FTS5",
            "goal S@10",
        ],
        rows,
    )


def latency_table(rows_in: list[dict], suggest: dict | None) -> None:
    """Print p50 and p95 per kind of query for both engines, with ratios."""
    rows = []
    for r in rows_in:
        a, b = r.get(SS) or {}, r.get(PEER) or {}
        n = f"{r['n']}" + (" (time budget hit)" if r.get("cut_short") else "")
        rows.append(
            [
                r["kind"],
                n,
                a.get("p50_ms"),
                b.get("p50_ms"),
                ratio(a.get("p50_ms"), b.get("p50_ms")),
                a.get("p95_ms"),
                b.get("p95_ms"),
                ratio(a.get("p95_ms"), b.get("p95_ms")),
                a.get("max_ms"),
                f"{a.get('errors', '-')}/{b.get('errors', '-')}",
                f"{a.get('zero_results', '-')}/{b.get('zero_results', '-')}",
            ]
        )
    if suggest:
        rows.append(
            [
                "suggest (prefixes)",
                suggest["n"],
                suggest["p50_ms"],
                None,
                "-",
                suggest["p95_ms"],
                None,
                "-",
                suggest["max_ms"],
                f"{suggest['errors']}/-",
                "-",
            ]
        )
    print_table(
        "results-page latency in-process, ms (total + top 10 with snippets + facets)",
        [
            "kind",
            "n",
            "p50 searchsvc",
            "p50 FTS5",
            "p50 ratio",
            "p95 searchsvc",
            "p95 FTS5",
            "p95 ratio",
            "max searchsvc",
            "errors ss/peer",
            "no result ss/peer",
        ],
        rows,
    )
    print("goals: p50 <= 2x FTS5, p95 <= 1x FTS5; suggest p95 < 20 ms")
    if suggest and suggest.get("first_error"):
        print(f"  first suggest error: {suggest['first_error']}")
    for r in rows_in:
        for name in (SS, PEER):
            err = (r.get(name) or {}).get("first_error")
            if err:
                print(f"  first {name} error on {r['kind']}: {err}")


def _level_key(lv: dict) -> tuple[str, int]:
    """Identify a load level by mix and concurrency."""
    return lv["mix"], lv["concurrency"]


def load_table(load: dict) -> None:
    """Print requests/s and latency percentiles per level for both servers, with ratios."""
    runs = load.get("runs", {})
    ours = {_level_key(lv): lv for lv in (runs.get(SS) or {}).get("levels", [])}
    peer = {_level_key(lv): lv for lv in (runs.get(PEER) or {}).get("levels", [])}
    rows = []
    for key in dict.fromkeys([*ours, *peer]):
        a, b = ours.get(key, {}), peer.get(key, {})
        goal = ">= 150 req/s, p99 < 500 ms, 0 err" if key[1] == 32 else ""
        rows.append(
            [
                key[0],
                key[1],
                a.get("requests"),
                a.get("rps"),
                b.get("rps"),
                ratio(a.get("rps"), b.get("rps")),
                a.get("p50_ms"),
                b.get("p50_ms"),
                a.get("p95_ms"),
                b.get("p95_ms"),
                a.get("p99_ms"),
                b.get("p99_ms"),
                f"{a.get('errors', '-')}/{b.get('errors', '-')}",
                goal,
            ]
        )
    print_table(
        f"load, 2 workers each ({load.get('client')}); uniform: the {load.get('query_urls')} "
        f"benchmark queries in turn; distinct: never-sent headline queries; zipf: all "
        f"{load.get('distinct_urls')} URLs, skewed",
        [
            "mix",
            "c",
            "requests ss",
            "req/s searchsvc",
            "req/s FTS5",
            "ratio",
            "p50 ss",
            "p50 FTS5",
            "p95 ss",
            "p95 FTS5",
            "p99 ss",
            "p99 FTS5",
            "errors ss/peer",
            "goal",
        ],
        rows,
    )
    for name, run in runs.items():
        print(f"  {name}: {run.get('command')}")
        if run.get("error"):
            print(f"  {name} FAILED: {run['error']}")
        if run.get("server_log_tail"):
            print(f"  {name} server log:\n{run['server_log_tail']}")


def memory_table(memory: dict) -> None:
    """Print VmHWM and VmRSS (private and file-backed parts) of both servers' processes.

    Mapped file pages a worker touched count in its RSS as file pages (RssFile): the page
    cache, shared by every worker and reclaimable; RssAnon is the worker's own memory. Sidecars
    are read with pread, not mapped, so RssFile is mostly the interpreter's libraries.
    """
    rows = []
    for name, procs in memory.items():
        for p in procs:
            goal = "< 300 MB (286 MiB)" if name == SS and p["role"] == "worker" else ""
            rows.append(
                [name, f"{p['role']} {p['pid']}", mb(p["hwm_bytes"]), mb(p["rss_bytes"]),
                 mb(p.get("anon_bytes")), mb(p.get("file_bytes")), goal]
            )  # fmt: skip
    print_table(
        "memory after the load (peak RSS = VmHWM; RssAnon private, RssFile mapped files)",
        ["server", "process", "VmHWM MiB", "VmRSS MiB", "RssAnon MiB", "RssFile MiB", "goal"],
        rows,
    )


def goals_table(goals: list[dict]) -> None:
    """Print every goal with the figure reached and whether it is met."""
    rows = [
        [
            g["goal"],
            g["value"],
            g["target"],
            "-" if g["met"] is None else ("met" if g["met"] else "MISSED"),
        ]
        for g in goals
    ]
    print_table("goals", ["goal", "reached", "target", "status"], rows)
