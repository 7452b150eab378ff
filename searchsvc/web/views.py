"""HTML pages: the search form with results, and one document.  No JavaScript needed."""

from __future__ import annotations

import html
import re
from typing import Any
from urllib.parse import urlencode, urlsplit

from flask import Blueprint, render_template, request

from ..errors import BadRequest, IndexMissing
from ..search.params import parse_search_params
from .app import checked_doc_id, get_engine, get_settings

bp = Blueprint("views", __name__)

# Parameters the form sends; links rebuilt from the current page keep exactly these.
FORM_PARAMS = ("q", "sort", "from", "to", "source", "category", "per_page", "page", "autocorrect")
PARAGRAPH_BREAK = re.compile(r"\n[ \t\r\f\v]*\n")
PAGE_WINDOW = 4  # page links shown on each side of the current page


def _form_values() -> dict[str, str]:
    """The submitted values, trimmed, empty ones dropped: what the form shows back."""
    values = {}
    for name in FORM_PARAMS:
        value = (request.args.get(name) or "").strip()
        if value:
            values[name] = value
    return values


def _url_with(form: dict[str, str], changes: dict[str, Any]) -> str:
    """`/?...` for the current search with some parameters changed (None removes one)."""
    params = {**form, **changes}
    params = {k: str(v) for k, v in params.items() if v not in (None, "")}
    if "page" in params and params["page"] == "1":
        del params["page"]
    return "/?" + urlencode(params) if params else "/"


@bp.get("/")
def search_page():
    form = _form_values()
    context: dict[str, Any] = {
        "form": form,
        "result": None,
        "error": None,
        "url_with": lambda changes: _url_with(form, changes),
    }
    settings = get_settings()
    if not form:
        # The landing page: what the service holds, and the latest releases (browse).
        context["documents"] = _document_count()
        context["landing"] = True
        if context["documents"] is None:
            return render_template("search.html", **context)
    try:
        req = parse_search_params(request.args, settings)
        result = get_engine().search(req)  # may refuse the query too ('!!!' has no words)
    except BadRequest as e:
        context["error"] = e
        return render_template("search.html", **context), 400
    last_page = min(result.pages, settings.max_page)
    context.update(
        result=result,
        request_q=req.q,
        filtered=any(k in form for k in ("from", "to", "source", "category")),
        last_page=last_page,
        page_numbers=range(
            max(1, req.page - PAGE_WINDOW), min(last_page, req.page + PAGE_WINDOW) + 1
        ),
    )
    return render_template("search.html", **context)


def _document_count() -> int | None:
    try:
        engine = get_engine()
        return engine.stats()["documents"] if engine.ready() else None
    except IndexMissing:
        return None


@bp.get("/documents/<path:doc_id>")
def document_page(doc_id: str):
    engine = get_engine()
    doc = engine.document(checked_doc_id(doc_id))
    q = (request.args.get("q") or "").strip()[: get_settings().max_query_chars]

    def as_html(text: str) -> str:
        # Escaped text, with <mark> around query words when there is a query.
        if q:
            try:
                return engine.highlight(text, q)
            except BadRequest:  # e.g. q='*': show the text without highlights
                pass
        return html.escape(text, quote=False)

    paragraphs = [p.strip() for p in PARAGRAPH_BREAK.split(doc.body) if p.strip()]
    return render_template(
        "document.html",
        doc=doc,
        q=q,
        title_html=as_html(doc.title),
        paragraphs=[as_html(p) for p in paragraphs],
        original_url=_safe_url(doc.url),
        back_url=_url_with({}, {"q": q}) if q else None,
    )


def _safe_url(url: str | None) -> str | None:
    """Only http(s) links: a `javascript:` URL would run script even when escaped."""
    if not url:
        return None
    try:
        scheme = urlsplit(url.strip()).scheme.lower()
    except ValueError:
        return None
    return url.strip() if scheme in ("http", "https") else None
