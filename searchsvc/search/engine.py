"""The search function: one engine object per process, shared by web, API and CLI.

Each thread keeps its own Whoosh searcher and refreshes it at most every
`refresh_interval` seconds (cheap when nothing changed), so a running server
sees new commits and new generations (after `index --rebuild`) without a restart
and without reopening the index on every request.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections import Counter, OrderedDict
from dataclasses import dataclass, replace
from pathlib import Path

from whoosh import collectors, scoring, sorting
from whoosh import index as whoosh_index
from whoosh import query as Q
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.reading import TermNotFound
from whoosh.searching import Searcher

from .. import store
from ..errors import BadRequest, IndexMissing, NotFound
from .plan import DEFAULT_RANKING, Ranking, build_query
from .query import HighlightTerms, ParsedQuery, parse_query
from .snippets import highlight_all, make_snippet
from .suggest import suggest
from .types import FacetValue, Hit, SearchRequest, SearchResult, StoredDocument

FACETS = ("year", "source", "category")
FACET_LIMIT = 20


def weighting() -> scoring.WeightingModel:
    # Titles are short and all about the same length: length normalisation
    # there mostly adds noise, so it is weaker than for bodies.
    return scoring.BM25F(B=0.75, K1=1.2, title_exact_B=0.3, title_folded_B=0.3, title_pairs_B=0.3)


@dataclass
class _Local:
    generation: Path | None = None
    searcher: Searcher | None = None
    checked: float = 0.0


class SearchEngine:
    def __init__(
        self,
        index_dir: Path,
        *,
        refresh_interval: float = 2.0,
        time_limit: float = 5.0,
        ranking: Ranking = DEFAULT_RANKING,
        max_query_chars: int = 500,
        max_query_terms: int = 32,
        result_cache: int | None = None,
    ) -> None:
        self.index_dir = Path(index_dir)
        self.refresh_interval = refresh_interval
        self.time_limit = time_limit
        self.ranking = ranking
        self.max_query_chars = max_query_chars
        self.max_query_terms = max_query_terms
        self._local = threading.local()
        self._all_lock = threading.Lock()
        self._all_locals: list[_Local] = []
        # Finished results of recent requests, keyed by request and index version:
        # a repeated query (a popular search, the next visitor of a result page)
        # costs a dict lookup.  A commit or a new generation changes the key.
        if result_cache is None:
            from ..settings import load_settings

            result_cache = load_settings().result_cache_size
        self._cache_size = max(0, result_cache)
        self._cache: OrderedDict[tuple, SearchResult] = OrderedDict()
        self._cache_lock = threading.Lock()
        self._columns: tuple[tuple, dict[str, list]] | None = None

    # -- searcher lifecycle -------------------------------------------------

    def _state(self) -> _Local:
        state = getattr(self._local, "state", None)
        if state is None:
            state = self._local.state = _Local()
            with self._all_lock:
                self._all_locals.append(state)
        return state

    def searcher(self) -> Searcher:
        """This thread's searcher, refreshed if the index changed (checked every refresh_interval)."""
        state = self._state()
        now = time.monotonic()
        if state.searcher is not None and now - state.checked < self.refresh_interval:
            return state.searcher
        state.checked = now
        generation = store.current_generation(self.index_dir)
        if generation is None:
            if state.searcher is not None:
                return state.searcher  # keep answering from what we have
            raise IndexMissing("Chưa có chỉ mục: hãy chạy `searchsvc index` (no index has been built yet)")
        if generation != state.generation or state.searcher is None or not state.searcher.up_to_date():
            # A fresh searcher rather than `Searcher.refresh()`: in whoosh3 3.54
            # refresh() reuses segment readers by segment id and so keeps their
            # old deletion state (updated and deleted documents stay visible).
            old = state.searcher
            state.searcher = whoosh_index.open_dir(str(generation)).searcher(weighting=weighting())
            state.generation = generation
            if old is not None:
                old.close()
        return state.searcher

    def ready(self) -> bool:
        try:
            self.searcher()
            return True
        except IndexMissing:
            return False

    def stats(self) -> dict:
        s = self.searcher()
        state = self._state()
        return {
            "documents": s.doc_count(),
            "generation": state.generation.name if state.generation else None,
            "index_bytes": store.index_size_bytes(state.generation),
        }

    def close(self) -> None:
        with self._all_lock:
            for state in self._all_locals:
                if state.searcher is not None:
                    state.searcher.close()
                    state.searcher = None
            self._all_locals.clear()

    # -- searching -----------------------------------------------------------

    def search(self, req: SearchRequest) -> SearchResult:
        """One page of results, from the result cache when the same request was answered
        on the same index version."""
        if not self._cache_size:
            return self.search_uncached(req)
        started = time.perf_counter()
        searcher = self.searcher()
        key = (req, str(self._state().generation), searcher.reader().generation())
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
        started = time.perf_counter()
        if req.page < 1 or req.per_page < 1:
            raise BadRequest("page and per_page must be positive", param="page" if req.page < 1 else "per_page")
        if req.sort not in ("relevance", "date"):
            raise BadRequest(f"unknown sort {req.sort!r}", param="sort")
        parsed = parse_query(req.q, self.max_query_chars, self.max_query_terms)
        query = build_query(parsed, self.ranking)
        searcher = self.searcher()
        filter_q = _filter_query(req)

        limit = req.page * req.per_page
        sortedby = sorting.FieldFacet("date", reverse=True) if req.sort == "date" else None
        top = searcher.collector(limit=limit, sortedby=sortedby, filter=filter_q)
        timed = collectors.TimeLimitCollector(top, self.time_limit, use_alarm=False)
        timed_out = False
        try:
            searcher.search_with_collector(query, timed)
        except collectors.TimeLimit:
            timed_out = True
        results = timed.results()

        facets: dict[str, list[FacetValue]] = {}
        total: int | None = None
        if req.facets and not timed_out:
            # Totals and facets get what is left of the same time budget.
            try:
                total, facets = self._count_and_facets(searcher, query, req, started + self.time_limit)
            except collectors.TimeLimit:
                timed_out = True
        if total is None:
            # len() runs the query once more, unscored, to count: only when the
            # facet pass did not already count (it was 18% of in-process time).
            total = results.scored_length() if timed_out else len(results)

        start = (req.page - 1) * req.per_page
        terms = parsed.highlight_terms()
        ranked = range(start, min(limit, results.scored_length()))
        hits = [self._hit(results, n, terms) for n in ranked]

        suggestion = None
        if req.suggest and req.page == 1 and not timed_out:
            top_texts = [_text(results.fields(n)) for n in range(min(results.scored_length(), 5))]
            suggestion = suggest(parsed, searcher, top_texts, self)
        return SearchResult(
            query=parsed.text,
            total=total,
            page=req.page,
            per_page=req.per_page,
            hits=hits,
            sort=req.sort,
            facets=facets,
            suggestion=suggestion,
            took_ms=(time.perf_counter() - started) * 1000,
            timed_out=timed_out,
        )

    def _count_and_facets(self, searcher: Searcher, query: Q.Query, req: SearchRequest, deadline: float):
        """Exact total and facet counts from unscored passes (no BM25 work).

        A facet ignores its own filter, so after choosing `source=web` the other
        sources are still listed with their counts and the user can switch.
        Raises TimeLimit when the passes would end after `deadline` (perf_counter).
        """
        filtered = {"year": bool(req.date_from or req.date_to), "source": bool(req.source),
                    "category": bool(req.category)}
        # Whoosh's grouping collectors cost ~3x the matching itself; we list the
        # matching documents once and count facet values from cached columns.
        columns = self._facet_columns(searcher)
        docs = _matching_docs(searcher, query, _filter_query(req), deadline)
        counts = {name: Counter(map(columns[name].__getitem__, docs)) for name in FACETS if not filtered[name]}
        for name in FACETS:
            if filtered[name]:
                others = _matching_docs(searcher, query, _filter_query(req, skip=name), deadline)
                counts[name] = Counter(map(columns[name].__getitem__, others))
        facets = {}
        for name in FACETS:
            values = [FacetValue(str(v), c) for v, c in counts[name].items() if v not in (None, "", b"")]
            if name == "year":
                values.sort(key=lambda fv: fv.value, reverse=True)
            else:
                values.sort(key=lambda fv: (-fv.count, fv.value))
            facets[name] = values[:FACET_LIMIT]
        return len(docs), facets

    def _facet_columns(self, searcher: Searcher) -> dict[str, list]:
        """Facet field values by docnum, read once per index version and shared by threads."""
        key = (str(self._state().generation), searcher.reader().generation())
        with self._cache_lock:
            cached = self._columns
        if cached is not None and cached[0] == key:
            return cached[1]
        columns: dict[str, list] = {name: [] for name in FACETS}
        for leaf, _offset in searcher.reader().leaf_readers():  # in docnum order
            size = leaf.doc_count_all()
            for name in FACETS:
                # A segment where no document had this field has no column at all.
                values = list(leaf.column_reader(name)) if leaf.has_column(name) else []
                columns[name].extend(values if len(values) == size else [None] * size)
        with self._cache_lock:
            self._columns = (key, columns)
        return columns

    def _hit(self, results, n: int, terms: HighlightTerms) -> Hit:
        fields = results.fields(n)
        body = fields.get("body", "")
        title = fields.get("title", "") or fields.get("id", "")
        date = fields.get("date")
        return Hit(
            id=fields["id"],
            title=title,
            title_html=highlight_all(title, terms),
            snippet=make_snippet(body, terms),
            score=float(results.score(n) or 0.0),
            date=date.date() if isinstance(date, dt.datetime) else None,
            source=fields.get("source") or None,
            category=fields.get("category") or None,
            url=fields.get("url"),
        )

    # -- documents -----------------------------------------------------------

    def document(self, doc_id: str) -> StoredDocument:
        fields = self.searcher().document(id=doc_id)
        if fields is None:
            raise NotFound(f"Không tìm thấy văn bản (no document with id {doc_id!r})", param="id")
        date = fields.get("date")
        return StoredDocument(
            id=fields["id"],
            title=fields.get("title", ""),
            body=fields.get("body", ""),
            date=date.date() if isinstance(date, dt.datetime) else None,
            source=fields.get("source") or None,
            category=fields.get("category") or None,
            url=fields.get("url"),
            size=fields.get("size"),
        )

    def highlight(self, text: str, q: str) -> str:
        try:
            terms = self.parse(q).highlight_terms() if q else HighlightTerms()
        except BadRequest:
            terms = HighlightTerms()
        return highlight_all(text, terms)

    def parse(self, q: str) -> ParsedQuery:
        return parse_query(q, self.max_query_chars, self.max_query_terms)


def _matching_docs(searcher: Searcher, query: Q.Query, filter_q: Q.Query | None, deadline: float) -> list[int]:
    """Docnums of every (live) document matching `query` and `filter_q`, unscored.

    Boolean structure is evaluated with Python sets over each term's document
    list (C-speed unions and intersections) instead of Whoosh's union and
    intersection matchers, which cost several Python calls per document: on
    84k articles the facet pass of `của các` went from ~1 s to ~0.1 s.
    Raises TimeLimit when `deadline` (perf_counter) passes.
    """
    if filter_q is not None:
        query = Q.And([query, filter_q])
    docs: list[int] = []
    for sub, offset in searcher.subsearchers or [(searcher, 0)]:
        found = _docset(query, sub, deadline)
        docs.extend(sorted(n + offset for n in found) if offset else sorted(found))
    if time.perf_counter() >= deadline:
        raise collectors.TimeLimit()
    return docs


def _term_docset(q: Q.Term, searcher: Searcher) -> set[int]:
    """Docnums of one term: whole posting blocks at a time when the segment has no deletions.

    Whoosh's matcher yields one docnum per Python call (~0.5 µs each); a block
    of up to 128 docnums is one unpickle.  This reads W3LeafMatcher's block
    attributes, so it is tied to the pinned whoosh3 version (tests compare
    it with Query.docs()); any other matcher takes the generic path.
    """
    try:
        m = q.matcher(searcher, searcher.boolean_context())
    except TermNotFound:
        return set()
    if type(m) is not W3LeafMatcher:
        return set(m.all_ids()) if m.is_active() else set()
    ids: list[int] = []
    while m.is_active():
        if m._ids is None:
            m._read_ids()
        ids.extend(m._ids)
        m._next_block()
    return set(ids)


def _docset(q: Q.Query, searcher: Searcher, deadline: float) -> set[int]:
    """Docnums matching `q` in one segment's searcher (same set as q.docs(searcher))."""
    if time.perf_counter() >= deadline:
        raise collectors.TimeLimit()
    kind = type(q)
    if kind is Q.Term:
        return _term_docset(q, searcher)
    # Only node types whose matching is exactly the boolean meaning: subclasses
    # that change how they match (selective ORs, minimum-match) go the generic way.
    matcher = getattr(kind, "_matcher", None)
    if matcher is Q.And._matcher and isinstance(q, Q.And):
        sets = sorted((_docset(c, searcher, deadline) for c in q.subqueries), key=len)
        return set.intersection(*sets) if sets else set()
    if matcher is Q.Or._matcher and isinstance(q, Q.Or) and getattr(q, "minmatch", 0) <= 1:
        out: set[int] = set()
        for c in q.subqueries:
            out |= _docset(c, searcher, deadline)
        return out
    if kind is Q.AndMaybe:
        return _docset(q.subqueries[0], searcher, deadline)
    if kind is Q.AndNot:
        return _docset(q.subqueries[0], searcher, deadline) - _docset(q.subqueries[1], searcher, deadline)
    found: set[int] = set()
    for n, docnum in enumerate(q.docs(searcher), 1):
        found.add(docnum)
        if not n % 4096 and time.perf_counter() >= deadline:
            raise collectors.TimeLimit()
    return found


def _text(fields: dict) -> str:
    return f"{fields.get('title', '')}\n{fields.get('body', '')}"


def _filter_query(req: SearchRequest, skip: str | None = None) -> Q.Query | None:
    """The filters of `req` as one query; `skip` leaves out one facet's own filter."""
    clauses: list[Q.Query] = []
    if req.source and skip != "source":
        clauses.append(Q.Term("source", req.source))
    if req.category and skip != "category":
        clauses.append(Q.Term("category", req.category))
    if (req.date_from or req.date_to) and skip != "year":
        start = dt.datetime.combine(req.date_from, dt.time()) if req.date_from else None
        end = dt.datetime.combine(req.date_to, dt.time.max) if req.date_to else None
        clauses.append(Q.DateRange("date", start, end))
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else Q.And(clauses)
