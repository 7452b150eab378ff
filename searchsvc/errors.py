"""Exceptions that carry their HTTP status; only the web/CLI edges translate them."""

from __future__ import annotations


class SearchServiceError(Exception):
    status = 500
    code = "internal_error"

    def __init__(self, message: str, *, param: str | None = None):
        super().__init__(message)
        self.message = message
        self.param = param


class BadRequest(SearchServiceError):
    """The caller sent something we cannot answer (empty query, bad parameter)."""

    status = 400
    code = "bad_request"


class NotFound(SearchServiceError):
    status = 404
    code = "not_found"


class IndexMissing(SearchServiceError):
    """No index has been built yet: the service cannot answer searches."""

    status = 503
    code = "index_unavailable"


class EngineUnavailable(SearchServiceError):
    """The engine holding the index (an OpenSearch cluster) does not answer right now."""

    status = 503
    code = "index_unavailable"


class IndexBusy(SearchServiceError):
    """Another process holds the writer lock."""

    status = 409
    code = "index_busy"
