"""The search function: one engine object per process, shared by web, API and CLI.

Each thread keeps its own Whoosh searcher and refreshes it at most every
`refresh_interval` seconds (cheap when nothing changed), so a running server
sees new commits and new generations (after `index --rebuild`) without a restart
and without reopening the index on every request.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from whoosh import index as whoosh_index
from whoosh import scoring
from whoosh.searching import Searcher
from whoosh.util.times import datetime_to_long

from .. import store
from ..errors import BadRequest, IndexMissing, NotFound
from .arrays import IndexArrays
from .evaluate import Evaluator, Matches
from .plan import DEFAULT_RANKING, Ranking, SyllableBM25F, build_query
from .query import HighlightTerms, ParsedQuery, parse_query
from .snippets import highlight_all, make_snippet
from .suggest import found_in, suggest, written_as_in
from .types import FacetValue, Hit, SearchRequest, SearchResult, StoredDocument
from .vocabulary import IndexVocabulary

FACETS = ("year", "source", "category")
FACET_LIMIT = 20
# Best matches of a suggestion whose texts give it its capitals.
SUGGESTION_SOURCES = 5


def weighting() -> scoring.WeightingModel:
    # The probabilistic IDF (SyllableBM25F) rather than Whoosh's, which never
    # lets `của`, `là`, `năm` fall below an eighth of a rare name: on the
    # relevance harness's tuning questions MRR@10 went from 0.74 to 0.89.
    # Titles are short and all about the same length: length normalisation
    # there mostly adds noise, so it is weaker than for bodies.
    # The plain fields hold only documents typed without diacritics, so their
    # average length says nothing about a document: no length normalisation.
    return SyllableBM25F(B=0.75, K1=1.2, shared_idf=True, title_exact_B=0.3, title_folded_B=0.3, title_pairs_B=0.3,
                         plain_B=0.0, title_plain_B=0.0)


@dataclass
class _Approximate:
    docs: np.ndarray  # docnums matching only when accents are ignored
    score: np.ndarray  # their scores (accent-blind reading), per docnum


@dataclass
class _Local:
    generation: Path | None = None
    searcher: Searcher | None = None
    arrays: IndexArrays | None = None
    vocabulary: IndexVocabulary | None = None
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
        concurrency: int = 0,
        approximate_below: int = 10,
    ) -> None:
        self.index_dir = Path(index_dir)
        self.refresh_interval = refresh_interval
        self.time_limit = time_limit
        self.ranking = ranking
        self.max_query_chars = max_query_chars
        self.max_query_terms = max_query_terms
        # Fewer strict hits than this and accent-blind matches follow them.
        self.approximate_below = approximate_below
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
        # Searches are CPU work under one GIL: with eight server threads searching
        # at once, each one waits for the others at every NumPy call (over HTTP at
        # 5k articles, 8 clients got 19 requests/s where 1 client got 29).  Only
        # `concurrency` searches run at a time; the rest queue for a slot.
        self._slots = threading.BoundedSemaphore(concurrency if concurrency > 0 else (os.cpu_count() or 1))

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
        queued = time.perf_counter()
        with self._slots:
            result = self._search(req)
        return replace(result, took_ms=(time.perf_counter() - queued) * 1000)

    def _search(self, req: SearchRequest) -> SearchResult:
        started = time.perf_counter()  # the time limit counts from here, not from the queue
        if req.page < 1 or req.per_page < 1:
            raise BadRequest("page and per_page must be positive", param="page" if req.page < 1 else "per_page")
        if req.sort not in ("relevance", "date"):
            raise BadRequest(f"unknown sort {req.sort!r}", param="sort")
        parsed = None if req.browse else self.parse(req.q)
        searcher = self.searcher()
        arrays = self.arrays_for(searcher)
        filters = _filter_masks(req, arrays)
        wanted = _all(arrays.live, filters.values())

        # Every matching document is scored at once (NumPy over whole posting
        # lists), so the total and the facets are exact and nearly free.  Only
        # nodes matched the Whoosh way can run out of time; they then contribute
        # what they found so far and the result says it is partial.
        evaluator = Evaluator(searcher, arrays, deadline=started + self.time_limit)
        parsed, strict = self._strict(parsed, evaluator, wanted)
        docs = np.flatnonzero(strict.mask & wanted)
        approximate = self._approximate(parsed, evaluator, strict, wanted, len(docs))
        timed_out = evaluator.timed_out or time.perf_counter() - started >= self.time_limit

        sort = "date" if parsed is None else req.sort
        limit = req.page * req.per_page
        start = (req.page - 1) * req.per_page
        # One list to page through: the strict hits, then the approximate ones.
        ranked = _rank(docs, strict.score, arrays, sort, limit)
        ranked_approximate = approximate.docs[:0]
        if len(ranked) < limit and len(approximate.docs):
            ranked_approximate = _rank(approximate.docs, approximate.score, arrays, sort, limit - len(ranked))
        terms = parsed.highlight_terms() if parsed is not None else HighlightTerms()
        hits = [self._hit(searcher.stored_fields(int(d)), float(strict.score[d]), terms)
                for d in ranked[start:limit]]
        if len(ranked_approximate):
            blind = parsed.highlight_terms(strict=False)
            hits += [replace(self._hit(searcher.stored_fields(int(d)), float(approximate.score[d]), blind),
                             approximate=True)
                     for d in ranked_approximate[max(0, start - len(ranked)):]]

        facets: dict[str, list[FacetValue]] = {}
        undated = None
        if req.facets and not timed_out:
            matched = strict.mask & arrays.live
            facets = _facets(matched, filters, arrays)
            undated = _undated(matched, filters, arrays)
        suggestion = None
        if parsed is not None and req.suggest and req.page == 1 and not timed_out:
            suggestion = suggest(parsed, self._vocabulary(arrays), found=len(docs) > 0)
            if suggestion is not None:
                suggestion = self._as_written(suggestion, evaluator, wanted, searcher, ranked)
            if suggestion is not None and not len(docs) and req.autocorrect:
                # Nothing as typed, but the suggestion finds something: show that (as the
                # big engines do), saying so and linking to what was typed.
                corrected = self._search(replace(req, q=suggestion, suggest=False, autocorrect=False))
                return replace(corrected, query=parsed.text, suggestion=suggestion, corrected_query=suggestion,
                               took_ms=(time.perf_counter() - started) * 1000)
        return SearchResult(
            query=parsed.text if parsed is not None else "",
            total=len(docs),
            page=req.page,
            per_page=req.per_page,
            hits=hits,
            sort=sort,
            facets=facets,
            undated=undated,
            suggestion=suggestion,
            took_ms=(time.perf_counter() - started) * 1000,
            timed_out=timed_out,
            total_approximate=len(approximate.docs),
            browse=parsed is None,
        )

    def _strict(self, parsed: ParsedQuery | None, evaluator: Evaluator,
                wanted: np.ndarray) -> tuple[ParsedQuery | None, Matches]:
        """The documents matching as typed (browse: all of them), and the query read."""
        arrays = evaluator.arrays
        if parsed is None:  # browse: everything, newest first
            return None, Matches(arrays.live.copy(), np.zeros(arrays.doc_count))
        strict = evaluator.run(build_query(parsed, self.ranking))
        if parsed.unbalanced and not (strict.mask & wanted).any():
            # `"biến đổi khí hậu Cao Bằng`: the phrase to the end found nothing; plain words may.
            parsed = parsed.without_quotes(self.max_query_chars, self.max_query_terms)
            strict = evaluator.run(build_query(parsed, self.ranking))
        return parsed, strict

    def _approximate(self, parsed: ParsedQuery | None, evaluator: Evaluator, strict: Matches,
                     wanted: np.ndarray, found: int) -> _Approximate:
        """Documents that match only when accents are ignored, when fewer than
        `approximate_below` match as typed (and accents were typed at all)."""
        if parsed is None or not parsed.accented or found >= self.approximate_below:
            return _Approximate(np.zeros(0, dtype=np.int64), strict.score)
        loose = evaluator.run(build_query(parsed, self.ranking, strict=False))
        return _Approximate(np.flatnonzero(loose.mask & wanted & ~strict.mask), loose.score)

    def _as_written(self, q: str, evaluator: Evaluator, wanted: np.ndarray, searcher: Searcher,
                    ranked: np.ndarray) -> str | None:
        """`q` with the capitals of its best matches (`Thành phố Hồ Chí Minh`), or None
        when it matches nothing that passes the filters: never suggest an empty search.

        Restored accents only narrow what the query found, so the query's own top hits
        usually hold the suggestion: then their texts prove it has results and give its
        capitals, without reading the postings of every restored spelling (a cold list
        of a common syllable costs tens of milliseconds at 84k articles)."""
        parsed = self.parse(q)
        top = [_text(searcher.stored_fields(int(d))) for d in ranked[:SUGGESTION_SOURCES]]
        if found_in(parsed, top):
            return written_as_in(parsed, top)
        found = evaluator.run(build_query(parsed, self.ranking))
        docs = np.flatnonzero(found.mask & wanted)
        if not len(docs):
            return None
        best = docs[np.argsort(-found.score[docs], kind="stable")[:SUGGESTION_SOURCES]]
        return written_as_in(parsed, [_text(searcher.stored_fields(int(d))) for d in best])

    def arrays_for(self, searcher: Searcher) -> IndexArrays:
        """This thread's arrays for its current searcher (rebuilt when the searcher changes)."""
        state = self._state()
        if state.arrays is None or state.arrays.searcher is not searcher:
            state.arrays = IndexArrays(searcher)
        return state.arrays

    def _vocabulary(self, arrays: IndexArrays) -> IndexVocabulary:
        """This thread's vocabulary for its current arrays (what restoration has worked out is kept)."""
        state = self._state()
        if state.vocabulary is None or state.vocabulary.arrays is not arrays:
            state.vocabulary = IndexVocabulary(arrays.searcher, arrays)
        return state.vocabulary

    def _hit(self, fields: dict, score: float, terms: HighlightTerms) -> Hit:
        body = fields.get("body", "")
        title = fields.get("title", "") or fields.get("id", "")
        date = fields.get("date")
        return Hit(
            id=fields["id"],
            title=title,
            title_html=highlight_all(title, terms),
            snippet=make_snippet(body, terms),
            score=score,
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


def _text(fields: dict) -> str:
    return f"{fields.get('title', '')}\n{fields.get('body', '')}"


def _filter_masks(req: SearchRequest, arrays: IndexArrays) -> dict[str, np.ndarray]:
    """One boolean mask per active filter, keyed by the facet it filters (year, source, category)."""
    masks: dict[str, np.ndarray] = {}
    for name, value in (("source", req.source), ("category", req.category)):
        if value:
            codes, values = arrays.codes(name)
            code = values.index(value) if value in values[1:] else -1
            masks[name] = codes == code
    if req.date_from or req.date_to:
        dates = arrays.numbers("date")
        mask = dates != np.uint64(arrays.missing("date"))
        if req.date_from:
            mask &= dates >= np.uint64(datetime_to_long(dt.datetime.combine(req.date_from, dt.time())))
        if req.date_to:
            mask &= dates <= np.uint64(datetime_to_long(dt.datetime.combine(req.date_to, dt.time.max)))
        masks["year"] = mask
    return masks


def _all(mask: np.ndarray, others) -> np.ndarray:
    out = mask.copy()
    for other in others:
        out &= other
    return out


def _rank(docs: np.ndarray, score: np.ndarray, arrays: IndexArrays, sort: str, limit: int) -> np.ndarray:
    """The first `limit` of `docs`: by score (ties: index order), or newest first (ties: by score)."""
    if not len(docs):
        return docs
    scores = score[docs]
    if sort == "date":
        raw = arrays.numbers("date")[docs]
        dates = raw.astype(np.float64)
        dates[raw == np.uint64(arrays.missing("date"))] = -np.inf  # undated documents last
        order = np.lexsort((docs, -scores, -dates))
        return docs[order[:limit]]
    if len(docs) > limit:
        # Keep everything that scores at least the limit-th best (ties included), then sort that.
        kth = np.partition(scores, len(scores) - limit)[len(scores) - limit]
        keep = scores >= kth
        docs, scores = docs[keep], scores[keep]
    order = np.lexsort((docs, -scores))
    return docs[order[:limit]]


def _facets(matched: np.ndarray, filters: dict[str, np.ndarray], arrays: IndexArrays) -> dict[str, list[FacetValue]]:
    """Counts per facet value among the matches.

    A facet ignores its own filter, so after choosing `source=web` the other
    sources are still listed with their counts and the user can switch.
    """
    facets = {}
    for name in FACETS:
        selected = _all(matched, [m for other, m in filters.items() if other != name])
        codes, values = arrays.codes(name)
        counts = np.bincount(codes[selected], minlength=len(values))
        found = [FacetValue(str(values[c]), int(counts[c])) for c in np.flatnonzero(counts) if c != 0]
        if name == "year":
            found.sort(key=lambda fv: fv.value, reverse=True)
        else:
            found.sort(key=lambda fv: (-fv.count, fv.value))
        facets[name] = found[:FACET_LIMIT]
    return facets


def _undated(matched: np.ndarray, filters: dict[str, np.ndarray], arrays: IndexArrays) -> int:
    """Matches without a date, under every filter but the date one: the year facet's
    "unknown date" bucket, and what a date filter leaves out."""
    codes, _values = arrays.codes("year")
    selected = _all(matched, [m for name, m in filters.items() if name != "year"])
    return int(np.count_nonzero(selected & (codes == 0)))
