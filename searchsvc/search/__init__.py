"""Searching: query parsing, query planning, snippets, suggestions, the engine."""

from .engine import SearchEngine
from .types import FacetValue, Hit, SearchRequest, SearchResult, StoredDocument

__all__ = ["SearchEngine", "SearchRequest", "SearchResult", "Hit", "FacetValue", "StoredDocument"]
