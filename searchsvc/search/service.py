"""The search function: one service object per process, shared by web, API and CLI.

The service decides what a request means and shapes the answer; the backend
(backend.py) finds and ranks the documents.  Between them: validation, a result
cache, a bound on concurrent searches, hits with highlighted snippets, and
did-you-mean.
"""

from __future__ import annotations

import os
import threading
import time
from collections import OrderedDict
from dataclasses import replace

from ..errors import BadRequest, IndexMissing, NotFound
from .backend import IndexView, Retrieve, SearchBackend
from .plan import build_plan
from .query import HighlightTerms, ParsedQuery, parse_query
from .snippets import highlight_all, make_snippet
from .suggest import found_in, suggest, written_as_in
from .types import SORTS, Hit, SearchRequest, SearchResult, StoredDocument

# Best matches of a suggestion whose texts give it its capitals.
SUGGESTION_SOURCES = 5


class SearchService:
    def __init__(
        self,
        backend: SearchBackend,
        *,
        time_limit: float = 5.0,
        max_query_chars: int = 500,
        max_query_terms: int = 32,
        result_cache: int = 256,
        concurrency: int = 0,
        approximate_below: int = 10,
    ) -> None:
        self.backend = backend
        # The plan's weights and the backend's scoring come from one Ranking.
        self.ranking = backend.ranking
        self.time_limit = time_limit
        self.max_query_chars = max_query_chars
        self.max_query_terms = max_query_terms
        # Fewer strict hits than this and accent-blind matches follow them.
        self.approximate_below = approximate_below
        # Finished results of recent requests, keyed by request and index version:
        # a repeated query (a popular search, the next visitor of a result page)
        # costs a dict lookup.  A commit or a new generation changes the key.
        self._cache_size = max(0, result_cache)
        self._cache: OrderedDict[tuple, SearchResult] = OrderedDict()
        self._cache_lock = threading.Lock()
        # Searches are CPU work under one GIL: with eight server threads searching
        # at once, each one waits for the others at every NumPy call (over HTTP at
        # 5k articles, 8 clients got 19 requests/s where 1 client got 29).  Only
        # `concurrency` searches run at a time; the rest queue for a slot.
        self._slots = threading.BoundedSemaphore(concurrency if concurrency > 0 else (os.cpu_count() or 1))

    def ready(self) -> bool:
        try:
            self.backend.view()
            return True
        except IndexMissing:
            return False

    def stats(self) -> dict:
        return self.backend.stats()

    def close(self) -> None:
        self.backend.close()

    # -- searching -----------------------------------------------------------

    def search(self, req: SearchRequest) -> SearchResult:
        """One page of results, from the result cache when the same request was answered
        on the same index version."""
        if not self._cache_size:
            return self.search_uncached(req)
        started = time.perf_counter()
        key = (req, self.backend.view().version)
        with self._cache_lock:
            hit = self._cache.get(key)
            if hit is not None:
                self._cache.move_to_end(key)
        if hit is not None:
            return replace(hit, took_ms=(time.perf_counter() - started) * 1000)
        result = self.search_uncached(req)
        if not result.timed_out:  # partial results are not worth keeping
            with self._cache_lock:
                self._cache[key] = result
                while len(self._cache) > self._cache_size:
                    self._cache.popitem(last=False)
        return result

    def search_uncached(self, req: SearchRequest) -> SearchResult:
        queued = time.perf_counter()
        with self._slots:
            result = self._search(req, self.backend.view())
        return replace(result, took_ms=(time.perf_counter() - queued) * 1000)

    def _search(self, req: SearchRequest, view: IndexView) -> SearchResult:
        started = time.perf_counter()  # the time limit counts from here, not from the queue
        if req.page < 1 or req.per_page < 1:
            raise BadRequest("page and per_page must be positive", param="page" if req.page < 1 else "per_page")
        if req.sort not in SORTS:
            raise BadRequest(f"unknown sort {req.sort!r}", param="sort")
        parsed = None if req.browse else self.parse(req.q)
        sort = "date" if parsed is None else req.sort  # browse: everything, newest first
        deadline = started + self.time_limit

        def retrieve(parsed: ParsedQuery | None) -> Retrieve:
            loose = None
            if parsed is not None and parsed.accented:
                # Few matches as typed: those matching only without accents follow.
                loose = build_plan(parsed, self.ranking, strict=False)
            return Retrieve(
                plan=None if parsed is None else build_plan(parsed, self.ranking), filters=req, sort=sort,
                offset=(req.page - 1) * req.per_page, limit=req.page * req.per_page, loose=loose,
                approximate_below=self.approximate_below, facets=req.facets, deadline=deadline)

        found = view.retrieve(retrieve(parsed))
        if parsed is not None and parsed.unbalanced and not found.total:
            # `"biến đổi khí hậu Cao Bằng`: the phrase to the end found nothing; plain words may.
            parsed = parsed.without_quotes(self.max_query_chars, self.max_query_terms)
            found = view.retrieve(retrieve(parsed))
        terms = parsed.highlight_terms() if parsed is not None else HighlightTerms()
        blind = parsed.highlight_terms(strict=False) if found.total_approximate else terms
        hits = [self._hit(f.document, f.score, blind if f.approximate else terms, f.approximate)
                for f in found.found]

        suggestion = None
        if parsed is not None and req.suggest and req.page == 1 and not found.timed_out:
            suggestion = suggest(parsed, view.vocabulary(), found=found.total > 0)
            if suggestion is not None:
                top = [_text(f.document) for f in found.found if not f.approximate][:SUGGESTION_SOURCES]
                suggestion = self._as_written(suggestion, view, req, top, deadline)
            if suggestion is not None and not found.total and req.autocorrect:
                # Nothing as typed, but the suggestion finds something: show that (as the
                # big engines do), saying so and linking to what was typed.
                corrected = self._search(replace(req, q=suggestion, suggest=False, autocorrect=False), view)
                return replace(corrected, query=parsed.text, suggestion=suggestion, corrected_query=suggestion,
                               took_ms=(time.perf_counter() - started) * 1000)
        return SearchResult(
            query=parsed.text if parsed is not None else "",
            total=found.total,
            page=req.page,
            per_page=req.per_page,
            hits=hits,
            sort=sort,
            facets=found.facets,
            undated=found.undated,
            suggestion=suggestion,
            took_ms=(time.perf_counter() - started) * 1000,
            timed_out=found.timed_out,
            total_approximate=found.total_approximate,
            browse=parsed is None,
        )

    def _as_written(self, q: str, view: IndexView, req: SearchRequest, top: list[str],
                    deadline: float) -> str | None:
        """`q` with the capitals of its best matches (`Thành phố Hồ Chí Minh`), or None
        when it matches nothing that passes the filters: never suggest an empty search.

        Restored accents only narrow what the query found, so the query's own top hits
        (`top`) usually hold the suggestion: then their texts prove it has results and
        give its capitals, without reading the postings of every restored spelling (a
        cold list of a common syllable costs tens of milliseconds at 84k articles)."""
        parsed = self.parse(q)
        if found_in(parsed, top):
            return written_as_in(parsed, top)
        best = view.retrieve(Retrieve(plan=build_plan(parsed, self.ranking), filters=req,
                                      limit=SUGGESTION_SOURCES, deadline=deadline))
        if not best.total:
            return None
        return written_as_in(parsed, [_text(f.document) for f in best.found])

    def _hit(self, doc: StoredDocument, score: float, terms: HighlightTerms, approximate: bool) -> Hit:
        title = doc.title or doc.id
        return Hit(
            id=doc.id,
            title=title,
            title_html=highlight_all(title, terms),
            snippet=make_snippet(doc.body, terms),
            score=score,
            date=doc.date,
            source=doc.source,
            category=doc.category,
            url=doc.url,
            approximate=approximate,
        )

    # -- documents -----------------------------------------------------------

    def document(self, doc_id: str) -> StoredDocument:
        doc = self.backend.view().document(doc_id)
        if doc is None:
            raise NotFound(f"Không tìm thấy văn bản (no document with id {doc_id!r})", param="id")
        return doc

    def highlight(self, text: str, q: str) -> str:
        try:
            terms = self.parse(q).highlight_terms() if q else HighlightTerms()
        except BadRequest:
            terms = HighlightTerms()
        return highlight_all(text, terms)

    def parse(self, q: str) -> ParsedQuery:
        return parse_query(q, self.max_query_chars, self.max_query_terms)


def _text(doc: StoredDocument) -> str:
    return f"{doc.title}\n{doc.body}"
