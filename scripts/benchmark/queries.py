"""Query sets of the benchmark: known items, common words, phrases, facet-filtered, prefixes."""

from __future__ import annotations

import random
import re
import sqlite3
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from benchmark.common import iter_records

COMMON_WORDS = [
    "năm",
    "người",
    "việt nam",
    "hà nội",
    "kinh tế",
    "thành phố",
    "bóng đá",
    "chính phủ",
    "công ty",
    "học sinh",
    "thị trường",
    "nguoi",
    "viet nam",
    "ha noi",
    "cong an",
    "gia",
]
PHRASES = [
    '"việt nam"',
    '"thành phố hồ chí minh"',
    '"ủy ban nhân dân"',
    '"thị trường chứng khoán"',
    '"bóng đá"',
    '"công an"',
    '"giá vàng"',
    '"hà nội"',
    '"học sinh"',
    '"chính phủ"',
]
_WORD = re.compile(r"\w+")
WARMUP = ["thời tiết", "giáo dục", "xuất khẩu", "du lịch", "bệnh viện", "máy tính"]


@dataclass(frozen=True)
class BenchQuery:
    """One query of the benchmark: its kind, text, optional category filter and relevance."""

    kind: str
    text: str
    category: str | None = None
    qid: str | None = None
    mode: str | None = None
    relevant: tuple[str, ...] = ()


def known_items(path: Path, sample: int | None = None) -> list[BenchQuery]:
    """Return the known-item queries of an eval file (every one, or an even sample)."""
    rows = list(iter_records(path))
    if sample and sample < len(rows):
        step = len(rows) / sample
        rows = [rows[int(i * step)] for i in range(sample)]
    return [
        BenchQuery(
            "known",
            r["query"],
            qid=r["qid"],
            mode=r["mode"],
            relevant=tuple(r.get("relevant") or [r["target"]]),
        )
        for r in rows
    ]


def _categories(db: Path) -> tuple[list[str], dict[str, str]]:
    """Return the categories of the peer database and a lookup of id -> category."""
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        by_id = {i: c for i, c in con.execute("SELECT id, category FROM t") if c}
    finally:
        con.close()
    return sorted(set(by_id.values())), by_id


def page_queries(known: list[BenchQuery], peer_db: Path, n_derived: int = 40) -> list[BenchQuery]:
    """Return common-word, phrase and facet-filtered queries (the latter need categories)."""
    cats, by_id = _categories(peer_db)
    step = max(1, len(known) // n_derived) if known else 1
    derived = known[::step][:n_derived]
    out = [BenchQuery("common", w) for w in COMMON_WORDS]
    out += [BenchQuery("phrase", p) for p in PHRASES]
    out += [BenchQuery("phrase", '"' + q.text.replace('"', "") + '"') for q in derived]
    if cats:
        out += [
            BenchQuery("facet", w, category=cats[i % len(cats)]) for i, w in enumerate(COMMON_WORDS)
        ]
    for q in derived:
        cat = by_id.get(q.relevant[0]) if q.relevant else None
        if cat:
            out.append(BenchQuery("facet", q.text, category=cat))
    return out


def prefixes(known: list[BenchQuery], n: int = 100) -> list[str]:
    """Return what a visitor has typed on the way to some known-item queries."""
    out: list[str] = []
    for q in known[:n]:
        text = q.text.lower()
        words = text.split()
        out += [text[:2], text[:5]]
        if len(words) > 1:
            out.append(words[0] + " " + words[1][:2])
    return [p for p in out if p.strip()]


def _strip_accents(text: str) -> str:
    """Return text typed without accents (as most visitors do)."""
    nfd = unicodedata.normalize("NFD", text)
    return (
        "".join(c for c in nfd if not unicodedata.combining(c)).replace("đ", "d").replace("Đ", "D")
    )


def title_windows(peer_db: Path, n: int, seed: int = 11) -> list[str]:
    """Return n distinct queries of 2-4 consecutive headline words, half typed without accents."""
    con = sqlite3.connect(f"file:{peer_db}?mode=ro", uri=True)
    try:
        titles = [t for (t,) in con.execute("SELECT title FROM t WHERE title != ''")]
    finally:
        con.close()
    rng, seen, out = random.Random(seed), set(), []
    for _ in range(n * 5):
        if len(out) >= n or not titles:
            break
        words = _WORD.findall(rng.choice(titles))
        if len(words) < 2:
            continue
        size = rng.randint(2, min(4, len(words)))
        start = rng.randint(0, len(words) - size)
        text = " ".join(words[start : start + size]).lower()
        text = _strip_accents(text) if rng.random() < 0.5 else text
        if text not in seen:
            seen.add(text)
            out.append(text)
    return out
