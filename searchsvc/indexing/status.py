"""What `searchsvc status` and `GET /api/status` report about the index."""

from __future__ import annotations

from ..errors import IndexMissing
from ..search.backend import SearchBackend
from ..settings import Settings
from . import state
from .schedule import read_schedule


def collect_status(settings: Settings, backend: SearchBackend) -> dict:
    """The index as `backend` serves it, and the record of runs, schedule and fetches."""
    # Here, not at the top: the fetcher loads httpx (and with it click), which the
    # indexing package does not need otherwise.
    from ..fetch.run import read_last_fetch

    index_dir = settings.index_dir
    try:
        served = backend.stats()
    except IndexMissing:
        served = {"documents": None, "generation": None, "index_bytes": 0}
    record = state.read_state(index_dir)
    last_success = record.get("last_success")
    return {
        "index_dir": str(index_dir),
        "corpus_dir": str(settings.corpus_dir),
        "ready": served["documents"] is not None,
        "documents": served["documents"],
        "generation": served["generation"],
        "index_bytes": served["index_bytes"],
        # The cluster backend's view of its cluster (health, nodes, alias, index); None for an index folder.
        "cluster": served.get("cluster"),
        "last_success": last_success,
        "last_failure": record.get("last_failure"),
        "schedule": read_schedule(index_dir) or None,
        "schedule_configured": settings.reindex_every or None,
        "last_fetch": read_last_fetch(settings.corpus_dir),
        "sources_configured": settings.sources or None,
    }
