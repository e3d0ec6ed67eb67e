"""Shape core values for JSON and templates: dates, pages, article fields, the year chart."""

from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode

from markupsafe import Markup, escape

from searchsvc.searching import FacetValue, Hit, SearchResult

_PARAGRAPH_BREAK = re.compile(r"\n\s*\n|\n")
_MARK = re.compile(r"</?mark>")


def safe_snippet(snippet: str) -> Markup:
    """Trust the core's snippet only if its sole tags are <mark>; otherwise escape all of it."""
    if "<" in _MARK.sub("", snippet) or ">" in _MARK.sub("", snippet):
        return escape(snippet)
    return Markup(snippet)  # checked above: escaped text plus <mark> only


def safe_url(url: str | None) -> str | None:
    """Return an http(s) URL unchanged, anything else (javascript:, data:) as None."""
    if url and re.match(r"^https?://", url.strip(), re.IGNORECASE):
        return url.strip()
    return None


def iso(value: object) -> str | None:
    """Return an ISO 8601 string for a date, datetime or string value, else None."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, str) and value:
        return value
    return None


def format_date(value: object) -> str:
    """Return DD/MM/YYYY for an ISO string or date, or an empty string."""
    text = iso(value) or ""
    match = re.match(r"^(\d{4})-(\d{2})-(\d{2})", text)
    return f"{match[3]}/{match[2]}/{match[1]}" if match else ""


def format_ms(ms: float) -> str:
    """Return a search time as Vietnamese writes it: 0,2 ms, 12 ms, 1.234 ms; never 0 ms."""
    if ms < 0.1:
        return "dưới 0,1 ms"
    if ms < 10:
        return f"{ms:.1f} ms".replace(".", ",")
    return f"{ms:,.0f} ms".replace(",", ".")


def page_count(total: int, per_page: int) -> int:
    """Return how many pages the total fills (at least one)."""
    return max(1, math.ceil(total / max(1, per_page)))


def page_window(page: int, pages: int, width: int = 2) -> list[int | None]:
    """Return page numbers to link around the current one, None standing for a gap."""
    shown = {1, pages, *range(page - width, page + width + 1)}
    numbers = sorted(n for n in shown if 1 <= n <= pages)
    window: list[int | None] = []
    for n in numbers:
        if window and window[-1] is not None and n - window[-1] > 1:
            window.append(None)
        window.append(n)
    return window


def _finite(value: float, digits: int) -> float:
    """Return a rounded float that JSON can carry (NaN and infinities become 0)."""
    return round(value, digits) if math.isfinite(value) else 0.0


def hit_json(hit: Hit) -> dict[str, Any]:
    """Return one hit as JSON-ready values."""
    return {
        "id": hit.id,
        "title": hit.title,
        "url": safe_url(hit.url),
        "published": hit.published,
        "category": hit.category,
        "score": _finite(float(hit.score), 4),
        "snippet": str(safe_snippet(hit.snippet)),
        "permalink": f"/articles/{hit.id}",
        "documents": list(hit.documents),
    }


def facet_json(value: FacetValue) -> dict[str, Any]:
    """Return one facet value as {value, count}, with its `label` when it has one."""
    out: dict[str, Any] = {"value": str(value.value), "count": int(value.count)}
    if value.label is not None:
        out["label"] = str(value.label)
    return out


def facets_json(facets: dict[str, list[FacetValue]]) -> dict[str, list[dict[str, Any]]]:
    """Return facets as lists of {value, count[, label]}."""
    return {kind: [facet_json(v) for v in values] for kind, values in facets.items()}


def result_json(result: SearchResult) -> dict[str, Any]:
    """Return a search result as the documented JSON body."""
    return {
        "query": result.query,
        "total": result.total,
        "page": result.page,
        "per_page": result.per_page,
        "pages": page_count(result.total, result.per_page),
        "hits": [hit_json(h) for h in result.hits],
        "facets": facets_json(result.facets),
        "did_you_mean": result.did_you_mean,
        "understood": asdict(result.understood),
        "took_ms": _finite(float(result.took_ms), 1),
        "partial": result.partial,
    }


def _opt_str(raw: dict[str, object], key: str) -> str | None:
    """Return raw[key] as a non-empty string, or None."""
    value = raw.get(key)
    return str(value) if value not in (None, "") else None


def article_json(raw: dict[str, object]) -> dict[str, Any]:
    """Return the documented article body from what the core stored."""
    body = str(raw.get("body") or "")
    views = raw.get("views")
    return {
        "id": str(raw.get("id") or ""),
        "title": str(raw.get("title") or ""),
        "body": body,
        "paragraphs": [p.strip() for p in _PARAGRAPH_BREAK.split(body) if p.strip()],
        "url": safe_url(_opt_str(raw, "url")),
        "published": iso(raw.get("published")),
        "category": _opt_str(raw, "category"),
        "views": views if isinstance(views, int) and not isinstance(views, bool) else None,
        "permalink": f"/articles/{raw.get('id') or ''}",
        "documents": documents_json(raw.get("documents")),
        "related": related_json(raw.get("related")),
    }


def related_json(raw: object) -> list[dict[str, Any]]:
    """Return related articles as id, title, published, category and permalink."""
    if not isinstance(raw, list):
        return []
    return [
        {
            "id": str(item.get("id") or ""),
            "title": str(item.get("title") or ""),
            "published": iso(item.get("published")),
            "category": _opt_str(item, "category"),
            "permalink": f"/articles/{item.get('id') or ''}",
        }
        for item in raw
        if isinstance(item, dict) and item.get("id")
    ]


def documents_json(raw: object) -> list[dict[str, Any]]:
    """Return the documents an article cites, each with the path of a search for its number."""
    if not isinstance(raw, list):
        return []
    keys = ("number", "doc_type", "doc_type_name", "issuer", "issuer_name", "year", "issued")
    out = []
    for item in raw:
        if isinstance(item, dict) and item.get("number"):
            cited = {k: item.get(k) for k in keys}
            cited["search"] = "/?" + urlencode({"q": str(item["number"])})
            out.append(cited)
    return out


def stats_json(raw: dict[str, object]) -> dict[str, Any]:
    """Return documents, generation, built-at and updated-at from the core's stats."""
    documents = raw.get("documents")
    generation = raw.get("generation")
    return {
        "documents": documents if isinstance(documents, int) else 0,
        "generation": None if generation is None else str(generation),
        "built_at": iso(raw.get("built_at")),
        "updated_at": iso(raw.get("updated_at")),
    }


@dataclass(frozen=True)
class Bar:
    """One bar of the per-year chart, in SVG user units."""

    label: str
    count: int
    x: float
    y: float
    width: float
    height: float


CHART_WIDTH, CHART_HEIGHT, CHART_BASE = 300.0, 120.0, 100.0


def year_bars(values: list[FacetValue], max_bars: int = 15) -> list[Bar]:
    """Return bars for results per year, oldest first, the most recent max_bars years."""
    numeric = sorted((v for v in values if str(v.value).isdigit()), key=lambda v: int(v.value))
    numeric = numeric[-max_bars:]
    if not numeric:
        return []
    top = max(v.count for v in numeric) or 1
    slot = CHART_WIDTH / len(numeric)
    bars = []
    for i, v in enumerate(numeric):
        height = max(2.0, (CHART_BASE - 16) * v.count / top) if v.count else 0.0
        bars.append(
            Bar(
                str(v.value),
                v.count,
                i * slot + slot * 0.15,
                CHART_BASE - height,
                slot * 0.7,
                height,
            )
        )
    return bars
