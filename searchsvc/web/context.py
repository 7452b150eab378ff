"""What a request needs from the app: settings, the lazily opened search service, display names,
the completer, and the document-id fence.

Like the Flask tutorial's `db.py`: `init_app` stores the objects on the app once, and
the `get_*` helpers fetch them for the current request, so the blueprints depend on
this module and never on the factory.
"""

from __future__ import annotations

import threading

from flask import Flask, current_app

from ..errors import NotFound
from ..names import DisplayNames, load_names
from ..open import open_service
from ..search.complete import CompleterCache
from ..search.service import SearchService
from ..settings import Settings
from .errors import DOCUMENT_NOT_FOUND


class ServiceHolder:
    """Opens the `SearchService` on first use, so importing or creating the app touches no files."""

    def __init__(self, settings: Settings, service: SearchService | None = None):
        self.settings = settings
        self._service = service
        self._lock = threading.Lock()

    @property
    def opened(self) -> bool:
        """Whether a service is open (given, or opened by a request)."""
        return self._service is not None

    def get(self) -> SearchService:
        if self._service is None:
            with self._lock:  # waitress serves requests from several threads
                if self._service is None:
                    self._service = open_service(self.settings)
        return self._service

    def close(self) -> None:
        with self._lock:
            if self._service is not None:
                self._service.close()
                self._service = None


def init_app(app: Flask, settings: Settings, service: SearchService | None = None) -> None:
    """Store the request context's objects on `app`.  `service` is for tests."""
    app.extensions["searchsvc"] = ServiceHolder(settings, service)
    # Read now: a broken display-name file stops the server at start, not on a request.
    app.extensions["searchsvc.names"] = load_names(settings.display_names)
    app.extensions["searchsvc.completer"] = CompleterCache()


def get_service() -> SearchService:
    return current_app.extensions["searchsvc"].get()


def get_settings() -> Settings:
    return current_app.extensions["searchsvc"].settings


def get_names() -> DisplayNames:
    return current_app.extensions["searchsvc.names"]


def get_completer_cache() -> CompleterCache:
    return current_app.extensions["searchsvc.completer"]


def checked_doc_id(doc_id: str) -> str:
    """Document ids are relative '/'-separated paths; anything path-like beyond that is unknown.

    The service looks ids up in the index, never on disk; this is a second fence.
    """
    parts = doc_id.split("/")
    if "\\" in doc_id or "\x00" in doc_id or any(p in ("", ".", "..") for p in parts):
        raise NotFound(DOCUMENT_NOT_FOUND)
    return doc_id
