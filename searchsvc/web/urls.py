"""Links the service hands out: relative, or under SEARCHSVC_PUBLIC_URL; never from Host.

The request's Host header is chosen by the client. A link or redirect built from it would let
anyone make this service (and any shared cache in front of it) point visitors at another
site, so every absolute address here starts with the configured public URL instead.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import url_for

from searchsvc.config import public_link
from searchsvc.web.state import service


def site_url(path: str) -> str:
    """Return path (starting with "/") under the public URL, or as it is when none is set."""
    return public_link(service().settings, path)


def url_for_site(endpoint: str, **values: Any) -> str:
    """Return url_for(endpoint, **values) as a site URL; never an address built from Host."""
    return site_url(url_for(endpoint, **values))


def redirect_target(url: str) -> str:
    """Return where a redirect to url should point: its path and query under the site URL."""
    parts = urlsplit(url)
    path = "/" + parts.path.lstrip("/")  # "//evil.example" would be another host
    return site_url(path + (f"?{parts.query}" if parts.query else ""))
