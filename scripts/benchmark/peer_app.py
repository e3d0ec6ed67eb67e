"""The peer as a site owner would serve it: a bare WSGI app over the FTS5 database (gunicorn).

`GET /api/search?q=...&category=...` answers total, top 10 with snippets and facet counts as
JSON; `GET /healthz` answers 200. The database path comes from BENCH_PEER_DB.
"""

from __future__ import annotations

import json
import os
import urllib.parse
from pathlib import Path

from benchmark.peer import Peer

_peer: Peer | None = None


def _get_peer() -> Peer:
    """Open the database once per worker process."""
    global _peer
    if _peer is None:
        _peer = Peer(Path(os.environ["BENCH_PEER_DB"]))
    return _peer


def app(environ, start_response):
    """Answer the search API and the health check."""
    path = environ.get("PATH_INFO", "")
    if path == "/healthz":
        body = b'{"status": "ok"}'
    elif path == "/api/search":
        args = urllib.parse.parse_qs(environ.get("QUERY_STRING", ""))
        query = (args.get("q") or [""])[0]
        category = (args.get("category") or [None])[0]
        page = _get_peer().page(query, category)
        body = json.dumps(
            {
                "total": page.total,
                "hits": [
                    {"id": i, "snippet": s} for i, s in zip(page.ids, page.snippets, strict=True)
                ],
                "facets": page.facets,
                "fallback": page.fallback,
            },
            ensure_ascii=False,
        ).encode()
    else:
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not found"]
    headers = [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
    start_response("200 OK", headers)
    return [body]
