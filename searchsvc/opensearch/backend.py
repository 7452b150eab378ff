"""The cluster backend: retrievals over the alias, answered by the cluster.

A view is one commit of one concrete index.  Which index the alias points at and
its last commit are read at most every `refresh_interval` seconds (one request),
so a server follows rebuilds and incremental runs without a restart; equal views
key the service's result cache alike.

Filters go in a `post_filter` so each facet can count under every filter but its
own; the approximate tier is a second search for what matches only accent-blind
(the strict matches excluded), as in the Whoosh backend.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Iterator
from typing import Any

from opensearchpy import OpenSearch
from opensearchpy.exceptions import ConnectionError as ClusterConnectionError
from opensearchpy.exceptions import ConnectionTimeout, NotFoundError, TransportError

from ..analysis import fold, pair_term
from ..analysis.phonology import is_syllable
from ..analysis.tones import spellings
from ..errors import EngineUnavailable, IndexMissing
from ..search.backend import FACET_LIMIT, FACETS, Found, Retrieve, Retrieved
from ..search.ranking import DEFAULT_RANKING, Ranking
from ..search.types import FacetValue, SearchRequest, StoredDocument
from ..settings import Settings
from .compile import Compiler, Dsl, Frequencies
from .connection import connect
from .mapping import SCORED_FIELDS, WRITTEN_PAIRS
from .target import index_meta, live_index

# Shown fields of a hit; the analysed ones are not in _source at all.
SHOWN = ["id", "title", "body", "date", "source", "category", "url", "size"]


class OpenSearchBackend:
    def __init__(self, settings: Settings, *, ranking: Ranking = DEFAULT_RANKING,
                 client: OpenSearch | None = None) -> None:
        self.settings = settings
        self.alias = settings.opensearch_index
        self.ranking = ranking
        self.refresh_interval = settings.refresh_interval
        self.client = client or connect(settings)
        self._lock = threading.Lock()
        self._view: OpenSearchView | None = None
        self._checked = 0.0

    def view(self) -> OpenSearchView:
        with self._lock:
            now = time.monotonic()
            if self._view is not None and now - self._checked < self.refresh_interval:
                return self._view
            try:
                index = live_index(self.client, self.alias)
                if index is None:
                    raise IndexMissing("Chưa có chỉ mục: hãy chạy `searchsvc index` (no index has been built yet)")
                commit = index_meta(self.client, index).get("searchsvc_commit")
                if self._view is None or (index, commit) != self._view.version:
                    count = self.client.count(index=index)["count"]
                    self._view = OpenSearchView(self.client, self.alias, index, commit, count, self.settings,
                                                self.ranking)
            except (ClusterConnectionError, TransportError) as exc:
                if self._view is not None:
                    return self._view  # keep answering from what we know; the search itself may still work
                raise EngineUnavailable(f"the OpenSearch cluster did not answer: {exc}") from exc
            self._checked = now
            return self._view

    def stats(self) -> dict:
        view = self.view()
        health = self.client.cluster.health(index=view.index)
        stats = self.client.indices.stats(index=view.index, metric="store")
        return {
            "documents": view.doc_count,
            "generation": view.index,
            "index_bytes": stats["_all"]["total"]["store"]["size_in_bytes"],
            "cluster": {
                "name": health.get("cluster_name"),
                "health": health.get("status"),
                "nodes": health.get("number_of_nodes"),
                "alias": self.alias,
                "index": view.index,
                "primary_bytes": stats["_all"]["primaries"]["store"]["size_in_bytes"],
            },
        }

    def close(self) -> None:
        self.client.close()


class OpenSearchView:
    def __init__(self, client: OpenSearch, alias: str, index: str, commit: str | None, doc_count: int,
                 settings: Settings, ranking: Ranking = DEFAULT_RANKING) -> None:
        self.client = client
        self.alias = alias
        self.index = index
        self.version = (index, commit)
        self.doc_count = doc_count
        self.timeout = settings.opensearch_timeout
        self._vocabulary = ClusterVocabulary(self)
        self._field_docs: dict[str, int] | None = None
        self._compiler = Compiler(doc_count, self._vocabulary.frequencies, self.field_docs, ranking)

    def search(self, body: Dsl, deadline: float | None = None) -> dict:
        params: dict[str, Any] = {"request_timeout": self.timeout}
        if deadline is not None:
            left = max(0.05, deadline - time.perf_counter())
            body = {**body, "timeout": f"{int(left * 1000)}ms"}
            params["request_timeout"] = min(self.timeout, left + 5.0)
        try:
            try:
                return self.client.search(index=self.index, body=body, **params)
            except NotFoundError:
                # The index this view was opened on has gone (replaced by a rebuild and past its
                # grace period): the alias names the one that replaced it.
                return self.client.search(index=self.alias, body=body, **params)
        except (ClusterConnectionError, ConnectionTimeout) as exc:
            raise EngineUnavailable(f"the OpenSearch cluster did not answer: {exc}") from exc
        except TransportError as exc:
            if isinstance(exc.status_code, int) and exc.status_code >= 500:
                raise EngineUnavailable(f"the OpenSearch cluster could not search: {exc}") from exc
            raise

    def retrieve(self, request: Retrieve) -> Retrieved:
        filters = _filters(request.filters)
        strict = self._compiler.compile(request.plan) if request.plan is not None else {"match_all": {}}
        start, limit = request.offset, request.limit
        body: Dsl = {
            "query": strict,
            "from": start,
            "size": max(0, limit - start),
            "track_total_hits": True,
            "_source": SHOWN,
            "sort": _sort(request.sort),
            "track_scores": True,
        }
        if filters:
            body["post_filter"] = _all(list(filters.values()))
        if request.facets:
            body["aggs"] = _facet_aggs(filters)
        response = self.search(body, request.deadline)
        total = response["hits"]["total"]["value"]
        found = [Found(_document(hit["_source"]), float(hit.get("_score") or 0.0))
                 for hit in response["hits"]["hits"]]
        timed_out = bool(response.get("timed_out"))

        total_approximate = 0
        if request.loose is not None and total < request.approximate_below:
            loose_from = max(0, start - total)
            loose_body: Dsl = {
                "query": {"bool": {"must": [self._compiler.compile(request.loose)],
                                   "must_not": [strict],
                                   "filter": list(filters.values())}},
                "from": loose_from,
                "size": max(0, limit - total - loose_from),
                "track_total_hits": True,
                "_source": SHOWN,
                "sort": _sort(request.sort),
                "track_scores": True,
            }
            loose = self.search(loose_body, request.deadline)
            total_approximate = loose["hits"]["total"]["value"]
            timed_out |= bool(loose.get("timed_out"))
            found += [Found(_document(hit["_source"]), float(hit.get("_score") or 0.0), approximate=True)
                      for hit in loose["hits"]["hits"]]

        result = Retrieved(total=total, found=found, total_approximate=total_approximate, timed_out=timed_out)
        if request.facets and not timed_out:
            aggs = response["aggregations"]
            result.facets = {name: _facet_values(name, aggs[name]["values"]["buckets"]) for name in FACETS}
            result.undated = aggs["undated"]["doc_count"]
        return result

    def field_docs(self) -> dict[str, int]:
        """How many documents have each scored field: Lucene's N in that field's IDF.
        (Documents are sent without their empty fields, so having one is holding a term.)"""
        if self._field_docs is None:
            body = {"size": 0, "track_total_hits": False, "aggs": {"docs": {"filters": {"filters": {
                field: {"exists": {"field": field}} for field in SCORED_FIELDS}}}}}
            buckets = self.search(body)["aggregations"]["docs"]["buckets"]
            self._field_docs = {field: buckets[field]["doc_count"] for field in SCORED_FIELDS}
        return self._field_docs

    def vocabulary(self) -> ClusterVocabulary:
        return self._vocabulary

    def document(self, doc_id: str) -> StoredDocument | None:
        if not doc_id or len(doc_id.encode()) > 512:  # the cluster's limit on an _id
            return None
        try:
            # Not realtime: a document written by a run that has not committed stays unseen.
            hit = self.client.get(index=self.index, id=doc_id, realtime=False, _source_includes=SHOWN)
        except NotFoundError:
            return None
        return _document(hit["_source"]) if hit.get("found") else None

    def texts(self, with_bodies: bool = True) -> Iterator[tuple[str, str]]:
        from opensearchpy.helpers import scan

        query = {"query": {"match_all": {}}, "_source": ["title", "body"] if with_bodies else ["title"]}
        for hit in scan(self.client, index=self.index, query=query, size=500, scroll="5m"):
            source = hit["_source"]
            yield source.get("title") or "", source.get("body") or ""


class ClusterVocabulary:
    """What accent restoration asks of the index (`suggest.Vocabulary`), counted by the
    cluster and remembered for the view's lifetime.  Look-ups are batched: asking for one
    spelling counts every spelling of its syllable, asking for one pair counts them all."""

    def __init__(self, view: OpenSearchView) -> None:
        self.view = view
        self._df: Frequencies = {}
        self._near: dict[tuple[str, str], list[str]] = {}
        self._lock = threading.Lock()

    def frequencies(self, wanted: list[tuple[str, str]]) -> Frequencies:
        """Documents holding each (field, term), from one request for those not yet known."""
        with self._lock:
            missing = [ft for ft in dict.fromkeys(wanted) if ft not in self._df]
        if missing:
            counted: Frequencies = {}
            for at in range(0, len(missing), 500):
                batch = missing[at:at + 500]
                body = {"size": 0, "track_total_hits": False, "aggs": {"df": {"filters": {"filters": {
                    str(i): {"term": {field: text}} for i, (field, text) in enumerate(batch)}}}}}
                buckets = self.view.search(body)["aggregations"]["df"]["buckets"]
                counted.update({ft: buckets[str(i)]["doc_count"] for i, ft in enumerate(batch)})
            with self._lock:
                self._df.update(counted)
        with self._lock:
            return {ft: self._df[ft] for ft in wanted}

    def doc_frequency(self, fieldname: str, text: str) -> int:
        key = (fieldname, text)
        with self._lock:
            if key in self._df:
                return self._df[key]
        batch = [key]
        if fieldname == "exact":
            batch += [("exact", s) for s in spellings(fold(text)) if is_syllable(s)]
        return self.frequencies(batch)[key]

    def adjacent(self, firsts: list[str], seconds: list[str]) -> dict[tuple[str, str], float]:
        keys = [(a, b) for a in firsts for b in seconds]
        counts = self.frequencies([(WRITTEN_PAIRS, pair_term(a, b)) for a, b in keys])
        return {(a, b): float(counts[(WRITTEN_PAIRS, pair_term(a, b))]) for a, b in keys}

    def terms_within_one_edit(self, fieldname: str, word: str) -> list[str]:
        key = (fieldname, word)
        if key not in self._near:
            body = {"size": 0, "suggest": {"near": {"text": word, "term": {
                "field": fieldname, "analyzer": "terms", "max_edits": 1, "prefix_length": 0,
                "min_word_length": 1, "suggest_mode": "always", "size": 50, "sort": "frequency"}}}}
            options = self.view.search(body)["suggest"]["near"][0]["options"] if word else []
            near = [o["text"] for o in options if o["text"] != word]
            self.frequencies([(fieldname, t) for t in near])  # their counts are asked next
            self._near[key] = near
        return list(self._near[key])


def _document(source: dict) -> StoredDocument:
    date = source.get("date")
    return StoredDocument(
        id=source["id"],
        title=source.get("title", ""),
        body=source.get("body", ""),
        date=dt.date.fromisoformat(date) if date else None,
        source=source.get("source") or None,
        category=source.get("category") or None,
        url=source.get("url"),
        size=source.get("size"),
    )


def _filters(req: SearchRequest) -> dict[str, Dsl]:
    """One filter per active facet filter, keyed by the facet it filters (year, source, category)."""
    filters: dict[str, Dsl] = {}
    for name, value in (("source", req.source), ("category", req.category)):
        if value:
            filters[name] = {"term": {name: value}}
    if req.date_from or req.date_to:
        bounds = {}
        if req.date_from:
            bounds["gte"] = req.date_from.isoformat()
        if req.date_to:
            bounds["lte"] = req.date_to.isoformat()
        filters["year"] = {"range": {"date": bounds}}
    return filters


def _all(clauses: list[Dsl]) -> Dsl:
    return {"bool": {"filter": clauses}} if clauses else {"match_all": {}}


def _sort(sort: str) -> list:
    if sort == "date":  # newest first, undated last; ties by score
        return [{"date": {"order": "desc", "missing": "_last"}}, {"_score": {"order": "desc"}}]
    return [{"_score": {"order": "desc"}}]


def _facet_aggs(filters: dict[str, Dsl]) -> Dsl:
    """Per facet, its values among the matches under every filter but its own; and the
    undated matches under every filter but the date one."""
    aggs: Dsl = {}
    for name in FACETS:
        others = _all([f for other, f in filters.items() if other != name])
        order = {"_key": "desc"} if name == "year" else [{"_count": "desc"}, {"_key": "asc"}]
        aggs[name] = {"filter": others, "aggs": {"values": {"terms": {
            "field": name, "size": FACET_LIMIT, "order": order, "shard_size": 10_000}}}}
    not_dated = {"bool": {"must_not": [{"exists": {"field": "date"}}],
                          "filter": [f for other, f in filters.items() if other != "year"]}}
    aggs["undated"] = {"filter": not_dated}
    return aggs


def _facet_values(name: str, buckets: list[dict]) -> list[FacetValue]:
    return [FacetValue(str(b["key"]), int(b["doc_count"])) for b in buckets]
