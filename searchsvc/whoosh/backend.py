"""The embedded backend: retrievals over a Whoosh index folder, scored with NumPy.

Each thread keeps its own Whoosh searcher and refreshes it at most every
`refresh_interval` seconds (cheap when nothing changed), so a running server
sees new commits and new generations (after `index --rebuild`) without a restart
and without reopening the index on every request.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import numpy as np
from whoosh.searching import Searcher
from whoosh.util.times import datetime_to_long

from ..errors import IndexMissing
from ..search.backend import FACET_LIMIT, FACETS, Found, Retrieve, Retrieved
from ..search.ranking import DEFAULT_RANKING, Ranking
from ..search.types import FacetValue, SearchRequest, StoredDocument
from . import store
from .compile import compile_plan
from .evaluate import Evaluator, Matches
from .flatview import open_searcher
from .postings import IndexArrays
from .scoring import weighting
from .vocabulary import IndexVocabulary


@dataclass
class _Local:
    generation: Path | None = None
    searcher: Searcher | None = None
    arrays: IndexArrays | None = None
    vocabulary: IndexVocabulary | None = None
    checked: float = 0.0


class WhooshBackend:
    def __init__(self, index_dir: Path, *, ranking: Ranking = DEFAULT_RANKING,
                 refresh_interval: float = 2.0) -> None:
        self.index_dir = Path(index_dir)
        self.ranking = ranking
        self.refresh_interval = refresh_interval
        self._local = threading.local()
        self._all_lock = threading.Lock()
        self._all_locals: list[_Local] = []

    def _state(self) -> _Local:
        state = getattr(self._local, "state", None)
        if state is None:
            state = self._local.state = _Local()
            with self._all_lock:
                self._all_locals.append(state)
        return state

    def _searcher(self, state: _Local) -> Searcher:
        """This thread's searcher, refreshed if the index changed (checked every refresh_interval)."""
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
            state.searcher = open_searcher(str(generation), weighting=weighting(self.ranking))
            state.generation = generation
            if old is not None:
                old.close()
        return state.searcher

    def view(self) -> WhooshView:
        state = self._state()
        searcher = self._searcher(state)
        if state.arrays is None or state.arrays.searcher is not searcher:
            state.arrays = IndexArrays(searcher)
            # What restoration has worked out is kept for as long as the arrays.
            state.vocabulary = IndexVocabulary(searcher, state.arrays)
        return WhooshView(state.generation, searcher, state.arrays, state.vocabulary)

    def stats(self) -> dict:
        view = self.view()
        return {
            "documents": view.doc_count,
            "generation": view.generation.name if view.generation else None,
            "index_bytes": store.index_size_bytes(view.generation),
        }

    def close(self) -> None:
        with self._all_lock:
            for state in self._all_locals:
                if state.searcher is not None:
                    state.searcher.close()
                    state.searcher = None
            self._all_locals.clear()


class WhooshView:
    """One thread's searcher over one commit of one generation."""

    def __init__(self, generation: Path | None, searcher: Searcher, arrays: IndexArrays,
                 vocabulary: IndexVocabulary) -> None:
        self.generation = generation
        self.searcher = searcher
        self.arrays = arrays
        self._vocabulary = vocabulary
        self.version = (str(generation), searcher.reader().generation(), searcher.doc_count_all())
        self.doc_count = searcher.doc_count()

    def vocabulary(self) -> IndexVocabulary:
        return self._vocabulary

    def retrieve(self, request: Retrieve) -> Retrieved:
        arrays = self.arrays
        filters = _filter_masks(request.filters, arrays)
        wanted = _all(arrays.live, filters.values())
        # Every matching document is scored at once (NumPy over whole posting
        # lists), so the total and the facets are exact and nearly free.  Only
        # nodes matched the Whoosh way can run out of time; they then contribute
        # what they found so far and the result says it is partial.
        evaluator = Evaluator(self.searcher, arrays, deadline=request.deadline)
        if request.plan is None:  # browse: everything
            strict = Matches(arrays.live.copy(), np.zeros(arrays.doc_count))
        else:
            strict = evaluator.run(compile_plan(request.plan))
        docs = np.flatnonzero(strict.mask & wanted)
        loose_docs, loose_score = docs[:0], strict.score
        if request.loose is not None and len(docs) < request.approximate_below:
            loose = evaluator.run(compile_plan(request.loose))
            loose_docs, loose_score = np.flatnonzero(loose.mask & wanted & ~strict.mask), loose.score
        timed_out = evaluator.timed_out or (request.deadline is not None and time.perf_counter() >= request.deadline)

        # One list to page through: the strict matches, then the approximate ones.
        limit, start = request.limit, request.offset
        ranked = _rank(docs, strict.score, arrays, request.sort, limit)
        found = [Found(self._stored(d), float(strict.score[d])) for d in ranked[start:limit]]
        if len(ranked) < limit and len(loose_docs):
            more = _rank(loose_docs, loose_score, arrays, request.sort, limit - len(ranked))
            found += [Found(self._stored(d), float(loose_score[d]), approximate=True)
                      for d in more[max(0, start - len(ranked)):]]

        result = Retrieved(total=len(docs), found=found, total_approximate=len(loose_docs), timed_out=timed_out)
        if request.facets and not timed_out:
            matched = strict.mask & arrays.live
            result.facets = _facets(matched, filters, arrays)
            result.undated = _undated(matched, filters, arrays)
        return result

    def _stored(self, docnum) -> StoredDocument:
        return _document(self.searcher.stored_fields(int(docnum)))

    def document(self, doc_id: str) -> StoredDocument | None:
        fields = self.searcher.document(id=doc_id)
        return None if fields is None else _document(fields)

    def texts(self, with_bodies: bool = True) -> Iterator[tuple[str, str]]:
        for fields in self.searcher.reader().all_stored_fields():
            yield fields.get("title") or "", (fields.get("body") or "") if with_bodies else ""


def _document(fields: dict) -> StoredDocument:
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
