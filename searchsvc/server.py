"""Run the app under waitress (a production WSGI server with a thread pool).

One process serves all threads, so an in-process reindex schedule runs exactly
once however many threads answer requests.
"""

from __future__ import annotations

import logging

from .settings import Settings

log = logging.getLogger(__name__)


def ensure_index(settings: Settings) -> None:
    """Build the index from the configured corpus if none has been published yet."""
    from . import store
    from .indexer import run_index

    if store.current_generation(settings.index_dir) is None:
        log.info("no index in %s: building it from %s", settings.index_dir, settings.corpus_dir)
        summary = run_index(settings.corpus_dir, settings.index_dir, wait=600,
                            procs=settings.index_procs, limitmb=settings.index_limitmb,
                            max_file_bytes=settings.max_file_bytes)
        log.info("index built: %s", summary.line())


def serve(settings: Settings, host: str, port: int, threads: int = 8) -> None:
    import waitress

    from .web.app import create_app

    ensure_index(settings)
    app = create_app(settings)
    scheduler = None
    if settings.reindex_every:
        from .schedule import Scheduler, parse_interval

        scheduler = Scheduler(settings, parse_interval(settings.reindex_every))
        scheduler.start_background()
    log.info("serving on http://%s:%d/ with %d threads", host, port, threads)
    try:
        waitress.serve(app, host=host, port=port, threads=threads, ident="searchsvc",
                       clear_untrusted_proxy_headers=True)
    finally:
        if scheduler is not None:
            scheduler.stop()
