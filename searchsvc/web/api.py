"""JSON endpoints.  Each one parses, calls the engine once and returns its `to_json()`."""

from __future__ import annotations

from flask import Blueprint, jsonify, request

from ..errors import IndexMissing
from ..search.params import parse_search_params
from .app import MESSAGES, checked_doc_id, get_engine, get_settings
from .openapi import build_openapi

bp = Blueprint("api", __name__)


@bp.get("/api/search")
def search():
    req = parse_search_params(request.args, get_settings())
    return jsonify(get_engine().search(req).to_json())


@bp.get("/api/documents/<path:doc_id>")
def document(doc_id: str):
    return jsonify(get_engine().document(checked_doc_id(doc_id)).to_json())


@bp.get("/healthz")
def healthz():
    engine = get_engine()
    if not engine.ready():
        raise IndexMissing(MESSAGES[503])
    stats = engine.stats()
    return jsonify(
        {"status": "ok", "documents": stats["documents"], "generation": stats["generation"]}
    )


@bp.get("/api/status")
def status():
    """Index health for operators: works (200) even before the first index exists."""
    from ..status import collect_status

    return jsonify(collect_status(get_settings()))


@bp.get("/api/openapi.json")
def openapi():
    return jsonify(build_openapi(get_settings()))
