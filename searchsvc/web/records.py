"""The archive as a record: a search's CSV export and Atom feed, and the OpenSearch description.

The export and the feed read the same parameters as the search page (`params.parse_search`),
so the page can link both for its current query and filters. Nothing here writes; the rate
limiter of every reading route (`web/limits.py`) covers these too (a streamed export is
charged its CPU time when it is closed). Absolute links use SEARCHSVC_PUBLIC_URL only
(`config.public_link`), never the request's Host header.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, request

from searchsvc.config import Settings, public_link
from searchsvc.searching import Hit, export
from searchsvc.vietnamese import text
from searchsvc.web import params, xmldocs
from searchsvc.web.state import run_search, searcher, service

bp = Blueprint("records", __name__)

EXPORT_ROWS = 10_000  # rows of /export.csv at most; `searchsvc search --all` has no cap
FEED_ENTRIES = 20
SITE_NAME = "Cổng thông tin điện tử quận Tây Hồ"
SEARCH_NAME = "Tìm kiếm Tây Hồ"  # OpenSearch ShortName: 16 characters at most
# Parameters that choose the articles of an export or a feed (not their page or order).
SELECTING = ("q", "category", "year", "month", "from", "to", "doc_type", "issuer")
_SLUG = re.compile(r"[a-z0-9]+")


def selection() -> dict[str, str]:
    """Return the request's non-empty selecting parameters, in a fixed order."""
    return {k: v.strip() for k in SELECTING if (v := request.args.get(k, "")) and v.strip()}


def file_name(query: str) -> str:
    """Return an ASCII file name for the export of a query: tim-kiem-cai-cach-hanh-chinh.csv."""
    words = _SLUG.findall(text.fold(text.normalize(query)))
    return "-".join(["tim-kiem", *words])[:80].rstrip("-") + ".csv"


def _rows(hits: Iterator[Hit], settings: Settings) -> Iterator[dict[str, Any]]:
    """Yield export rows, the permalinks under the public URL when one is set."""
    for hit in hits:
        yield export.hit_row(hit, public_link(settings, f"/articles/{hit.id}"))


@bp.get("/export.csv")
def export_csv() -> Response:
    """Stream the matches of a search, in its sort, as CSV (at most EXPORT_ROWS rows)."""
    req = params.parse_search(request.args)
    found = searcher().matches(req, EXPORT_ROWS)
    lines = export.csv_lines(_rows(found.hits, service().settings), export.HIT_FIELDS)
    response = Response(lines, content_type="text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = f'attachment; filename="{file_name(req.query)}"'
    response.headers["X-Total-Count"] = str(found.total)
    response.headers["X-Export-Rows"] = str(min(found.total, EXPORT_ROWS))
    return response


def _feed_title(chosen: dict[str, str]) -> str:
    """Return the feed's title: what it follows, in words."""
    words = [f"“{chosen['q']}”"] if "q" in chosen else []
    words += [f"{k}: {v}" for k, v in chosen.items() if k != "q"]
    return f"Tin mới – {', '.join(words)}" if words else f"Tin mới – {SITE_NAME}"


def _entry(hit: Hit, settings: Settings, fallback: str) -> xmldocs.Entry:
    """Return the feed entry of a hit."""
    return xmldocs.Entry(
        id=xmldocs.stable_id("article", hit.id),
        title=hit.title,
        link=public_link(settings, f"/articles/{hit.id}"),
        updated=hit.published or fallback,
        published=hit.published,
        category=hit.category,
        summary=export.plain(hit.snippet),
    )


@bp.get("/feed.atom")
def feed() -> Response:
    """Return the FEED_ENTRIES newest articles of a search as an Atom 1.0 feed."""
    req = replace(params.parse_search(request.args), sort="newest", page=1, per_page=FEED_ENTRIES)
    result = run_search(req)
    settings = service().settings
    chosen = selection()
    query = urlencode(chosen)
    built = str(searcher().stats().get("updated_at") or "1970-01-01T00:00:00+00:00")
    dated = [h.published for h in result.hits if h.published]
    document = xmldocs.Feed(
        id=xmldocs.stable_id("feed", query),
        title=_feed_title(chosen),
        subtitle=f"Các bài mới nhất khớp với tìm kiếm này trên {SITE_NAME}.",
        updated=max(dated) if dated else built,
        self_link=public_link(settings, "/feed.atom" + (f"?{query}" if query else "")),
        html_link=public_link(settings, "/" + (f"?{query}" if query else "")),
        author=SITE_NAME,
        entries=[_entry(h, settings, built) for h in result.hits],
    )
    response = Response(xmldocs.atom(document), content_type="application/atom+xml; charset=utf-8")
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@bp.get("/opensearch.xml")
def opensearch() -> Response:
    """Return the OpenSearch 1.1 description that lets a browser add this search."""
    settings = service().settings
    body = xmldocs.opensearch(
        name=SEARCH_NAME,
        description=f"Tìm tin bài trên {SITE_NAME}",
        html=public_link(settings, "/?q={searchTerms}"),
        suggest=public_link(settings, "/api/suggest/opensearch?q={searchTerms}"),
        self_link=public_link(settings, "/opensearch.xml"),
    )
    response = Response(body, content_type="application/opensearchdescription+xml; charset=utf-8")
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response
