"""The Flask app factory: settings, the lazily opened engine, errors and security headers.

The web package is a thin edge over `SearchEngine`: it parses parameters, calls
the engine and renders its result as JSON (`api.py`) or HTML (`views.py`).
Errors raised anywhere (the core's `SearchServiceError` family, Werkzeug's
routing errors, bugs) are turned into responses here, at app level, because
blueprint handlers never see routing 404/405.
"""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

from flask import Flask, current_app, jsonify, render_template, request
from markupsafe import Markup
from werkzeug.exceptions import HTTPException

from ..errors import IndexMissing, NotFound, SearchServiceError
from ..names import DisplayNames, load_names
from ..search import SearchEngine
from ..search.complete import CompleterCache
from ..settings import Settings, load_settings

# No inline script or style anywhere: one stylesheet and one small script file, which
# only enhances pages that work without it (suggestions, results as you type).
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'none'",
        "style-src 'self'",
        "script-src 'self'",
        "connect-src 'self'",
        "img-src 'self' data:",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
    ]
)
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    # Search words are in our URLs; do not hand them to the sites of original releases.
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}

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


class EngineHolder:
    """Opens the `SearchEngine` on first use, so importing or creating the app touches no files."""

    def __init__(self, settings: Settings, engine: SearchEngine | None = None):
        self.settings = settings
        self._engine = engine
        self._lock = threading.Lock()

    def get(self) -> SearchEngine:
        if self._engine is None:
            with self._lock:  # waitress serves requests from several threads
                if self._engine is None:
                    self._engine = SearchEngine(
                        self.settings.index_dir,
                        refresh_interval=self.settings.refresh_interval,
                        time_limit=self.settings.search_time_limit,
                        max_query_chars=self.settings.max_query_chars,
                        max_query_terms=self.settings.max_query_terms,
                        result_cache=self.settings.result_cache_size,
                        concurrency=self.settings.search_concurrency,
                        approximate_below=self.settings.approximate_below,
                    )
        return self._engine

    def close(self) -> None:
        with self._lock:
            if self._engine is not None:
                self._engine.close()
                self._engine = None


def get_engine() -> SearchEngine:
    return current_app.extensions["searchsvc"].get()


def get_settings() -> Settings:
    return current_app.extensions["searchsvc"].settings


def get_names() -> DisplayNames:
    return current_app.extensions["searchsvc.names"]


def checked_doc_id(doc_id: str) -> str:
    """Document ids are relative '/'-separated paths; anything path-like beyond that is unknown.

    The engine looks ids up in the index, never on disk; this is a second fence.
    """
    parts = doc_id.split("/")
    if "\\" in doc_id or "\x00" in doc_id or any(p in ("", ".", "..") for p in parts):
        raise NotFound(DOCUMENT_NOT_FOUND)
    return doc_id


def wants_json() -> bool:
    path = request.path
    return path == "/healthz" or path == "/api" or path.startswith("/api/")


def create_app(settings: Settings | None = None, engine: SearchEngine | None = None) -> Flask:
    """Build the app.  `engine` is for tests; otherwise one is opened from settings.index_dir."""
    from . import api, views

    settings = settings or load_settings()
    app = Flask(__name__)
    # Never debug mode in this app, whatever FLASK_DEBUG says in the environment.
    app.debug = False
    # '//etc/passwd' must not be redirected to '/etc/passwd': a document id never
    # starts with '/', so such paths are simply unknown (404).
    app.url_map.merge_slashes = False
    app.extensions["searchsvc"] = EngineHolder(settings, engine)
    # Read now: a broken display-name file stops the server at start, not on a request.
    app.extensions["searchsvc.names"] = load_names(settings.display_names)
    app.extensions["searchsvc.completer"] = CompleterCache()
    app.json.ensure_ascii = False  # type: ignore[attr-defined]  # readable Vietnamese
    app.json.sort_keys = False  # type: ignore[attr-defined]  # keep the documented field order
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    _register_filters(app)

    app.register_blueprint(api.bp)
    app.register_blueprint(views.bp)

    app.register_error_handler(SearchServiceError, _service_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected_error)
    app.after_request(_security_headers)
    return app


def _register_filters(app: Flask) -> None:
    @app.template_filter("highlighted")
    def highlighted(html: str) -> Markup:
        # The ONE place that trusts HTML: engine output (Hit.title_html, Hit.snippet,
        # engine.highlight()) is already escaped, with only <mark> added.
        return Markup(html)

    @app.template_filter("vn_date")
    def vn_date(value: dt.date | None) -> str:
        return value.strftime("%d/%m/%Y") if value else ""

    @app.template_filter("vn_int")
    def vn_int(value: int) -> str:
        return f"{value:,}".replace(",", ".")  # 1.234.567

    @app.template_filter("vn_seconds")
    def vn_seconds(ms: float) -> str:
        # Three decimals: most searches take a few milliseconds, and "0,00" says nothing.
        if ms < 0.5:
            return "< 0,001"  # answered from the result cache
        return f"{ms / 1000:.3f}".replace(".", ",")  # 0,012

    @app.template_filter("display_name")
    def display_name(value: str | None, kind: str) -> str:
        return app.extensions["searchsvc.names"].get(kind, value)


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


def _security_headers(response):
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response
