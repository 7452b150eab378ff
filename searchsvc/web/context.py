"""What a request needs from the app: settings, the lazily opened engine, display names,
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
from ..search import SearchEngine
from ..search.complete import CompleterCache
from ..settings import Settings
from .errors import DOCUMENT_NOT_FOUND


class EngineHolder:
    """Opens the `SearchEngine` on first use, so importing or creating the app touches no files."""

    def __init__(self, settings: Settings, engine: SearchEngine | None = None):
        self.settings = settings
        self._engine = engine
        self._lock = threading.Lock()

    @property
    def opened(self) -> bool:
        """Whether an engine is open (given, or opened by a request)."""
        return self._engine is not None

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


def init_app(app: Flask, settings: Settings, engine: SearchEngine | None = None) -> None:
    """Store the request context's objects on `app`.  `engine` is for tests."""
    app.extensions["searchsvc"] = EngineHolder(settings, engine)
    # Read now: a broken display-name file stops the server at start, not on a request.
    app.extensions["searchsvc.names"] = load_names(settings.display_names)
    app.extensions["searchsvc.completer"] = CompleterCache()


def get_engine() -> SearchEngine:
    return current_app.extensions["searchsvc"].get()


def get_settings() -> Settings:
    return current_app.extensions["searchsvc"].settings


def get_names() -> DisplayNames:
    return current_app.extensions["searchsvc.names"]


def get_completer_cache() -> CompleterCache:
    return current_app.extensions["searchsvc.completer"]


def checked_doc_id(doc_id: str) -> str:
    """Document ids are relative '/'-separated paths; anything path-like beyond that is unknown.

    The engine looks ids up in the index, never on disk; this is a second fence.
    """
    parts = doc_id.split("/")
    if "\\" in doc_id or "\x00" in doc_id or any(p in ("", ".", "..") for p in parts):
        raise NotFound(DOCUMENT_NOT_FOUND)
    return doc_id
