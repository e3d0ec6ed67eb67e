"""One error handler: every failure becomes {"error", "status"} JSON, or a friendly page."""

from __future__ import annotations

import json
import logging

from flask import Flask, Response, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from searchsvc.errors import SearchError
from searchsvc.web.state import TooManyRequests

log = logging.getLogger("searchsvc.web")

MESSAGES = {
    400: "Yêu cầu không hợp lệ.",
    404: "Không tìm thấy trang hoặc bài viết này.",
    405: "Phương thức HTTP này không được hỗ trợ ở đây.",
    403: "Yêu cầu bị từ chối.",
    413: "Yêu cầu quá lớn.",
    414: "Địa chỉ (URL) quá dài.",
    416: "Phần tệp được yêu cầu nằm ngoài tệp.",
    417: "Máy chủ không đáp ứng được tiêu đề Expect của yêu cầu.",
    429: "Quá nhiều yêu cầu; vui lòng thử lại sau ít giây.",
    431: "Phần tiêu đề (header) của yêu cầu quá lớn.",
    500: "Lỗi máy chủ; vui lòng thử lại sau.",
    501: "Máy chủ không hỗ trợ cách truyền dữ liệu này.",
    503: "Dịch vụ tìm kiếm tạm thời chưa sẵn sàng.",
}


def message_for(status: int) -> str:
    """Return the Vietnamese message of a status; any other 4xx or 5xx gets the general one."""
    return MESSAGES.get(status) or MESSAGES[400 if status < 500 else 500]


def error_body(status: int) -> bytes:
    """Return the JSON error body for a status, without a request (for the server's own answers)."""
    message = message_for(status)
    return json.dumps({"error": message, "status": status}, ensure_ascii=False).encode("utf-8")


def wants_json() -> bool:
    """Return whether the failing request should get JSON rather than a page."""
    path = request.path
    if path.startswith(("/api/", "/healthz")) or path == "/api":
        return True
    accept = request.accept_mimetypes
    return accept.best_match(["text/html", "application/json"]) == "application/json"


def error_response(status: int, message: str) -> Response:
    """Return the error as JSON or as the error page, with the given status."""
    if wants_json():
        response = jsonify({"error": message, "status": status})
    else:
        html = render_template("error.html", status=status, message=message)
        response = Response(html, mimetype="text/html")
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response


def _search_error(exc: SearchError) -> Response:
    """Answer a core or web error with its own status and message."""
    status = exc.status if 400 <= exc.status <= 599 else 500
    if status >= 500:
        # Server-side messages may name paths; log them, answer in general words.
        log.error("search error (%s): %s", status, exc.message)
        response = error_response(status, message_for(status))
    else:
        response = error_response(status, exc.message or message_for(status))
    if isinstance(exc, TooManyRequests):
        response.headers["Retry-After"] = str(exc.retry_after)
    return response


def _http_error(exc: HTTPException) -> Response:
    """Answer Flask's own 404, 405, 413 and friends in the same shape."""
    status = exc.code or 500
    response = error_response(status, message_for(status))
    for name, value in exc.get_headers():
        if name.lower() == "allow":
            allowed = [m.strip() for m in value.split(",") if m.strip() != "OPTIONS"]
            response.headers["Allow"] = ", ".join(allowed)
    return response


def _unexpected(exc: Exception) -> Response:
    """Log an unexpected failure and answer a plain 500 without details."""
    log.exception("unexpected error on %s %s", request.method, request.path)
    return error_response(500, MESSAGES[500])


def register(app: Flask) -> None:
    """Register the handlers on app."""
    app.register_error_handler(SearchError, _search_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected)
