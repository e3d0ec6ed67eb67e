"""The rate limit of every route that costs: a request budget and a CPU budget per client.

Every route is limited but the cheap, fixed ones (`FREE`): the pages, the search, suggest
and article endpoints, and any route added later (exports, feeds) without a word. Each
request spends one request token on the way in and the CPU seconds its thread used: up to
its answer when that is ready, and the rest (a streamed body) when the answer is closed. A
client out of either budget gets 429 with Retry-After, as JSON on the API and as a page on
the HTML routes.
"""

from __future__ import annotations

import time

from flask import Response, g, request

from searchsvc.web.state import TooManyRequests, service

# Endpoints that cost next to nothing and must answer health checks and tools at any rate.
FREE = frozenset({"static", "api.healthz", "api.openapi_document", "api.stats"})


def admit() -> None:
    """Spend a request token of this client and start counting its CPU; raise when out."""
    svc = service()
    if not svc.settings.rate_limit or request.endpoint in FREE:
        return
    key = request.remote_addr or "unknown"
    g.cost_key, g.cost_start = key, time.thread_time()
    wait = svc.limiter.admit(key)
    if wait:
        raise TooManyRequests(wait)


def charge(response: Response) -> None:
    """Charge this client the CPU time of its request: now, and for a streamed body, later."""
    key: str | None = g.pop("cost_key", None)
    if key is None:
        return
    limiter = service().limiter
    now = time.thread_time()
    limiter.charge(key, now - g.pop("cost_start"))
    response.call_on_close(lambda: limiter.charge(key, time.thread_time() - now))
