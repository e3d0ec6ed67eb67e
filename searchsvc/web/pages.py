"""The HTML pages: the "Tìm kiếm" search page and the article page."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request, url_for

from searchsvc.errors import BadRequest, SearchError
from searchsvc.searching import (
    MAX_QUERY_CHARS,
    BadParameter,
    FacetValue,
    SearchRequest,
    SearchResult,
    clip,
)
from searchsvc.vietnamese import docnumbers, text
from searchsvc.web import params, present, urls
from searchsvc.web.api import checked_id
from searchsvc.web.state import run_search, searcher

bp = Blueprint("pages", __name__)

# Parameters the page carries from one link to the next.
KEPT = (
    *("q", "category", "year", "month", "from", "to", "sort", "per_page", "page"),
    *("doc_type", "issuer"),
)
FILTERS = ("category", "year", "month", "from", "to", "doc_type", "issuer")
# The search box takes three times what is searched: a decomposed (NFD) letter can be three
# code points. 600 characters percent-encode to at most 5,400 bytes, under the 8,000-byte
# query string the service accepts, so a form submission never gets 414.
QUERY_INPUT_CHARS = 3 * MAX_QUERY_CHARS
NEWEST = 10  # articles the landing page lists as newly published
FACET_LABELS = {
    "category": "Chuyên mục",
    "year": "Năm",
    "month": "Tháng",
    "doc_type": "Loại văn bản",
    "issuer": "Cơ quan ban hành",
}
SORT_LABELS = {"relevance": "Liên quan nhất", "newest": "Mới nhất", "oldest": "Cũ nhất"}
# What the page calls each parameter (the form's labels), for its error messages.
PARAM_LABELS = {
    **FACET_LABELS,
    "q": "Từ khóa",
    "from": "Từ ngày",
    "to": "Đến ngày",
    "sort": "Sắp xếp theo",
    "page": "Trang",
    "per_page": "Số kết quả mỗi trang",
}


def current_args() -> dict[str, str]:
    """Return the page's own parameters from the request, without empty ones.

    `q` is the query as searched (normalized, at most MAX_QUERY_CHARS): every link of the
    page carries it, so an 8 KB query must not be copied into a hundred links.
    """
    args = {k: v.strip() for k in KEPT if (v := request.args.get(k, "")) and v.strip()}
    if "q" in args:
        args["q"] = clip(args["q"])
    return {k: v for k, v in args.items() if v}


def url_with(**changes: object) -> str:
    """Return the search URL with some parameters changed (None removes one); resets the page."""
    args: dict[str, Any] = current_args()
    if "page" not in changes:
        args.pop("page", None)
    for key, value in changes.items():
        key = key.rstrip("_")
        if value is None or value == "":
            args.pop(key, None)
        else:
            args[key] = str(value)
    if "year" in changes and changes["year"] is None:
        args.pop("month", None)
    return url_for("pages.index", **args)


def searched_other(result: SearchResult) -> bool:
    """Return whether the core searched something other than what was typed."""
    understood = result.understood
    if understood.telex:
        return True
    typed = text.normalize(result.query).casefold().split()
    return bool(understood.searched) and understood.searched.casefold().split() != typed


def facet_values(kind: str, values: list[FacetValue]) -> list[FacetValue]:
    """Order facet values for the sidebar: years newest first, months in order, else as given."""
    if kind in ("year", "month"):
        numeric = [v for v in values if str(v.value).isdigit()]
        return sorted(numeric, key=lambda v: int(v.value), reverse=kind == "year")
    return values


def filter_label(key: str, value: str) -> str | None:
    """Return how a document kind or issuer filter reads: `Kế hoạch (KH)`; None otherwise."""
    table = {"doc_type": docnumbers.kinds(), "issuer": docnumbers.issuers()}.get(key)
    codes = table.find(value) if table else []
    return f"{table.names[codes[0]]} ({codes[0]})" if table and codes else None


def form_dates() -> dict[str, str]:
    """Return from/to as DD/MM/YYYY for the date fields (as typed when they do not parse)."""
    dates = {}
    for name in ("from", "to"):
        raw = current_args().get(name, "")
        try:
            dates[name] = params.parse_date(raw, name).strftime("%d/%m/%Y") if raw else ""
        except BadRequest:
            dates[name] = raw
    return dates


def _render(status: int = 200, **context: Any) -> tuple[str, int]:
    """Render the search page with the shared context."""
    context.setdefault("args", current_args())
    context.setdefault("error", None)
    context.setdefault("result", None)
    page = render_template(
        "search.html",
        url_with=url_with,
        format_date=present.format_date,
        format_ms=present.format_ms,
        facet_labels=FACET_LABELS,
        sort_labels=SORT_LABELS,
        filters=[(k, v) for k, v in current_args().items() if k in FILTERS],
        facet_values=facet_values,
        filter_label=filter_label,
        form_dates=form_dates(),
        safe_snippet=present.safe_snippet,
        query_input_chars=QUERY_INPUT_CHARS,
        **context,
    )
    return page, status


def _landing() -> tuple[str, int]:
    """Render the page before any search: the archive's size, its categories, what is new."""
    try:
        documents: int | None = present.stats_json(searcher().stats())["documents"]
        everything = run_search(SearchRequest("", per_page=NEWEST))  # no words: newest first
        browse, newest = everything.facets.get("category", []), everything.hits
    except SearchError:
        documents, browse, newest = None, [], []
    return _render(documents=documents, browse=[v for v in browse if v.value], newest=newest)


@bp.get("/")
def index() -> tuple[str, int]:
    """Show the search page, with results when there is a query or a filter."""
    try:
        req = params.parse_search({**current_args(), "q": request.args.get("q", "")})
        if not req.query and not any(request.args.get(k, "").strip() for k in FILTERS):
            return _landing()
        result = run_search(req)
    except BadParameter as exc:  # named as the form labels it, not by its URL name
        return _render(400, error=exc.named(f"“{PARAM_LABELS.get(exc.name, exc.name)}”"))
    except BadRequest as exc:  # any other the caller can fix: the page with the message
        return _render(400, error=exc.message)
    pages = present.page_count(result.total, result.per_page)
    export_url, feed_url = record_links()
    return _render(
        export_url=export_url,
        feed_url=feed_url,
        result=result,
        pages=pages,
        window=present.page_window(result.page, pages),
        bars=present.year_bars(result.facets.get("year", [])),
        searched_other=searched_other(result),
        empty_range=params.empty_range(req),
    )


def record_links() -> tuple[str, str]:
    """Return the CSV export and the Atom feed of the current query and filters."""
    chosen: dict[str, Any] = {
        k: v for k, v in current_args().items() if k not in ("page", "per_page")
    }
    feed = {k: v for k, v in chosen.items() if k != "sort"}
    return url_for("records.export_csv", **chosen), url_for("records.feed", **feed)


@bp.get("/articles/<article_id>")
def article(article_id: str) -> str:
    """Show one article with its permalink and a way back to the search."""
    raw = searcher().article(checked_id(article_id))
    item = present.article_json(raw)
    query = clip(request.args.get("q") or "")
    return render_template(
        "article.html",
        article=item,
        date=present.format_date(item["published"]),
        format_date=present.format_date,
        permalink=urls.url_for_site("pages.article", article_id=item["id"]),
        back=url_for("pages.index", q=query) if query else url_for("pages.index"),
        query=query,
    )
