"""The Flask app factory: it wires settings, blueprints, error handlers, filters and
security headers into one app, and nothing else.

The web package is a thin edge over `SearchService`: it parses parameters, calls
the service and renders its result as JSON (`api.py`) or HTML (`views.py`); what a
request needs from the app (service, settings, names) comes from `context.py`, and
errors become responses in `errors.py`.
"""

from __future__ import annotations

import datetime as dt

from flask import Flask
from markupsafe import Markup

from ..search.service import SearchService
from ..settings import Settings, load_settings
from . import api, context, errors, views

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


def create_app(settings: Settings | None = None, service: SearchService | None = None) -> Flask:
    """Build the app.  `service` is for tests; otherwise one is opened from the settings."""
    settings = settings or load_settings()
    app = Flask(__name__)
    # Never debug mode in this app, whatever FLASK_DEBUG says in the environment.
    app.debug = False
    # '//etc/passwd' must not be redirected to '/etc/passwd': a document id never
    # starts with '/', so such paths are simply unknown (404).
    app.url_map.merge_slashes = False
    context.init_app(app, settings, service)
    app.json.ensure_ascii = False  # type: ignore[attr-defined]  # readable Vietnamese
    app.json.sort_keys = False  # type: ignore[attr-defined]  # keep the documented field order
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    _register_filters(app)

    app.register_blueprint(api.bp)
    app.register_blueprint(views.bp)

    errors.init_app(app)
    app.after_request(_security_headers)
    return app


def _register_filters(app: Flask) -> None:
    @app.template_filter("highlighted")
    def highlighted(html: str) -> Markup:
        # The ONE place that trusts HTML: service output (Hit.title_html, Hit.snippet,
        # service.highlight()) is already escaped, with only <mark> added.
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


def _security_headers(response):
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response
