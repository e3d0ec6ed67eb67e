"""The JSON API: search, suggest, articles, stats, health and the OpenAPI document."""

from __future__ import annotations

import json
import logging
import re

from flask import Blueprint, Response, jsonify, request

from searchsvc.errors import NotFound, SearchError
from searchsvc.web import openapi, params, present
from searchsvc.web.state import run_search, searcher, service

bp = Blueprint("api", __name__)
log = logging.getLogger("searchsvc.web")

_ID = re.compile(params.ID_PATTERN)


def checked_id(article_id: str) -> str:
    """Return a well-formed article id; raise NotFound for anything else (path tricks, NUL)."""
    if not _ID.fullmatch(article_id) or not article_id.strip("."):
        raise NotFound("Không có bài viết với mã này.")
    return article_id


def _json(body: object, max_age: int = 0) -> Response:
    """Return body as JSON, cacheable for max_age seconds when positive."""
    response = jsonify(body)
    if max_age:
        response.headers["Cache-Control"] = f"public, max-age={max_age}"
    return response


@bp.get("/api/search")
def search() -> Response:
    """Search the archive."""
    result = run_search(params.parse_search(request.args))
    return _json(present.result_json(result), max_age=30)


@bp.get("/api/suggest")
def suggest() -> Response:
    """Complete what a visitor is typing."""
    query = (request.args.get("q") or "").strip()
    limit = params.parse_int(request.args, "limit", 1, params.MAX_SUGGEST) or params.MAX_SUGGEST
    found = searcher().suggest(query, limit) if query else []
    return _json({"query": query, "suggestions": [str(s) for s in found[:limit]]}, max_age=300)


@bp.get("/api/suggest/opensearch")
def suggest_opensearch() -> Response:
    """Complete what is typed in a browser's search box: `[query, [completions]]` (OpenSearch)."""
    query = (request.args.get("q") or "").strip()
    found = searcher().suggest(query, params.MAX_SUGGEST) if query else []
    body = json.dumps([query, [str(s) for s in found]], ensure_ascii=False)
    response = Response(body, content_type="application/x-suggestions+json; charset=utf-8")
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@bp.get("/api/articles/<article_id>")
def article(article_id: str) -> Response:
    """Return one full article."""
    raw = searcher().article(checked_id(article_id))
    return _json(present.article_json(raw), max_age=60)


@bp.get("/api/stats")
def stats() -> Response:
    """Describe the loaded index."""
    return _json(present.stats_json(searcher().stats()))


@bp.get("/healthz")
def healthz() -> Response:
    """Answer 200 once the index is open and warm, 503 before that or without an index."""
    try:
        if not service().ready():
            raise SearchError("Chỉ mục đang được nạp; vui lòng thử lại sau giây lát.", 503)
        body = present.stats_json(searcher().stats())
    except SearchError as exc:
        log.warning("health check: %s", exc.message)
        message = exc.message if exc.status == 503 else "Chưa có chỉ mục để tìm kiếm."
        raise SearchError(message, 503) from None
    except Exception:  # any failure to read the index means "not healthy", never a 500
        log.exception("health check failed")
        raise SearchError("Chưa có chỉ mục để tìm kiếm.", 503) from None
    response = _json({"status": "ok", **body})
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/api/openapi.json")
def openapi_document() -> Response:
    """Return the OpenAPI 3.1 description of this API."""
    return _json(openapi.document(), max_age=3600)
