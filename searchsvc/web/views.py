"""HTML pages: the search form with results, one document, and the Atom feed and
OpenSearch description that browsers and feed readers fetch.  No JavaScript needed."""

from __future__ import annotations

import datetime as dt
import html
import re
from typing import Any
from urllib.parse import urlencode, urlsplit

from flask import Blueprint, redirect, render_template, request, url_for

from ..errors import BadRequest, IndexMissing
from ..search.params import parse_search_params
from ..search.types import SearchRequest
from .context import checked_doc_id, get_service, get_names, get_settings

bp = Blueprint("views", __name__)

# Parameters the form sends; links rebuilt from the current page keep exactly these.
FORM_PARAMS = ("q", "sort", "from", "to", "source", "category", "per_page", "page", "autocorrect")
FILTER_PARAMS = ("from", "to", "source", "category")
PARAGRAPH_BREAK = re.compile(r"\n[ \t\r\f\v]*\n")
PAGE_WINDOW = 4  # page links shown on each side of the current page
FEED_ENTRIES = 20


def _form_values() -> dict[str, str]:
    """The submitted values, trimmed, empty ones dropped: what the form shows back."""
    values = {}
    for name in FORM_PARAMS:
        value = (request.args.get(name) or "").strip()
        if value:
            values[name] = value
    return values


def _defaults() -> dict[str, str]:
    """Values that mean the same as leaving the parameter out."""
    return {"sort": "relevance", "page": "1", "per_page": str(get_settings().per_page_default)}


def _clean(params: dict[str, Any]) -> dict[str, str]:
    """Only the parameters that change something, in the form's order: what shared URLs carry."""
    defaults = _defaults()
    out = {}
    for name in FORM_PARAMS:
        value = params.get(name)
        if value is None or str(value).strip() == "":
            continue
        value = str(value).strip()
        if defaults.get(name) == value:
            continue
        out[name] = value
    return out


def _url_with(form: dict[str, str], changes: dict[str, Any], endpoint: str = "views.search_page") -> str:
    """The URL of the current search with some parameters changed (None removes one)."""
    params = _clean({**form, **changes})
    base = url_for(endpoint)
    return base + "?" + urlencode(params) if params else base


def _needs_cleaning() -> bool:
    """The plain GET form submits every field, empty or default ones too."""
    defaults = _defaults()
    for name in FORM_PARAMS:
        for value in request.args.getlist(name):
            if value.strip() == "" or value != value.strip() or defaults.get(name) == value:
                return True
    return False


def _chips(form: dict[str, str], req: SearchRequest | None) -> list[dict[str, str]]:
    """The active filters, each with the link that removes it."""
    names = get_names()
    chips = []
    if "from" in form or "to" in form:
        start = req.date_from if req else None
        end = req.date_to if req else None
        if start and end and start.year == end.year and (start.month, start.day) == (1, 1) \
                and (end.month, end.day) == (12, 31):
            label = f"Năm {start.year}"
        else:
            label = " – ".join(
                [start.strftime("%d/%m/%Y") if start else "…", end.strftime("%d/%m/%Y") if end else "…"])
        chips.append({"label": "Ngày", "value": label,
                      "remove": _url_with(form, {"from": None, "to": None, "page": None})})
    for name, label in (("source", "Nguồn"), ("category", "Chuyên mục")):
        if name in form:
            chips.append({"label": label, "value": names.get(name, form[name]),
                          "remove": _url_with(form, {name: None, "page": None})})
    return chips


@bp.get("/")
def search_page():
    if _needs_cleaning():
        # Shared URLs carry only what matters: `/?q=x` rather than `/?q=x&from=&to=&sort=relevance`.
        return redirect(_url_with(_form_values(), {}), code=302)
    form = _form_values()
    context: dict[str, Any] = {
        "form": form,
        "result": None,
        "error": None,
        "chips": [],
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
        result = get_service().search(req)  # may refuse the query too ('!!!' has no words)
    except BadRequest as e:
        context["error"] = e
        # A rejected filter is shown where it can be corrected.
        context["filters_open"] = e.param in (*FILTER_PARAMS, "sort")
        return render_template("search.html", **context), 400
    last_page = min(result.pages, settings.max_page)
    first = (result.page - 1) * result.per_page + 1
    context.update(
        result=result,
        req=req,
        request_q=req.q,
        chips=_chips(form, req),
        filtered=any(k in form for k in FILTER_PARAMS),
        date_filtered=bool(req.date_from or req.date_to),
        # The date boxes show full dates, also when the URL said `from=2024`.
        date_values={"from": req.date_from.isoformat() if req.date_from else "",
                     "to": req.date_to.isoformat() if req.date_to else ""},
        first=first,
        last=first + len(result.hits) - 1,
        last_page=last_page,
        page_numbers=range(
            max(1, req.page - PAGE_WINDOW), min(last_page, req.page + PAGE_WINDOW) + 1
        ),
        doc_params={k: v for k, v in form.items()},
        json_url=_url_with(form, {}, "api.search"),
        csv_url=_url_with(form, {}, "api.search_csv"),
        feed_url=_url_with(form, {"page": None, "sort": None}, "views.feed"),
    )
    return render_template("search.html", **context)


def _document_count() -> int | None:
    try:
        service = get_service()
        return service.stats()["documents"] if service.ready() else None
    except IndexMissing:
        return None


@bp.get("/documents/<path:doc_id>")
def document_page(doc_id: str):
    service = get_service()
    doc = service.document(checked_doc_id(doc_id))
    q = (request.args.get("q") or "").strip()[: get_settings().max_query_chars]

    def as_html(text: str) -> str:
        # Escaped text, with <mark> around query words when there is a query.
        if q:
            try:
                return service.highlight(text, q)
            except BadRequest:  # e.g. q='*': show the text without highlights
                pass
        return html.escape(text, quote=False)

    paragraphs = [p.strip() for p in PARAGRAPH_BREAK.split(doc.body) if p.strip()]
    # The result page's parameters come along, so "back" returns to the same results.
    form = _form_values()
    return render_template(
        "document.html",
        doc=doc,
        q=q,
        title_html=as_html(doc.title),
        paragraphs=[as_html(p) for p in paragraphs],
        original_url=_safe_url(doc.url),
        back_url=_url_with(form, {}) if form else None,
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


@bp.get("/feed.atom")
def feed():
    """The page's search as an Atom feed, newest first (journalists follow a topic)."""
    form = _form_values()
    args = {**form, "sort": "date", "page": "1", "per_page": str(FEED_ENTRIES)}
    req = parse_search_params(args, get_settings())
    result = get_service().search(req)
    names = get_names()
    root = request.url_root.rstrip("/")
    page_url = root + _url_with(form, {"page": None, "sort": "date"})
    dated = [h.date for h in result.hits if h.date]
    updated = max(dated) if dated else None
    body = render_template(
        "feed.xml",
        result=result,
        names=names,
        root=root,
        page_url=page_url,
        self_url=root + _url_with(form, {"page": None, "sort": None}, "views.feed"),
        feed_id=root + _url_with(form, {"page": None, "sort": None}, "views.feed"),
        updated=_atom_time(updated) if updated else _atom_now(),
        atom_time=_atom_time,
        doc_url=lambda hit: root + url_for("views.document_page", doc_id=hit.id, q=req.q),
        plain=lambda marked: html.unescape(re.sub(r"</?mark>", "", marked)),
    )
    return body, 200, {"Content-Type": "application/atom+xml; charset=utf-8"}


def _atom_time(day: dt.date) -> str:
    return f"{day.isoformat()}T00:00:00+07:00"  # releases carry a day; Vietnam time


def _atom_now() -> str:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()


@bp.get("/opensearch.xml")
def opensearch():
    """Lets browsers offer this site as a search engine."""
    body = render_template("opensearch.xml", root=request.url_root.rstrip("/"))
    return body, 200, {"Content-Type": "application/opensearchdescription+xml; charset=utf-8"}
