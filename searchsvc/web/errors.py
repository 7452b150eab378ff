"""Errors as responses: one JSON shape under /api and /healthz, the error page elsewhere.

Errors raised anywhere (the core's `SearchServiceError` family, Werkzeug's routing
errors, bugs) are turned into responses here, registered at app level by `init_app`,
because blueprint handlers never see routing 404/405.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from ..errors import IndexMissing, NotFound, SearchServiceError

# What the HTML error page says for each status (the JSON message is more specific).
PAGE_TITLES = {
    400: "Yêu cầu không hợp lệ",
    404: "Không tìm thấy trang",
    405: "Phương thức không được hỗ trợ",
    500: "Lỗi máy chủ",
    503: "Dịch vụ tạm thời chưa sẵn sàng",
}
# Messages we show instead of the exception's own text, which may name server paths.
MESSAGES = {
    404: "Không tìm thấy tài nguyên được yêu cầu.",
    405: "Phương thức HTTP này không được hỗ trợ ở địa chỉ này.",
    500: "Đã xảy ra lỗi không mong muốn ở máy chủ.",
    503: "Chỉ mục tìm kiếm chưa sẵn sàng. Vui lòng thử lại sau.",
}
DOCUMENT_NOT_FOUND = "Không tìm thấy văn bản này."


def init_app(app: Flask) -> None:
    app.register_error_handler(SearchServiceError, _service_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected_error)


def wants_json() -> bool:
    path = request.path
    return path == "/healthz" or path == "/api" or path.startswith("/api/")


def error_response(
    status: int, code: str, message: str, param: str | None = None, headers: Any = None
):
    if wants_json():
        body = {"error": {"status": status, "code": code, "message": message, "param": param}}
        response = jsonify(body)
    else:
        title = PAGE_TITLES.get(status, "Lỗi")
        try:
            response = current_app.response_class(
                render_template("error.html", status=status, title=title, message=message)
            )
        except Exception:  # the error page itself broke: still answer, plainly
            current_app.logger.exception("error page failed to render")
            response = current_app.response_class(
                f"{status} {title}", mimetype="text/plain"
            )
    response.status_code = status
    for name, value in headers or ():
        response.headers[name] = value
    return response


def _service_error(e: SearchServiceError):
    if isinstance(e, IndexMissing):
        current_app.logger.warning("index unavailable: %s", e.message)
    if e.status == 400:
        return error_response(e.status, e.code, e.message, e.param)
    message = DOCUMENT_NOT_FOUND if isinstance(e, NotFound) else MESSAGES.get(e.status, e.message)
    return error_response(e.status, e.code, message)


def _http_error(e: HTTPException):
    status = e.code or 500
    code = (e.name or "error").lower().replace(" ", "_").replace("'", "")
    headers = [(k, v) for k, v in e.get_headers() if k.lower() == "allow"]
    message = MESSAGES.get(status) or e.description or e.name
    return error_response(status, code, message, None, headers)


def _unexpected_error(e: Exception):
    current_app.logger.error(
        "unhandled error on %s %s", request.method, request.path, exc_info=e
    )
    return error_response(500, "internal_error", MESSAGES[500])
