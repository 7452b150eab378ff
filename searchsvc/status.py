"""What `searchsvc status` and `GET /api/status` report about the index."""

from __future__ import annotations

from . import store
from .fetch.run import read_last_fetch
from .schedule import read_schedule
from .settings import Settings


def collect_status(settings: Settings) -> dict:
    index_dir = settings.index_dir
    generation = store.current_generation(index_dir)
    state = store.read_state(index_dir)
    documents = None
    if generation is not None:
        from whoosh import index as whoosh_index

        with whoosh_index.open_dir(str(generation)).reader() as reader:
            documents = reader.doc_count()
    last_success = state.get("last_success")
    return {
        "index_dir": str(index_dir),
        "corpus_dir": str(settings.corpus_dir),
        "ready": generation is not None,
        "documents": documents,
        "generation": generation.name if generation else None,
        "index_bytes": store.index_size_bytes(generation),
        "last_success": last_success,
        "last_failure": state.get("last_failure"),
        "schedule": read_schedule(index_dir) or None,
        "schedule_configured": settings.reindex_every or None,
        "last_fetch": read_last_fetch(settings.corpus_dir),
        "sources_configured": settings.sources or None,
    }
