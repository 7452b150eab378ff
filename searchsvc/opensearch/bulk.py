"""Bulk requests that survive a busy or failing cluster.

A bulk request can fail whole (the node went away, the connection timed out, the
cluster answered 5xx) or in part (some items rejected with 429 while a queue was
full, a shard being relocated).  Both are retried with exponential backoff, only
for the items that still need it.  An item the cluster refuses for good (a
mapping error, an id too long) is returned with the cluster's reason, so the
caller reports it per document; nothing is dropped without a word.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from opensearchpy import OpenSearch
from opensearchpy.exceptions import ConnectionError as ClusterConnectionError
from opensearchpy.exceptions import ConnectionTimeout, TransportError

log = logging.getLogger(__name__)

# A failure worth retrying: throttled, or a node/shard not available right now.
RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})


@dataclass(frozen=True)
class Action:
    """One bulk item: index `source` under `doc_id`, or (source None) delete `doc_id`."""

    doc_id: str
    source: dict[str, Any] | None = None


def _lines(index: str, actions: Sequence[Action]) -> list[dict]:
    body: list[dict] = []
    for action in actions:
        if action.source is None:
            body.append({"delete": {"_index": index, "_id": action.doc_id}})
        else:
            body.append({"index": {"_index": index, "_id": action.doc_id}})
            body.append(action.source)
    return body


def _reason(item: dict) -> str:
    error = item.get("error")
    if isinstance(error, dict):
        return f"{error.get('type', 'error')}: {error.get('reason', '')}".strip()
    return str(error or f"status {item.get('status')}")


def send(client: OpenSearch, index: str, actions: Sequence[Action], *, attempts: int = 6,
         backoff: float = 0.5, timeout: float = 120.0) -> dict[str, str]:
    """Apply `actions` to `index`; return {doc id: reason} for the items that failed for good.

    A delete of a document that is not there counts as done."""
    pending = list(actions)
    failed: dict[str, str] = {}
    last = ""
    for attempt in range(attempts):
        if attempt:
            time.sleep(min(30.0, backoff * 2 ** (attempt - 1)) * (0.5 + random.random()))
        try:
            response = client.bulk(body=_lines(index, pending), request_timeout=timeout)
        except (ClusterConnectionError, ConnectionTimeout) as exc:
            log.warning("bulk request of %d items failed (%s); retrying", len(pending), exc)
            last = f"cluster unreachable: {exc}"
            continue
        except TransportError as exc:
            if exc.status_code in RETRY_STATUSES:
                log.warning("bulk request answered %s; retrying", exc.status_code)
                last = f"cluster answered {exc.status_code}"
                continue
            raise
        retry: list[Action] = []
        for action, entry in zip(pending, response["items"]):
            item = next(iter(entry.values()))
            status = item.get("status", 500)
            if status < 300 or (action.source is None and status == 404):
                continue
            if status in RETRY_STATUSES:
                retry.append(action)
                last = _reason(item)
            else:
                failed[action.doc_id] = _reason(item)
        pending = retry
        if not pending:
            return failed
    for action in pending:
        failed[action.doc_id] = f"still failing after {attempts} attempts ({last})"
    return failed
