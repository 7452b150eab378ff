"""The cluster as an `IndexTarget` (see searchsvc.indexing.target): sync and rebuild.

Readers search an alias (`opensearch_index`, default `searchsvc`) that points at one
concrete index, `<alias>-<UTC time>`.  Concrete indexes never refresh on their own
(mapping.index_body), so what a run writes becomes visible only at its commit:

* an incremental run writes into the live index and refreshes it at commit;
* a rebuild (`--rebuild`, no index yet, or a schema change) fills a new concrete index
  with no replicas, adds the replicas, waits for them, then moves the alias in one
  atomic `_aliases` call.  The index it replaced is marked retired and deleted by a
  later commit once `opensearch_grace` seconds have passed, so searches already
  running on it finish.

Files are read and analysed in worker processes; their documents go to the cluster
in bulk requests, several in flight (bulk.py retries what the cluster could not take).
"""

from __future__ import annotations

import datetime as dt
import logging
import multiprocessing
import secrets
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, ThreadPoolExecutor, wait
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

from opensearchpy import OpenSearch
from opensearchpy.exceptions import NotFoundError

from ..errors import SearchServiceError
from ..indexing.target import ChunkResult, cpu_count
from ..ingest import Document, SkipFile, doc_id, read_document
from ..search.ranking import DEFAULT_RANKING, Ranking
from ..settings import Settings
from . import bulk
from .connection import connect
from .lock import ClusterWriterLock
from .mapping import SCHEMA_VERSION, document_source, index_body

log = logging.getLogger(__name__)

# Files per job handed to a reading process.
CHUNK_FILES = 100


class OpenSearchTarget:
    schema_version = SCHEMA_VERSION

    def __init__(self, settings: Settings, ranking: Ranking = DEFAULT_RANKING,
                 client: OpenSearch | None = None) -> None:
        self.settings = settings
        self.alias = settings.opensearch_index
        self.ranking = ranking
        self.client = client or connect(settings)
        self.procs = settings.index_procs if settings.index_procs > 0 else cpu_count()

    def exists(self) -> bool:
        return live_index(self.client, self.alias) is not None

    def published_schema(self) -> int | None:
        # In the index itself: a run from another machine (another index folder) reads it too.
        live = live_index(self.client, self.alias)
        return None if live is None else index_meta(self.client, live).get("searchsvc_schema")

    def writer_lock(self, wait: float) -> AbstractContextManager[None]:
        # Indexers of one alias may run on several machines: the cluster holds the lock.
        return ClusterWriterLock(self.client, self.alias).hold(wait)

    def start(self, rebuild: bool) -> OpenSearchRun:
        live = live_index(self.client, self.alias)
        _remove_leftovers(self.client, self.alias, live, self.settings.opensearch_grace)
        if rebuild or live is None:
            name = f"{self.alias}-{dt.datetime.now(dt.timezone.utc):%Y%m%d%H%M%S}-{secrets.token_hex(2)}"
            body = index_body(self.ranking, shards=self.settings.opensearch_shards, replicas=0)
            body["mappings"]["_meta"]["searchsvc_state"] = "building"
            self.client.indices.create(index=name, body=body)
            return OpenSearchRun(self, name, rebuilt=True, previous=live)
        return OpenSearchRun(self, live, rebuilt=False, previous=live)


class OpenSearchRun:
    def __init__(self, target: OpenSearchTarget, name: str, *, rebuilt: bool, previous: str | None) -> None:
        self.target = target
        self.client = target.client
        self.name = name
        self.rebuilt = rebuilt
        self.previous = previous
        self._known = {} if rebuilt else indexed_hashes(self.client, name)
        # Documents the cluster would not take, {id: reason}: a rebuild missing any is not published.
        self.refused: dict[str, str] = {}

    def known_hashes(self) -> dict[str, str]:
        return dict(self._known)

    # -- writing ---------------------------------------------------------------------------

    def _send(self, actions: list[bulk.Action]) -> dict[str, str]:
        """Send `actions` in bulk requests, several at once; {id: reason} of those that failed."""
        size = max(1, self.target.settings.opensearch_bulk_docs)
        batches = [actions[i:i + size] for i in range(0, len(actions), size)]
        failed: dict[str, str] = {}
        with ThreadPoolExecutor(max(1, self.target.settings.opensearch_bulk_threads)) as pool:
            for result in pool.map(lambda b: bulk.send(self.client, self.name, b), batches):
                failed.update(result)
        self.refused.update(failed)
        return failed

    def write(self, corpus_dir: Path, files: list[str], *, max_file_bytes: int,
              on_chunk: Callable[[ChunkResult], None]) -> None:
        if not files:
            return
        jobs = [files[i:i + CHUNK_FILES] for i in range(0, len(files), CHUNK_FILES)]
        procs = max(1, min(self.target.procs, len(jobs)))
        if procs == 1:
            for job in jobs:
                on_chunk(self._index_read(read_files(corpus_dir, job, max_file_bytes)))
            return
        # Reading and analysing is the CPU-heavy part: worker processes do it while this
        # process sends what is ready.  A few jobs ahead per worker bound the memory.
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(procs, mp_context=context) as pool:
            queued = iter(jobs)
            running = set()
            for job in queued:
                running.add(pool.submit(read_files, corpus_dir, job, max_file_bytes))
                if len(running) >= 2 * procs:
                    break
            while running:
                done, running = wait(running, return_when=FIRST_COMPLETED)
                for future in done:
                    job = next(queued, None)
                    if job is not None:
                        running.add(pool.submit(read_files, corpus_dir, job, max_file_bytes))
                    on_chunk(self._index_read(future.result()))

    def _index_read(self, read: tuple[list[tuple[str, dict]], list[tuple[str, str]], int]) -> ChunkResult:
        sources, skipped, files = read
        failed = self._send([bulk.Action(ident, source) for ident, source in sources])
        result = ChunkResult(files=files, skipped=list(skipped))
        for ident, _source in sources:
            if ident in failed:
                # The version indexed before (if any) stays, with its old hash: the next run retries.
                result.skipped.append((ident, f"not indexed by the cluster: {failed[ident]}"))
            else:
                result.indexed.append(ident)
        return result

    def write_documents(self, documents: Iterable[Document]) -> list[str]:
        ids: list[str] = []
        batch: list[bulk.Action] = []
        failed: dict[str, str] = {}
        for doc in documents:
            ids.append(doc.id)
            batch.append(bulk.Action(doc.id, document_source(doc)))
            if len(batch) >= 4 * self.target.settings.opensearch_bulk_docs:
                failed.update(self._send(batch))
                batch = []
        failed.update(self._send(batch))
        if failed:
            ident, reason = next(iter(failed.items()))
            raise SearchServiceError(f"the cluster refused {len(failed)} documents, e.g. {ident}: {reason}")
        return ids

    def delete(self, doc_ids: list[str]) -> None:
        failed = self._send([bulk.Action(ident) for ident in doc_ids])
        if failed:
            ident, reason = next(iter(failed.items()))
            raise SearchServiceError(f"could not delete {len(failed)} documents, e.g. {ident}: {reason}")

    # -- publishing --------------------------------------------------------------------------

    def commit(self) -> int:
        client, settings = self.client, self.target.settings
        if self.rebuilt and self.refused:
            # Publishing would hide documents the index being replaced still serves (a shard
            # lost with its node while building, a write block): keep that one instead.
            ident, reason = next(iter(self.refused.items()))
            raise SearchServiceError(
                f"the cluster did not take {len(self.refused)} documents of the rebuild (e.g. {ident}: "
                f"{reason}); the new index was not published and the one before keeps serving")
        client.indices.refresh(index=self.name)
        meta = {"searchsvc_schema": SCHEMA_VERSION, "searchsvc_state": "live",
                "searchsvc_commit": f"{time.time():.6f}"}
        if self.rebuilt:
            if settings.opensearch_replicas:
                client.indices.put_settings(index=self.name,
                                            body={"index": {"number_of_replicas": settings.opensearch_replicas}})
                health = client.cluster.health(index=self.name, wait_for_status="green",
                                               timeout=f"{int(settings.opensearch_timeout * 4)}s",
                                               request_timeout=settings.opensearch_timeout * 5)
                if health.get("timed_out"):
                    log.warning("replicas of %s not all assigned yet (%s): publishing anyway",
                                self.name, health.get("status"))
            set_meta(client, self.name, meta)
            _switch_alias(client, self.target.alias, self.name)
            if self.previous is not None and self.previous != self.name:
                set_meta(client, self.previous, {**index_meta(client, self.previous),
                                                 "searchsvc_state": "retired",
                                                 "searchsvc_retired_at": time.time()})
        else:
            set_meta(client, self.name, meta)
        return client.count(index=self.name)["count"]

    def cancel(self) -> None:
        if self.rebuilt:
            # Never published: readers never saw it.
            try:
                self.client.indices.delete(index=self.name)
            except NotFoundError:
                pass
        # An incremental run's writes stay unrefreshed (invisible) until the next commit;
        # that run finds their files changed again (it reads only refreshed hashes) and
        # writes them once more.


# -- reading files (in worker processes) ----------------------------------------------------

def read_files(corpus_dir: Path, paths: list[str], max_file_bytes: int
               ) -> tuple[list[tuple[str, dict]], list[tuple[str, str]], int]:
    """(id, source) of each readable file, (id, reason) of each skipped one, files seen."""
    sources: list[tuple[str, dict]] = []
    skipped: list[tuple[str, str]] = []
    for path in paths:
        try:
            doc = read_document(corpus_dir, path, max_file_bytes)
        except SkipFile as exc:
            skipped.append((doc_id(corpus_dir, path), exc.reason))
            continue
        sources.append((doc.id, document_source(doc)))
    return sources, skipped, len(paths)


# -- the alias and its indexes --------------------------------------------------------------

def live_index(client: OpenSearch, alias: str) -> str | None:
    """The concrete index `alias` points at, or None before the first publish."""
    if client.indices.exists(index=alias) and not client.indices.exists_alias(name=alias):
        raise SearchServiceError(f"{alias!r} is an index, not an alias: choose another SEARCHSVC_OPENSEARCH_INDEX")
    if not client.indices.exists_alias(name=alias):
        return None
    names = list(client.indices.get_alias(name=alias))
    return names[0] if names else None


def index_meta(client: OpenSearch, index: str) -> dict[str, Any]:
    mapping = client.indices.get_mapping(index=index)
    return next(iter(mapping.values()))["mappings"].get("_meta", {})


def set_meta(client: OpenSearch, index: str, meta: dict[str, Any]) -> None:
    client.indices.put_mapping(index=index, body={"_meta": meta})


def _switch_alias(client: OpenSearch, alias: str, index: str) -> None:
    """Point `alias` at `index` alone, in one atomic step."""
    try:
        holders = list(client.indices.get_alias(name=alias))
    except NotFoundError:
        holders = []
    actions = [{"remove": {"index": old, "alias": alias}} for old in holders if old != index]
    actions.append({"add": {"index": index, "alias": alias}})
    client.indices.update_aliases(body={"actions": actions})


def _family(client: OpenSearch, alias: str) -> list[str]:
    """The concrete indexes this alias's runs created."""
    found = client.indices.get(index=f"{alias}-*", expand_wildcards="open,closed", ignore_unavailable=True)
    return [name for name in found if name.startswith(f"{alias}-")]


def _remove_leftovers(client: OpenSearch, alias: str, live: str | None, grace: float) -> None:
    """Delete retired indexes past their grace period, and rebuilds that never finished
    (one writer at a time: an unpublished index no run is filling is a leftover)."""
    for name in _family(client, alias):
        if name == live:
            continue
        meta = index_meta(client, name)
        state = meta.get("searchsvc_state")
        if state == "retired" and time.time() - float(meta.get("searchsvc_retired_at", 0)) < grace:
            continue
        if state in ("retired", "building", None):
            log.info("deleting %s index %s", state or "unknown", name)
            client.indices.delete(index=name, ignore_unavailable=True)


def indexed_hashes(client: OpenSearch, index: str) -> dict[str, str]:
    """id -> content hash of every document the index shows readers, read from doc values."""
    from opensearchpy.helpers import scan

    hashes: dict[str, str] = {}
    query = {"query": {"match_all": {}}, "_source": False, "docvalue_fields": ["hash"]}
    for hit in scan(client, index=index, query=query, size=2000, scroll="2m"):
        values = hit.get("fields", {}).get("hash")
        hashes[hit["_id"]] = values[0] if values else ""
    return hashes

