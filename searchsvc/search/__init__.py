"""What a search means, whatever engine answers it: request and result types, the
query parser, ranking parameters, the neutral plan, snippets, spelling and accent
restoration, and the service that runs them over a backend."""

from .types import FacetValue, Hit, SearchRequest, SearchResult, StoredDocument

__all__ = ["SearchRequest", "SearchResult", "Hit", "FacetValue", "StoredDocument"]
