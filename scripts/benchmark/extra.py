"""Issue 10 and 15 figures: cold start and switch, the costliest queries, Tantivy side by side.

- `cold`: in-process, the time a new Searcher takes to be ready (open and warm), the first
  fresh query after that; then an `index update` (one article) of a hard-linked copy of the
  index while fresh queries run: the seconds until the new generation serves, the slowest
  query around the switch, and how many answers were partial.
- `costly`: the costliest queries a visitor can craft within the documented limits (12
  common words, 6 quoted phrases of common words, the review's 25 OR'd phrases and a typo,
  with 100 results a page deep in the list), each several times on a warm index.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from pathlib import Path

from benchmark.common import BENCH_DIR, Stopwatch, fmt, percentile, print_table, ratio

COMMON = ["nam", "nguoi", "viet", "cua", "cac", "va", "la", "co", "duoc", "cho", "mot", "nhung"]
REVIEW = (
    '"n va"|"n la"|"n co"|"n da"|"n ra"|"n ve"|"n di"|"n do"|"n bi"|"n de"|"n ma"|"n ai"|'
    '"n an"|"n nhu"|"n cua"|"n cac"|"n cho"|"n mot"|"n nay"|"n den"|"n tai"|"n khi"|'
    '"n thi"|"n cung"|"n sau" hanhh'
)
COSTLY = {
    "12 common words": " ".join(COMMON),
    "12 common words, accented": "năm người việt của các và là có được cho một những",
    "6 quoted phrases": " ".join(
        f'"{a} {b}"' for a, b in zip(COMMON[::2], COMMON[1::2], strict=True)
    ),
    "6 OR'd phrases": " OR ".join(
        f'"{a} {b}"' for a, b in zip(COMMON[::2], COMMON[1::2], strict=True)
    ),
    "11 common words + typo": " ".join(COMMON[:11]) + " xzqwv",
    "review's query": REVIEW,
}
FRESH = [
    "Cup TH thành phố HCM",
    "giá vàng tăng mạnh",
    "tuyen sinh dai hoc",
    "bệnh viện quá tải",
    "giao thong ha noi",
    "xuất khẩu gạo",
    "thi truong chung khoan",
    "đội tuyển bóng đá",
]


def _searcher(index: Path):
    """Return a warm-by-default Searcher of an index."""
    from searchsvc.searching import Searcher

    return Searcher(index)


def _ask(searcher, text: str, page: int = 1) -> tuple[float, bool, int]:
    """Run one query; return (ms, partial, total)."""
    from searchsvc.searching import SearchRequest

    with Stopwatch() as sw:
        r = searcher.search(SearchRequest(query=text, page=page))
    return sw.ms, r.partial, r.total


def _linked_copy(index: Path, copy: Path) -> None:
    """Copy an index directory: generation files hard-linked, top-level files copied."""
    shutil.rmtree(copy, ignore_errors=True)
    copy.mkdir(parents=True)
    for item in index.iterdir():
        if item.is_dir():
            subprocess.run(["cp", "-al", str(item), str(copy / item.name)], check=True)
        elif item.is_file():
            shutil.copy2(item, copy / item.name)


def step_cold(index: Path, searchsvc_exe: str) -> dict:
    """Measure readiness after open and around an update's switch (in-process)."""
    copy = BENCH_DIR / "cold-copy"
    _linked_copy(index, copy)
    with Stopwatch() as open_sw:
        searcher = _searcher(copy)
        searcher.ready()
    first = _ask(searcher, FRESH[0])
    extra = BENCH_DIR / "cold-update.jsonl"
    extra.write_text(
        json.dumps({"id": "bench-cold-1", "title": "Bài thêm", "body": "Tây Hồ cập nhật."}) + "\n"
    )
    old = searcher.stats()["generation"]
    with Stopwatch() as update_sw:
        done = subprocess.run(
            [searchsvc_exe, "index", "update", str(extra), "--index", str(copy)],
            capture_output=True,
            text=True,
        )
    ended = time.perf_counter()
    around: list[tuple[float, bool, int]] = []
    i, switched_s = 0, None
    while time.perf_counter() - ended < 60:
        around.append(_ask(searcher, FRESH[1 + i % (len(FRESH) - 1)], page=1 + i // 7))
        i += 1
        if searcher.stats()["generation"] != old:
            switched_s = time.perf_counter() - ended
            break
    after = [_ask(searcher, q, page=3) for q in FRESH]
    searcher.close()
    shutil.rmtree(copy, ignore_errors=True)
    out = {
        "ready_s": open_sw.ms / 1000,
        "first_ms": first[0],
        "first_partial": first[1],
        "first_total": first[2],
        "update_ok": done.returncode == 0,
        "update_s": update_sw.ms / 1000,
        "switch_after_s": switched_s,
        "during_max_ms": max((a[0] for a in around), default=None),
        "during_n": len(around),
        "after_max_ms": max(a[0] for a in after),
        "partial": sum(a[1] for a in around + after) + int(first[1]),
        "zero": sum(a[2] == 0 for a in around + after) + int(first[2] == 0),
    }
    cold_table(out)
    return out


def cold_table(c: dict) -> None:
    """Print the cold figures."""
    rows = [
        ["new Searcher ready (open + warm), s", c["ready_s"], ""],
        ["first fresh query after ready, ms", c["first_ms"], "complete, <= 1,000 ms"],
        ["`index update` of 1 article, s", c["update_s"], ""],
        ["new generation serving after the update ended, s", c["switch_after_s"], ""],
        [f"slowest of {c['during_n']} fresh queries until the switch, ms", c["during_max_ms"], ""],
        ["slowest of 8 fresh queries after the switch, ms", c["after_max_ms"], "<= 1,000 ms"],
        [
            "partial answers / false zeros (all of the above)",
            f"{c['partial']} / {c['zero']}",
            "0 / 0",
        ],
    ]
    print_table("cold: first queries after open and after an update's switch (in-process)",
                ["figure", "searchsvc", "goal"], rows)  # fmt: skip


def step_costly(index: Path, repeat: int = 3) -> dict:
    """Time the costliest craftable queries (warm index): the slowest of each, 100 a page."""
    from searchsvc.searching import SearchRequest

    searcher = _searcher(index)
    searcher.ready()
    rows = {}
    for name, text in COSTLY.items():
        times, partial = [], 0
        for i in range(repeat):
            for page, per_page in ((1, 10), (1, 100), (50, 100)):
                with Stopwatch() as sw:
                    r = searcher.search(
                        SearchRequest(
                            query=text,
                            page=page,
                            per_page=per_page,
                            sort=("relevance", "newest", "oldest")[i % 3],
                        )
                    )
                times.append(sw.ms)
                partial += r.partial
        rows[name] = {"max_ms": max(times), "p50_ms": percentile(times, 50), "partial": partial}
    searcher.close()
    out = {"queries": rows, "max_ms": max(r["max_ms"] for r in rows.values())}
    print_table(
        "costliest queries within the limits (warm index, pages 1 and 50, 10 and 100 a page)",
        ["query", "p50 ms", "max ms", "partial", "goal"],
        [[k, v["p50_ms"], v["max_ms"], v["partial"], "< 400 ms"] for k, v in rows.items()],
    )
    return out


def tantivy_tables(report: dict) -> None:
    """Print searchsvc beside Tantivy: build, relevance and latency."""
    b = report.get("index") or {}
    ss, tv = b.get("searchsvc") or {}, b.get("tantivy") or {}
    if tv:
        rows = [
            [label, ss.get(key), tv.get(key), ratio(ss.get(key), tv.get(key))]
            for label, key in (("docs/s", "docs_per_s"), ("size on disk (bytes)", "size_bytes"))
        ]
        print_table("index build beside Tantivy", ["figure", "searchsvc", "Tantivy", "ratio"], rows)
    rel = report.get("relevance") or {}
    if rel.get("tantivy"):
        rows = [
            [m, fmt(v.get("s10"), 3), fmt(rel["tantivy"].get(m, {}).get("s10"), 3),
             fmt(v.get("mrr10"), 3), fmt(rel["tantivy"].get(m, {}).get("mrr10"), 3)]
            for m, v in (rel.get("searchsvc") or {}).items()
        ]  # fmt: skip
        heads = ["mode", "S@10 searchsvc", "S@10 Tantivy", "MRR@10 searchsvc", "MRR@10 Tantivy"]
        print_table("relevance beside Tantivy", heads, rows)
    rows = []
    for r in report.get("latency") or []:
        a, t = r.get("searchsvc") or {}, r.get("tantivy") or {}
        if not t:
            continue
        goal = "<= 2x" if r["kind"] == "known" else ""
        rows.append([r["kind"], r["n"], a.get("p50_ms"), t.get("p50_ms"),
                     ratio(a.get("p50_ms"), t.get("p50_ms")), a.get("p95_ms"), t.get("p95_ms"),
                     ratio(a.get("p95_ms"), t.get("p95_ms")), goal])  # fmt: skip
    if rows:
        print_table("results-page latency beside Tantivy, ms (same run)",
                    ["kind", "n", "p50 ss", "p50 Tantivy", "ratio", "p95 ss", "p95 Tantivy",
                     "ratio", "goal"], rows)  # fmt: skip


def scale_table(report: dict, base_path: Path) -> dict | None:
    """Print the figures of a --scale run beside those of the 1x run saved at base_path."""
    if not base_path.exists() or not report.get("scale", 1) > 1:
        return None
    base = json.loads(base_path.read_text())

    def known(rep: dict, engine: str, p: str) -> float | None:
        row = next((r for r in rep.get("latency") or [] if r["kind"] == "known"), None)
        return ((row or {}).get(engine) or {}).get(p)

    def rss(rep: dict) -> float | None:
        procs = [p for p in (rep.get("memory") or {}).get("searchsvc", []) if p["role"] == "worker"]
        return max((p["hwm_bytes"] for p in procs), default=None)

    out = {}
    rows = []
    for engine in ("searchsvc", "tantivy", "fts5"):
        for p in ("p50_ms", "p95_ms"):
            a, b = known(base, engine, p), known(report, engine, p)
            out[f"{engine}_{p}"] = (a, b)
            rows.append([f"known {p[:3]} {engine}", a, b, ratio(b, a),
                         "<= 2.5x" if engine == "searchsvc" else ""])  # fmt: skip
    for engine in ("searchsvc", "fts5", "tantivy"):
        a = ((base.get("index") or {}).get(engine) or {}).get("docs_per_s")
        b = ((report.get("index") or {}).get(engine) or {}).get("docs_per_s")
        rows.append([f"build docs/s {engine}", a, b, ratio(b, a), ""])
    rows.append(
        [
            "worker peak RSS (bytes)",
            rss(base),
            rss(report),
            ratio(rss(report), rss(base)),
            "< 600 MB at 4x",
        ]
    )
    heads = ["figure", "1x", f"{report['scale']}x", "growth", "goal"]
    print_table(f"scale: 1x ({base_path.name}) and {report['scale']}x", heads, rows)
    out["rss"] = (rss(base), rss(report))
    return out


def baseline_path(limit: int | None) -> Path:
    """Return where the 1x run a --scale run compares with is kept (per sample size)."""
    return BENCH_DIR / (f"last-run-x1-n{limit}.json" if limit else "last-run-x1.json")


def save_baseline(report: dict) -> None:
    """Keep a 1x run as the baseline a later --scale run of the same sample compares with."""
    if report.get("scale", 1) == 1:
        baseline_path(report.get("limit")).write_text(
            json.dumps(report, indent=1, ensure_ascii=False, default=str)
        )


def cpu_note() -> str:
    """Return the load average now, for the record."""
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())
