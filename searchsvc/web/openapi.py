"""OpenAPI 3.1 description of the JSON endpoints, served at /api/openapi.json.

Limits come from the running settings, so the document states the limits that
this server enforces.  tests/test_web_openapi.py checks that every path and
parameter listed here exists and that real responses validate against the
schemas.
"""

from __future__ import annotations

from typing import Any

from .. import __version__
from ..search.params import MAX_FILTER_CHARS
from ..search.types import SORTS
from ..settings import Settings

JSON = "application/json"
DATE_PATTERN = r"^[0-9]{4}(-[0-9]{1,2}(-[0-9]{1,2})?)?$"


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {JSON: {"schema": schema}}}


def _error(description: str) -> dict[str, Any]:
    return {"$ref": f"#/components/responses/{description}"}


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, {"type": "null"}]}


def _query(name: str, schema: dict[str, Any], description: str, required: bool = False):
    return {
        "name": name,
        "in": "query",
        "required": required,
        "description": description,
        "schema": schema,
    }


def build_openapi(settings: Settings) -> dict[str, Any]:
    date_string = {"type": "string", "pattern": DATE_PATTERN}
    search_parameters = [
        _query(
            "q",
            {"type": "string"},
            "Search words, with or without Vietnamese accents; quotes for a phrase. "
            "A syllable typed with accents matches only that syllable (any tone-mark placement: "
            "`hòa` = `hoà`), or its bare form in documents written without diacritics; "
            "a syllable typed without accents matches every accented form. "
            f"Trimmed; cut to {settings.max_query_chars} characters, then to its first "
            f"{settings.max_query_terms} syllables. Absent, empty or a bare `*`: browse "
            "(every document, newest first, with filters and facets).",
        ),
        _query(
            "autocorrect",
            {"type": "string", "enum": ["0", "1", "false", "true"], "default": "1"},
            "When the query has no results as typed but its suggestion has, the suggestion's "
            "results are returned (`corrected_query` says so). `0`: search exactly what was typed.",
        ),
        _query(
            "page",
            {"type": "integer", "minimum": 1, "maximum": settings.max_page, "default": 1},
            "1-based result page.",
        ),
        _query(
            "per_page",
            {
                "type": "integer",
                "minimum": 1,
                "maximum": settings.per_page_max,
                "default": settings.per_page_default,
            },
            "Hits per page.",
        ),
        _query(
            "sort",
            {"type": "string", "enum": list(SORTS), "default": "relevance"},
            "`relevance` (best match first) or `date` (newest first).",
        ),
        _query(
            "from",
            date_string,
            "Earliest publication date, `YYYY-MM-DD`; `YYYY` or `YYYY-MM` mean the first day "
            "of that year or month. Must not be after `to`.",
        ),
        _query(
            "to",
            date_string,
            "Latest publication date, `YYYY-MM-DD`; `YYYY` or `YYYY-MM` mean the last day "
            "of that year or month.",
        ),
        _query(
            "source",
            {"type": "string", "maxLength": MAX_FILTER_CHARS},
            "Only documents from this source (a value of the `source` facet).",
        ),
        _query(
            "category",
            {"type": "string", "maxLength": MAX_FILTER_CHARS},
            "Only documents in this category (a value of the `category` facet).",
        ),
    ]
    schemas: dict[str, Any] = {
        "Error": {
            "type": "object",
            "required": ["error"],
            "additionalProperties": False,
            "properties": {
                "error": {
                    "type": "object",
                    "required": ["status", "code", "message", "param"],
                    "additionalProperties": False,
                    "properties": {
                        "status": {"type": "integer", "minimum": 400, "maximum": 599},
                        "code": {
                            "type": "string",
                            "description": "bad_request, not_found, method_not_allowed, "
                            "index_unavailable, internal_error, ...",
                        },
                        "message": {"type": "string"},
                        "param": {
                            **_nullable({"type": "string"}),
                            "description": "The query parameter that was rejected, if any.",
                        },
                    },
                }
            },
        },
        "Hit": {
            "type": "object",
            "required": ["id", "title", "title_html", "snippet", "score", "date", "source",
                         "category", "url", "approximate"],
            "additionalProperties": False,
            "properties": {
                "id": {
                    "type": "string",
                    "description": "Path of the document relative to the corpus folder, "
                    "`/`-separated.",
                },
                "title": {"type": "string", "description": "Plain text; escape it to display."},
                "title_html": {
                    "type": "string",
                    "description": "HTML-escaped title with `<mark>` around matched words.",
                },
                "snippet": {
                    "type": "string",
                    "description": "HTML-escaped fragments with `<mark>` around matched words.",
                },
                "score": {"type": "number"},
                "date": _nullable({"type": "string", "format": "date"}),
                "source": _nullable({"type": "string"}),
                "category": _nullable({"type": "string"}),
                "url": _nullable({"type": "string"}),
                "approximate": {
                    "type": "boolean",
                    "description": "Matches only when accents are ignored (an accent look-alike of "
                                   "what was typed). Approximate hits follow every strict hit and are "
                                   "counted in `total_approximate`, never in `total`.",
                },
            },
        },
        "FacetValue": {
            "type": "object",
            "required": ["value", "count"],
            "additionalProperties": False,
            "properties": {
                "value": {"type": "string"},
                "count": {"type": "integer", "minimum": 0},
            },
        },
        "SearchResult": {
            "type": "object",
            "required": ["query", "total", "page", "per_page", "pages", "sort", "hits",
                         "facets", "suggestion", "took_ms", "timed_out", "total_approximate",
                         "corrected_query", "searched_query", "browse", "undated"],
            "additionalProperties": False,
            "properties": {
                "query": {"type": "string", "description": "The query as understood (as typed, normalised)."},
                "total": {
                    "type": "integer", "minimum": 0,
                    "description": "Documents matching the query as typed (accents where typed) and the "
                                   "filters. Facets count the same documents.",
                },
                "total_approximate": {
                    "type": "integer", "minimum": 0,
                    "description": "Documents that match only when accents are ignored, listed after "
                                   "all strict hits (`approximate: true`). Given only when the strict "
                                   "hits are few; 0 otherwise and for queries typed without accents.",
                },
                "corrected_query": {
                    **_nullable({"type": "string"}),
                    "description": "Set when the query had no results as typed and these are the "
                                   "results of its suggestion instead (search again with "
                                   "`autocorrect=0` for exactly what was typed).",
                },
                "searched_query": {
                    "type": "string",
                    "description": "The query whose results these are: `corrected_query` if set, "
                                   "else `query`.",
                },
                "browse": {
                    "type": "boolean",
                    "description": "Empty query or `*`: every document, newest first.",
                },
                "page": {"type": "integer", "minimum": 1},
                "per_page": {"type": "integer", "minimum": 1},
                "pages": {"type": "integer", "minimum": 1,
                          "description": "Pages of strict and approximate hits together."},
                "sort": {"type": "string", "enum": list(SORTS)},
                "hits": {"type": "array", "items": _ref("Hit")},
                "facets": {
                    "type": "object",
                    "description": "Counts over all matches, most frequent first.",
                    "properties": {
                        key: {"type": "array", "items": _ref("FacetValue")}
                        for key in ("year", "source", "category")
                    },
                    "additionalProperties": {"type": "array", "items": _ref("FacetValue")},
                },
                "suggestion": {
                    **_nullable({"type": "string"}),
                    "description": "A better spelling of the query (accents restored from how the "
                                   "corpus writes the words in a row, a misspelt syllable fixed, "
                                   "capitals as the corpus writes them); only one that has results.",
                },
                "took_ms": {"type": "number", "minimum": 0},
                "undated": {
                    **_nullable({"type": "integer", "minimum": 0}),
                    "description": "Matching documents that have no date, counted under every "
                                   "filter except the date range: the year facet's \"unknown "
                                   "date\" bucket, and, when `from`/`to` is given, how many "
                                   "matches that filter left out. `null` when facets are left out.",
                },
                "timed_out": {
                    "type": "boolean",
                    "description": "The time limit cut the search short: hits may be partial, "
                                   "`total` is then a lower bound, facets and suggestion are left out.",
                },
            },
        },
        "Suggestions": {
            "type": "object",
            "required": ["query", "suggestions"],
            "additionalProperties": False,
            "properties": {
                "query": {"type": "string", "description": "The prefix as received."},
                "suggestions": {
                    "type": "array",
                    "maxItems": 8,
                    "items": {
                        "type": "object",
                        "required": ["text", "html"],
                        "additionalProperties": False,
                        "properties": {
                            "text": {"type": "string",
                                     "description": "The completed query, accents restored."},
                            "html": {"type": "string",
                                     "description": "`text` HTML-escaped, with `<mark>` around the "
                                                    "part that was typed."},
                        },
                    },
                },
            },
        },
        "Document": {
            "type": "object",
            "required": ["id", "title", "body", "date", "source", "category", "url", "size"],
            "additionalProperties": False,
            "properties": {
                "id": {"type": "string"},
                "title": {"type": "string"},
                "body": {
                    "type": "string",
                    "description": "Plain text; paragraphs are separated by a blank line.",
                },
                "date": _nullable({"type": "string", "format": "date"}),
                "source": _nullable({"type": "string"}),
                "category": _nullable({"type": "string"}),
                "url": _nullable({"type": "string"}),
                "size": _nullable({"type": "integer", "minimum": 0}),
            },
        },
        "Health": {
            "type": "object",
            "required": ["status", "documents", "generation"],
            "additionalProperties": False,
            "properties": {
                "status": {"const": "ok"},
                "documents": {"type": "integer", "minimum": 0},
                "generation": {
                    **_nullable({"type": "string"}),
                    "description": "Name of the index generation being served.",
                },
            },
        },
        "Status": {
            "type": "object",
            "required": ["ready", "documents", "generation", "index_bytes", "last_success",
                         "last_failure", "schedule"],
            "properties": {
                "index_dir": {"type": "string"},
                "corpus_dir": {"type": "string"},
                "ready": {"type": "boolean", "description": "An index has been published."},
                "documents": _nullable({"type": "integer", "minimum": 0}),
                "generation": _nullable({"type": "string"}),
                "index_bytes": {"type": "integer", "minimum": 0},
                "last_success": {
                    **_nullable({"type": "object"}),
                    "description": "`time` (ISO 8601) and `summary` (added, updated, deleted, "
                    "unchanged, skipped, seconds, documents, ...) of the last successful run.",
                },
                "last_failure": {
                    **_nullable({"type": "object"}),
                    "description": "`time` and `error` of the last failed run, if any ever failed.",
                },
                "schedule": {
                    **_nullable({"type": "object"}),
                    "description": "The running reindex schedule (`every`, `next_run`, `pid`), if any.",
                },
                "schedule_configured": _nullable({"type": "string"}),
                "last_fetch": {
                    **_nullable({"type": "object"}),
                    "description": "`time` and `summary` (new, updated, not_modified, gone, failed, robots, "
                    "broken, failures, ...) of the last `searchsvc fetch` run into this corpus, if any.",
                },
                "sources_configured": _nullable({"type": "string"}),
                "cluster": {
                    **_nullable({"type": "object"}),
                    "description": "With the OpenSearch backend, the cluster's view: `name`, `health` "
                    "(green/yellow/red), `nodes`, `alias`, `index` (the concrete index served), "
                    "`primary_bytes`; null for the embedded index.",
                },
            },
        },
    }
    responses = {
        "BadRequest": _json(_ref("Error"), "A parameter is missing or invalid (`param` names it)."),
        "NotFound": _json(_ref("Error"), "No such document or path."),
        "MethodNotAllowed": {
            **_json(_ref("Error"), "Only GET (and HEAD) are allowed."),
            "headers": {"Allow": {"schema": {"type": "string"}}},
        },
        "Unavailable": _json(_ref("Error"), "No index has been built yet."),
        "InternalError": _json(_ref("Error"), "Unexpected server error (logged)."),
    }
    common = {"405": _error("MethodNotAllowed"), "500": _error("InternalError")}
    paths = {
        "/api/search": {
            "get": {
                "operationId": "search",
                "summary": "Full-text search over the press releases.",
                "parameters": search_parameters,
                "responses": {
                    "200": _json(_ref("SearchResult"), "One page of hits, with facets."),
                    "400": _error("BadRequest"),
                    "503": _error("Unavailable"),
                    **common,
                },
            }
        },
        "/api/search.csv": {
            "get": {
                "operationId": "searchCsv",
                "summary": "The same page of results as `/api/search`, as CSV.",
                "description": "Takes exactly the parameters of `/api/search` (and answers its "
                "JSON errors). UTF-8 with a byte-order mark (so spreadsheet programs read the "
                "Vietnamese letters), CRLF line ends, a header row: `rank`, `id`, `title`, `date` "
                "(YYYY-MM-DD or empty), `source`, `source_name`, `category`, `category_name` "
                "(display names), `url`, `score`, `snippet` (plain text).",
                "parameters": search_parameters,
                "responses": {
                    "200": {"description": "One page of hits.",
                            "content": {"text/csv": {"schema": {"type": "string"}}}},
                    "400": _error("BadRequest"),
                    "503": _error("Unavailable"),
                    **common,
                },
            }
        },
        "/api/suggest": {
            "get": {
                "operationId": "suggest",
                "summary": "Completions of a query being typed (at most 8), from the corpus's "
                "frequent phrases, accents restored (`bien d` -> `biến đổi khí hậu`).",
                "description": "A word typed with accents only completes to that word; one typed "
                "without matches every accented form. A trailing space means the last word is "
                "complete. An empty `q` gives an empty list. With `format=opensearch` the answer "
                "is the OpenSearch suggestions array `[query, [text, ...]]` "
                "(`application/x-suggestions+json`) that browsers ask for.",
                "parameters": [
                    _query("q", {"type": "string", "maxLength": 2000},
                           "What has been typed so far (only the first 200 characters count)."),
                    _query("format", {"type": "string", "enum": ["json", "opensearch"]},
                           "`opensearch` for the browsers' suggestions format."),
                ],
                "responses": {
                    "200": {
                        "description": "Completions, best first.",
                        "content": {
                            JSON: {"schema": _ref("Suggestions")},
                            "application/x-suggestions+json": {"schema": {"type": "array"}},
                        },
                    },
                    "503": _error("Unavailable"),
                    **common,
                },
            }
        },
        "/api/documents/{doc_id}": {
            "get": {
                "operationId": "getDocument",
                "summary": "One stored document, by the `id` of a hit.",
                "parameters": [
                    {
                        "name": "doc_id",
                        "in": "path",
                        "required": True,
                        "description": "The hit's `id`; may contain `/` (send it unescaped) "
                        "and Vietnamese letters (percent-encoded UTF-8).",
                        "schema": {"type": "string"},
                    }
                ],
                "responses": {
                    "200": _json(_ref("Document"), "The document."),
                    "404": _error("NotFound"),
                    "503": _error("Unavailable"),
                    **common,
                },
            }
        },
        "/healthz": {
            "get": {
                "operationId": "health",
                "summary": "200 once the service can answer searches.",
                "responses": {
                    "200": _json(_ref("Health"), "Ready: an index is open."),
                    "503": _error("Unavailable"),
                    **common,
                },
            }
        },
        "/api/status": {
            "get": {
                "operationId": "status",
                "summary": "Document count, index size, last successful run, last failure, schedule.",
                "responses": {
                    "200": _json(_ref("Status"), "Index status (also before the first index exists)."),
                    **common,
                },
            }
        },
        "/api/openapi.json": {
            "get": {
                "operationId": "openapi",
                "summary": "This document.",
                "responses": {
                    "200": _json({"type": "object"}, "OpenAPI 3.1 description."),
                    **common,
                },
            }
        },
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "searchsvc",
            "version": __version__,
            "description": "Full-text search for Vietnamese press releases. Error bodies "
            "always have the `Error` shape. Unknown query parameters are ignored; an empty "
            "parameter counts as absent.",
        },
        "paths": paths,
        "components": {"schemas": schemas, "responses": responses},
    }
