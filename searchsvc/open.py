"""Settings -> backend: the one place that chooses which engine holds the documents.

Web, CLI and server open their search service (and indexing its target) here,
and nowhere else name an engine.
"""

from __future__ import annotations

from .errors import SearchServiceError
from .indexing.target import IndexTarget
from .search.backend import SearchBackend
from .search.ranking import DEFAULT_RANKING, Ranking
from .search.service import SearchService
from .settings import Settings

BACKENDS = ("whoosh", "opensearch")


def _unknown(settings: Settings) -> SearchServiceError:
    return SearchServiceError(f"unknown backend {settings.backend!r} (known: {', '.join(BACKENDS)})")


def open_target(settings: Settings) -> IndexTarget:
    """Where `searchsvc index` writes the corpus (see indexing.indexer.run_index)."""
    if settings.backend == "whoosh":
        from .whoosh.target import WhooshTarget

        return WhooshTarget(settings.index_dir, procs=settings.index_procs, limitmb=settings.index_limitmb)
    if settings.backend == "opensearch":
        from .opensearch.target import OpenSearchTarget

        return OpenSearchTarget(settings)
    raise _unknown(settings)


def open_backend(settings: Settings, ranking: Ranking = DEFAULT_RANKING) -> SearchBackend:
    if settings.backend == "whoosh":
        from .whoosh.backend import WhooshBackend

        return WhooshBackend(settings.index_dir, ranking=ranking, refresh_interval=settings.refresh_interval)
    if settings.backend == "opensearch":
        from .opensearch.backend import OpenSearchBackend

        return OpenSearchBackend(settings, ranking=ranking)
    raise _unknown(settings)


def open_service(settings: Settings, ranking: Ranking = DEFAULT_RANKING) -> SearchService:
    """The search service the settings describe.  Opening touches no files: the index
    is read on the first search."""
    return SearchService(
        open_backend(settings, ranking),
        time_limit=settings.search_time_limit,
        max_query_chars=settings.max_query_chars,
        max_query_terms=settings.max_query_terms,
        result_cache=settings.result_cache_size,
        concurrency=settings.search_concurrency,
        approximate_below=settings.approximate_below,
    )
