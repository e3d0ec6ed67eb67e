"""The web layer: `create_app()` builds the Flask app with the JSON API and the search page.

`error_body(status)` is the JSON error shape for answers made outside the app (the server's).

Only presents what `searchsvc.searching` returns; nothing here writes to the index.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from flask import Flask, Response, request
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.middleware.proxy_fix import ProxyFix

from searchsvc import __version__
from searchsvc.config import Settings, _convert
from searchsvc.errors import SearchError
from searchsvc.web import handlers, limits, security, urls
from searchsvc.web.handlers import error_body
from searchsvc.web.state import install, service

__all__ = ["create_app", "error_body"]

MAX_QUERY_STRING_BYTES = 8000
REDIRECTS = frozenset({301, 302, 303, 307, 308})
ALLOWED_METHODS = ("GET", "HEAD")
_SETTING_NAMES = {f.name for f in dataclasses.fields(Settings)}


def _settings(config: Mapping[str, Any] | Settings | None) -> tuple[Settings, dict[str, Any]]:
    """Split config into Settings (over the environment) and plain Flask config keys."""
    if isinstance(config, Settings):
        return config, {}
    overrides: dict[str, Any] = {}
    flask_config: dict[str, Any] = {}
    for key, value in (config or {}).items():
        name = key.lower().removeprefix("searchsvc_")
        if name in _SETTING_NAMES:
            overrides[name] = _convert(name, value) if isinstance(value, str) else value
        else:
            flask_config[key] = value
    if isinstance(overrides.get("cors_origins"), list):
        overrides["cors_origins"] = tuple(overrides["cors_origins"])
    return dataclasses.replace(Settings.from_env(), **overrides), flask_config


def _options() -> Response:
    """Answer OPTIONS: a CORS preflight of an allowlisted origin, else 405 like any other method."""
    found = security.preflight_headers(
        service().settings,
        request.path,
        request.headers.get("Origin"),
        request.headers.get("Access-Control-Request-Method"),
    )
    if found is None:
        raise MethodNotAllowed(valid_methods=list(ALLOWED_METHODS))
    response = Response(status=204)
    response.headers.update(found)
    return response


def _before() -> Response | None:
    """Answer OPTIONS, refuse oversized requests, and spend the client's rate-limit tokens."""
    if request.method == "OPTIONS" and not isinstance(request.routing_exception, NotFound):
        return _options()
    svc = service()
    if (request.content_length or 0) > svc.settings.max_request_bytes:
        raise SearchError(f"Yêu cầu quá lớn (tối đa {svc.settings.max_request_bytes} byte).", 413)
    if len(request.query_string) > MAX_QUERY_STRING_BYTES:
        raise SearchError(f"Địa chỉ quá dài (tối đa {MAX_QUERY_STRING_BYTES} byte).", 414)
    limits.admit()
    return None


def _after(response: Response) -> Response:
    """Add security, CORS and cache headers; point redirects at the site, never at Host."""
    settings = service().settings
    location = response.headers.get("Location")
    if location is not None and response.status_code in REDIRECTS:
        # Werkzeug's own redirects (merged slashes, a missing trailing slash) name Host.
        response = Response(status=response.status_code)
        response.headers["Location"] = urls.redirect_target(location)
    response.headers.update(security.security_headers(settings))
    origin = request.headers.get("Origin")
    for name, value in security.cors_headers(settings, request.path, origin).items():
        response.headers[name] = value
    response.headers.setdefault("Cache-Control", "no-cache")
    response.headers.pop("Server", None)
    limits.charge(response)
    return response


def create_app(config: Mapping[str, Any] | Settings | None = None, *, load: bool = False) -> Flask:
    """Build the app; config (a dict or Settings) overrides SEARCHSVC_* settings.

    With `load`, the index is opened and warmed in the background at once (a served worker
    answers /healthz with 200 only after that), instead of on the first request.
    """
    settings, flask_config = _settings(config)
    app = Flask("searchsvc")
    app.config.update(
        MAX_CONTENT_LENGTH=settings.max_request_bytes,
        MAX_FORM_MEMORY_SIZE=settings.max_request_bytes,
        SEND_FILE_MAX_AGE_DEFAULT=86_400,
        PROVIDE_AUTOMATIC_OPTIONS=False,  # OPTIONS is 405 but for CORS preflights (_options)
        **flask_config,
    )
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.json.mimetype = "application/json; charset=utf-8"  # type: ignore[attr-defined]
    svc = install(app, settings)
    if load:
        svc.start_loading()
    from searchsvc.web import api, pages, records

    app.register_blueprint(api.bp)
    app.register_blueprint(pages.bp)
    app.register_blueprint(records.bp)
    handlers.register(app)
    app.before_request(_before)
    app.after_request(_after)
    app.jinja_env.globals["version"] = __version__
    if settings.proxy_count:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=settings.proxy_count, x_proto=settings.proxy_count
        )
    return app
