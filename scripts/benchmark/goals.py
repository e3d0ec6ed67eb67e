"""The goals of issues 3, 4 and 6, checked against one run's figures."""

from __future__ import annotations

MB = 1_000_000


def _goal(goal: str, value, target: str, met: bool | None) -> dict:
    """Return one goal row."""
    return {"goal": goal, "value": value, "target": target, "met": met}


def _fmt(v: float | None, unit: str = "", digits: int = 1) -> str:
    """Format a figure with its unit, or a dash."""
    return "-" if v is None else f"{v:,.{digits}f}{unit}"


def _index(report: dict) -> list[dict]:
    """Check the build rate against the peer's."""
    b = report.get("index") or {}
    ours, peer = (
        (b.get("searchsvc") or {}).get("docs_per_s"),
        (b.get("fts5") or {}).get("docs_per_s"),
    )
    r = ours / peer if ours and peer else None
    value = f"{_fmt(ours, ' docs/s', 0)} vs {_fmt(peer, ' docs/s', 0)} = {_fmt(r, 'x', 3)}"
    return [_goal("index build rate", value, ">= 0.10x FTS5", None if r is None else r >= 0.10)]


def _relevance(report: dict) -> list[dict]:
    """Check success@10 overall and in every mode."""
    rel = (report.get("relevance") or {}).get("searchsvc")
    if not rel:
        return []
    overall = rel["overall"]["s10"]
    modes = {m: v["s10"] for m, v in rel.items() if m != "overall"}
    worst = min(modes, key=modes.get)
    return [
        _goal("success@10 overall", f"{overall:.3f}", ">= 0.95", overall >= 0.95),
        _goal(
            "success@10 worst mode",
            f"{modes[worst]:.3f} ({worst})",
            ">= 0.90",
            modes[worst] >= 0.90,
        ),
    ]


def _latency(report: dict) -> list[dict]:
    """Check p50 <= 2x and p95 <= 1x the peer's for each kind of query, and suggest."""
    out = []
    for row in report.get("latency") or []:
        a, b = row.get("searchsvc") or {}, row.get("fts5") or {}
        for p, limit in (("p50_ms", 2.0), ("p95_ms", 1.0)):
            x, y = a.get(p), b.get(p)
            met = None if x is None or not y else x <= limit * y
            value = f"{_fmt(x, ' ms')} vs {_fmt(y, ' ms')}"
            out.append(_goal(f"{row['kind']} {p[:3]}", value, f"<= {limit:g}x FTS5", met))
    s = report.get("suggest")
    if s and s.get("p95_ms") is not None:
        out.append(
            _goal(
                "suggest p95",
                _fmt(s["p95_ms"], " ms"),
                "< 20 ms",
                s["p95_ms"] < 20 and not s["errors"],
            )
        )
    return out


def _load(report: dict) -> list[dict]:
    """Check throughput, p99 and errors at c=32 for each mix."""
    out = []
    run = ((report.get("load") or {}).get("runs") or {}).get("searchsvc") or {}
    for lv in run.get("levels", []):
        if lv["concurrency"] != 32:
            continue
        met = (lv["rps"] or 0) >= 150 and (lv["p99_ms"] or 1e9) < 500 and lv["errors"] == 0
        value = (
            f"{_fmt(lv['rps'], ' req/s')}, p99 {_fmt(lv['p99_ms'], ' ms')}, {lv['errors']} errors"
        )
        out.append(
            _goal(f"load c=32 ({lv['mix']})", value, ">= 150 req/s, p99 < 500 ms, 0 err", met)
        )
    return out


def _memory(report: dict) -> list[dict]:
    """Check the peak RSS of the largest serving worker."""
    procs = [
        p
        for p in (report.get("memory") or {}).get("searchsvc", [])
        if p["role"] == "worker" and p["hwm_bytes"]
    ]
    if not procs:
        return []
    peak = max(p["hwm_bytes"] for p in procs)
    limit = 600 if report.get("scale", 1) > 1 else 300
    return [_goal("worker peak RSS", f"{peak / MB:.0f} MB", f"< {limit} MB", peak < limit * MB)]


def _issue10(report: dict) -> list[dict]:
    """Check latency against Tantivy, the costliest query, cold start and scale growth."""
    out = []
    row = next((r for r in report.get("latency") or [] if r["kind"] == "known"), None)
    a, t = (row or {}).get("searchsvc") or {}, (row or {}).get("tantivy") or {}
    for p in ("p50_ms", "p95_ms"):
        x, y = a.get(p), t.get(p)
        if x is not None and y:
            value = f"{_fmt(x, ' ms')} vs {_fmt(y, ' ms')} = {x / y:.2f}x"
            out.append(_goal(f"known {p[:3]} vs Tantivy", value, "<= 2x Tantivy", x <= 2 * y))
    costly = report.get("costly")
    if costly:
        m = costly["max_ms"]
        out.append(_goal("costliest query", _fmt(m, " ms"), "< 400 ms", m < 400))
    cold = report.get("cold")
    if cold:
        worst = max(cold["first_ms"], cold["after_max_ms"], cold["during_max_ms"] or 0)
        ok = cold["partial"] == 0 and cold["zero"] == 0 and worst <= 1000
        value = f"slowest {_fmt(worst, ' ms')}, {cold['partial']} partial, {cold['zero']} zero"
        out.append(_goal("cold: after open and switch", value, "complete, <= 1 s", ok))
    scale = report.get("scale_growth")
    if scale:
        for p in ("p50_ms", "p95_ms"):
            base, now = scale.get(f"searchsvc_{p}") or (None, None)
            tv = (scale.get(f"tantivy_{p}") or (None, None))[1]
            if base and now:
                g = now / base
                out.append(_goal(f"scale known {p[:3]} growth", f"{g:.2f}x", "<= 2.5x", g <= 2.5))
            if now and tv:
                out.append(
                    _goal(
                        f"scale known {p[:3]} vs Tantivy",
                        f"{now / tv:.2f}x",
                        "<= 2x",
                        now <= 2 * tv,
                    )
                )
    return out


def evaluate(report: dict) -> list[dict]:
    """Return every goal the run has figures for."""
    return (
        _index(report)
        + _relevance(report)
        + _latency(report)
        + _load(report)
        + _memory(report)
        + _issue10(report)
    )
