"""JSON endpoints.  Each one parses, calls the search service once and returns its `to_json()`."""

from __future__ import annotations

import csv
import html
import io
import re

from flask import Blueprint, Response, jsonify, request

from ..errors import IndexMissing
from ..search.params import parse_search_params
from .context import checked_doc_id, get_completer_cache, get_service, get_names, get_settings
from .errors import MESSAGES
from .openapi import build_openapi

bp = Blueprint("api", __name__)


@bp.get("/api/search")
def search():
    req = parse_search_params(request.args, get_settings())
    return jsonify(get_service().search(req).to_json())


CSV_COLUMNS = ("rank", "id", "title", "date", "source", "source_name", "category", "category_name",
               "url", "score", "snippet")
_MARK = re.compile(r"</?mark>")


@bp.get("/api/search.csv")
def search_csv():
    """The same page of results as /api/search, as CSV (UTF-8 with a BOM, so that
    spreadsheet programs read the Vietnamese letters right)."""
    req = parse_search_params(request.args, get_settings())
    result = get_service().search(req)
    names = get_names()
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for rank, hit in enumerate(result.hits, start=(req.page - 1) * req.per_page + 1):
        writer.writerow([
            rank, hit.id, hit.title, hit.date.isoformat() if hit.date else "",
            hit.source or "", names.source(hit.source), hit.category or "",
            names.category(hit.category), hit.url or "", f"{hit.score:.4f}",
            html.unescape(_MARK.sub("", hit.snippet)),
        ])
    return Response(out.getvalue(), content_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": 'attachment; filename="searchsvc-results.csv"'})


SUGGEST_MAX_CHARS = 200


@bp.get("/api/suggest")
def suggest():
    """Completions of the query being typed (see search/complete.py).  With
    `format=opensearch`, the OpenSearch suggestions shape browsers ask for."""
    q = (request.args.get("q") or "")[:SUGGEST_MAX_CHARS]
    completer = get_completer_cache().get(get_service().backend) if q.strip() else None
    found = completer.complete(q) if completer is not None else []
    if request.args.get("format") == "opensearch":
        response = jsonify([q, [c.text for c in found]])
        response.mimetype = "application/x-suggestions+json"
    else:
        response = jsonify({"query": q, "suggestions": [c.to_json() for c in found]})
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@bp.get("/api/documents/<path:doc_id>")
def document(doc_id: str):
    return jsonify(get_service().document(checked_doc_id(doc_id)).to_json())


@bp.get("/healthz")
def healthz():
    service = get_service()
    if not service.ready():
        raise IndexMissing(MESSAGES[503])
    stats = service.stats()
    return jsonify(
        {"status": "ok", "documents": stats["documents"], "generation": stats["generation"]}
    )


@bp.get("/api/status")
def status():
    """Index health for operators: works (200) even before the first index exists."""
    # Not a cycle: status reads the fetcher's record, which loads httpx and feedparser
    # (0.15 s); only this endpoint needs them, so app start and the search path do not.
    from ..indexing.status import collect_status

    return jsonify(collect_status(get_settings(), get_service().backend))


@bp.get("/api/openapi.json")
def openapi():
    return jsonify(build_openapi(get_settings()))
