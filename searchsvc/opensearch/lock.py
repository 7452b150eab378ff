"""One indexing run at a time per alias, across machines: a lock document in the cluster.

The embedded index's writer lock is a file lock in the index folder.  Indexers of
one cluster alias may run on different machines, which that file cannot see, so
the cluster holds the lock: one document, `writer`, in the small index
`<alias>.writer`.  It is created with `op_type=create` (the cluster refuses a
second one) and deleted when the run ends.

A run killed outright (`kill -9`, a machine lost) cannot delete it, so the holder
renews a `heartbeat` every HEARTBEAT_EVERY seconds, and a lock whose heartbeat is
older than STALE_AFTER seconds is taken over.  Taking over, renewing and releasing
are conditional on the document's sequence number: of two runs that both find a
stale lock only one wins, and a holder never deletes a lock someone took from it.
Heartbeats are wall-clock times of the machines involved; STALE_AFTER is long
enough that ordinary clock skew between them does not matter.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from opensearchpy import OpenSearch
from opensearchpy.exceptions import ConflictError, NotFoundError, RequestError

from ..errors import IndexBusy

log = logging.getLogger(__name__)

LOCK_ID = "writer"
HEARTBEAT_EVERY = 30.0
STALE_AFTER = 600.0
# How often a run waiting for the lock (`searchsvc index --wait`) asks again.
POLL_EVERY = 1.0


def lock_index(alias: str) -> str:
    """The lock's index: not `<alias>-*`, the pattern of the concrete indexes."""
    return f"{alias}.writer"


def _ensure_index(client: OpenSearch, name: str) -> None:
    try:
        client.indices.create(index=name, body={"settings": {
            "index": {"number_of_shards": 1, "auto_expand_replicas": "0-1"}},
            "mappings": {"dynamic": "strict", "properties": {
                "holder": {"type": "keyword"}, "since": {"type": "keyword"}, "heartbeat": {"type": "double"}}}})
    except RequestError as exc:
        if exc.error != "resource_already_exists_exception":
            raise


class ClusterWriterLock:
    """The lock document of one alias; `hold(wait)` is the context a run writes in."""

    def __init__(self, client: OpenSearch, alias: str) -> None:
        self.client = client
        self.index = lock_index(alias)
        self.alias = alias
        self.holder = f"{socket.gethostname()} pid {os.getpid()}"
        self._version: tuple[int, int] | None = None  # (seq_no, primary_term) of our document
        self._since = ""
        self._stop = threading.Event()
        self.lost = False

    @contextmanager
    def hold(self, wait: float = 0.0) -> Iterator[None]:
        """Hold the lock while the block runs; raise IndexBusy if another run holds it
        after `wait` seconds (0: ask once)."""
        _ensure_index(self.client, self.index)
        deadline = time.monotonic() + wait
        while not self._acquire():
            if time.monotonic() >= deadline:
                raise IndexBusy(f"another indexing run is writing to the cluster alias {self.alias} "
                                f"({self._describe_holder()}); nothing was changed by this run")
            time.sleep(POLL_EVERY)
        beat = threading.Thread(target=self._beat, name="cluster-writer-lock", daemon=True)
        beat.start()
        try:
            yield
        finally:
            self._stop.set()
            beat.join()
            self._release()

    def _body(self) -> dict:
        return {"holder": self.holder, "since": self._since, "heartbeat": time.time()}

    def _acquire(self) -> bool:
        self._since = dt.datetime.now().astimezone().isoformat(timespec="seconds")
        try:
            r = self.client.index(index=self.index, id=LOCK_ID, body=self._body(), op_type="create", refresh=True)
        except ConflictError:
            return self._take_over_if_stale()
        self._version = (r["_seq_no"], r["_primary_term"])
        return True

    def _current(self) -> dict | None:
        try:
            return self.client.get(index=self.index, id=LOCK_ID)
        except NotFoundError:
            return None

    def _take_over_if_stale(self) -> bool:
        doc = self._current()
        if doc is None:
            return False  # released meanwhile: the next try creates it
        age = time.time() - float(doc["_source"].get("heartbeat", 0))
        if age < STALE_AFTER:
            return False
        try:
            r = self.client.index(index=self.index, id=LOCK_ID, body=self._body(), refresh=True,
                                  if_seq_no=doc["_seq_no"], if_primary_term=doc["_primary_term"])
        except ConflictError:
            return False  # another run took it first
        log.warning("took over the cluster writer lock of %s: %s had not renewed it for %.0f s",
                    self.alias, doc["_source"].get("holder"), age)
        self._version = (r["_seq_no"], r["_primary_term"])
        return True

    def _describe_holder(self) -> str:
        doc = self._current()
        if doc is None:
            return "holder unknown"
        source = doc["_source"]
        return f"{source.get('holder')} since {source.get('since')}"

    def _beat(self) -> None:
        """Renew the heartbeat until the run ends; note it if the lock was taken from us."""
        while not self._stop.wait(HEARTBEAT_EVERY):
            seq_no, term = self._version or (0, 0)
            try:
                r = self.client.index(index=self.index, id=LOCK_ID, body=self._body(), refresh=True,
                                      if_seq_no=seq_no, if_primary_term=term)
                self._version = (r["_seq_no"], r["_primary_term"])
            except ConflictError:
                self.lost = True
                log.error("the cluster writer lock of %s was taken over by another run (no heartbeat for "
                          "%.0f s?): two runs may now be writing", self.alias, STALE_AFTER)
                return
            except Exception as exc:  # the cluster briefly away: the run's own requests will say so
                log.warning("could not renew the cluster writer lock of %s: %s", self.alias, exc)

    def _release(self) -> None:
        if self._version is None or self.lost:
            return
        seq_no, term = self._version
        try:
            self.client.delete(index=self.index, id=LOCK_ID, refresh=True, if_seq_no=seq_no, if_primary_term=term)
        except (ConflictError, NotFoundError):
            log.warning("the cluster writer lock of %s was no longer ours at the end of the run", self.alias)
        except Exception as exc:  # noqa: BLE001 - the run's own outcome matters more; the next run takes over
            log.warning("could not release the cluster writer lock of %s (the next run takes it over "
                        "after %.0f s): %s", self.alias, STALE_AFTER, exc)
