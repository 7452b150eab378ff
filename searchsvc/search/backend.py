"""What the search service needs from an engine.

A backend answers retrievals over the neutral plan (plan.py); the service does
the rest (validation, caching, hits and snippets, did-you-mean).  The Whoosh
backend (searchsvc/whoosh/) is one; a cluster backend is another.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Hashable, Iterator, Protocol

from .plan import Node
from .ranking import Ranking
from .suggest import Vocabulary
from .types import FacetValue, SearchRequest, StoredDocument

# The facets every retrieval counts, in this order.
FACETS = ("year", "source", "category")
FACET_LIMIT = 20


@dataclass(frozen=True)
class Retrieve:
    """One retrieval: the documents matching `plan` (None: every document) among those
    passing the request's filters, ranked by `sort`, the first `limit` of them.

    With `loose` (the accent-blind reading of the plan), when fewer than
    `approximate_below` documents match `plan`, the documents matching only `loose`
    follow them in the ranking and are counted apart."""

    plan: Node | None
    filters: SearchRequest
    sort: str = "relevance"
    limit: int = 10
    offset: int = 0
    loose: Node | None = None
    approximate_below: int = 0
    facets: bool = False
    deadline: float | None = None


@dataclass
class Found:
    """One ranked document: what is stored for it, its score, and whether it matched
    only the accent-blind reading."""

    document: StoredDocument
    score: float
    approximate: bool = False


@dataclass
class Retrieved:
    total: int  # documents matching the plan and the filters
    found: list[Found]  # ranks offset .. limit (strict matches, then approximate ones)
    total_approximate: int = 0
    # Counts per facet value; a facet ignores its own filter.  Empty unless asked for
    # and the deadline was met.
    facets: dict[str, list[FacetValue]] = field(default_factory=dict)
    undated: int | None = None  # matches without a date, under every filter but the date one
    timed_out: bool = False  # the deadline cut the evaluation short: partial results


class IndexView(Protocol):
    """One consistent version of the index, for the length of one request."""

    version: Hashable  # equal views answer alike (keys the result cache)
    doc_count: int

    def retrieve(self, request: Retrieve) -> Retrieved: ...

    def vocabulary(self) -> Vocabulary: ...

    def document(self, doc_id: str) -> StoredDocument | None: ...

    def texts(self, with_bodies: bool = True) -> Iterator[tuple[str, str]]:
        """(title, body) of every live document (completions are built from them); without
        bodies, the body is "" (a large index completes from its titles only, and a cluster
        then sends titles alone)."""
        ...


class SearchBackend(Protocol):
    ranking: Ranking

    def view(self) -> IndexView:
        """The current version of the index; raises IndexMissing when none has been built."""
        ...

    def stats(self) -> dict: ...

    def close(self) -> None: ...
