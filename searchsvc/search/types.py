"""The one request type and one result type shared by the web page, the API and the CLI."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any

SORTS = ("relevance", "date")


@dataclass(frozen=True)
class SearchRequest:
    q: str
    page: int = 1
    per_page: int = 10
    sort: str = "relevance"  # 'relevance' | 'date' (newest first)
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    source: str | None = None
    category: str | None = None
    facets: bool = True
    suggest: bool = True
    # When the query has no strict results but a suggestion does, show the
    # suggestion's results (False: search exactly what was typed).
    autocorrect: bool = True

    @property
    def browse(self) -> bool:
        """An empty query or a bare `*`: every document, newest first."""
        return is_browse(self.q)


def is_browse(q: str | None) -> bool:
    """
    >>> is_browse(""), is_browse(" * "), is_browse("**"), is_browse("*bão*")
    (True, True, True, False)
    """
    return not (q or "").replace("*", "").strip()


@dataclass
class Hit:
    id: str  # path relative to the corpus folder, '/'-separated
    title: str  # plain text (escape when rendering)
    title_html: str  # HTML-escaped title with <mark> around matched words
    snippet: str  # HTML-escaped fragments with <mark> around matched words, joined by ' … '
    score: float
    date: dt.date | None = None
    source: str | None = None
    category: str | None = None
    url: str | None = None
    # Matches only when accents are ignored (see SearchResult.total_approximate).
    approximate: bool = False

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["date"] = self.date.isoformat() if self.date else None
        data["score"] = round(self.score, 4)
        return data


@dataclass
class FacetValue:
    value: str
    count: int


@dataclass
class SearchResult:
    query: str  # the query as understood (normalised, trimmed)
    total: int  # documents matching as typed (strict): accents where typed, filters applied
    page: int
    per_page: int
    hits: list[Hit]
    sort: str = "relevance"
    facets: dict[str, list[FacetValue]] = field(default_factory=dict)  # 'year', 'source', 'category'
    # Matches without a date (every filter applied but the date range): the year facet's
    # "unknown date" bucket; with a date filter, the documents it left out. None without facets.
    undated: int | None = None
    suggestion: str | None = None  # accents restored / corrected query, None when no better form
    took_ms: float = 0.0
    timed_out: bool = False  # the time limit cut the search short; results are partial
    # Documents that match only when accents are ignored, listed after every strict
    # hit when the strict ones are few; never counted in `total`.
    total_approximate: int = 0
    # The query whose results these are, when the typed one had no strict results
    # and its suggestion had some; None when the typed query was searched.
    corrected_query: str | None = None
    browse: bool = False  # empty query or `*`: every document, newest first

    @property
    def searched(self) -> str:
        """The query whose results are shown."""
        return self.corrected_query or self.query

    @property
    def listed(self) -> int:
        """Results that can be paged through: strict ones, then approximate ones."""
        return self.total + self.total_approximate

    @property
    def pages(self) -> int:
        return max(1, -(-self.listed // self.per_page))

    def to_json(self) -> dict[str, Any]:
        return {
            "query": self.query,
            "total": self.total,
            "page": self.page,
            "per_page": self.per_page,
            "pages": self.pages,
            "sort": self.sort,
            "hits": [h.to_json() for h in self.hits],
            "facets": {k: [asdict(v) for v in vs] for k, vs in self.facets.items()},
            "suggestion": self.suggestion,
            "took_ms": round(self.took_ms, 1),
            "timed_out": self.timed_out,
            "total_approximate": self.total_approximate,
            "corrected_query": self.corrected_query,
            "searched_query": self.searched,
            "browse": self.browse,
            "undated": self.undated,
        }


@dataclass
class StoredDocument:
    id: str
    title: str
    body: str
    date: dt.date | None
    source: str | None
    category: str | None
    url: str | None
    size: int | None = None

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["date"] = self.date.isoformat() if self.date else None
        return data
