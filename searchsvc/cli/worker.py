"""The gunicorn worker of `searchsvc serve`: gthread, answering unreadable requests in JSON.

gunicorn refuses some requests before the app sees them: a request line over
`limit_request_line` (414), headers over `limit_request_field_size` or more than
`limit_request_fields` (431), malformed syntax (400). Its own answer is an HTML page; this
worker answers those in the service's error shape, `{"error": "...", "status": N}`, with the
same messages as the app. The path is not known at that point (the request could not be
read), so the answer is JSON for every path.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from gunicorn import util
from gunicorn.http import errors
from gunicorn.workers.gthread import ThreadWorker

from searchsvc.web import error_body


def _kinds(*names: str) -> tuple[type[Exception], ...]:
    """Return gunicorn's error classes of these names (some are missing from older versions)."""
    found = (getattr(errors, name, None) for name in names)
    return tuple(kind for kind in found if isinstance(kind, type))


# Errors of the request (client errors), most specific first; anything else is gunicorn's.
_STATUS = tuple(
    (kind, status)
    for name, status in (
        ("LimitRequestLine", 414),
        ("LimitRequestHeaders", 431),
        ("UnsupportedTransferCoding", 501),
        ("ExpectationFailed", 417),
        ("ForbiddenProxyRequest", 403),
    )
    for kind in _kinds(name)
)
_NOT_THE_CLIENTS = _kinds(
    "InvalidResponseHeader", "InvalidResponseHeaderName", "ConfigurationProblem"
)


def client_error_status(exc: BaseException) -> int | None:
    """Return the status for a request gunicorn could not read, or None for other failures."""
    if isinstance(exc, _NOT_THE_CLIENTS) or not isinstance(exc, errors.ParseException):
        return None
    return next((status for kind, status in _STATUS if isinstance(exc, kind)), 400)


def error_answer(status: int) -> bytes:
    """Return a whole HTTP answer in the error shape, closing the connection."""
    body = error_body(status)
    head = (
        f"HTTP/1.1 {status} {HTTPStatus(status).phrase}\r\n"
        "Connection: close\r\n"
        "Content-Type: application/json; charset=utf-8\r\n"
        f"Content-Length: {len(body)}\r\n"
        "X-Content-Type-Options: nosniff\r\n"
        "Cache-Control: no-store\r\n"
        "\r\n"
    )
    return head.encode("ascii") + body


class JsonErrorWorker(ThreadWorker):  # type: ignore[misc]
    """gunicorn's gthread worker, with the service's error shape for unreadable requests."""

    def handle_error(self, req: Any, client: Any, addr: Any, exc: BaseException) -> None:
        """Answer a request gunicorn refused in JSON; leave any other failure to gunicorn."""
        status = client_error_status(exc)
        if status is None:
            super().handle_error(req, client, addr, exc)
            return
        ip = addr[0] if isinstance(addr, tuple) and addr else ""
        self.log.warning("Invalid request from ip=%s (%s): %s", ip, status, exc)
        try:
            util.write_nonblock(client, error_answer(status))
        except OSError:
            self.log.debug("Failed to send error message.")
