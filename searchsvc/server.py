"""Run the app under waitress (a production WSGI server with a thread pool).

With `workers` > 1 the listening socket is opened once and that many waitress
processes are forked to accept on it: searching is CPU work under Python's GIL,
so one process uses one core however many threads it has.  The reindex schedule
runs in the parent process only, so it runs exactly once however many workers
and threads answer requests.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
import time

from .settings import Settings

log = logging.getLogger(__name__)


def ensure_index(settings: Settings) -> None:
    """Build the index from the configured corpus if none has been published yet."""
    from .indexing.indexer import run_index
    from .open import open_target

    target = open_target(settings)
    if not target.exists():
        log.info("no index in %s: building it from %s", settings.index_dir, settings.corpus_dir)
        summary = run_index(settings.corpus_dir, settings.index_dir, wait=600, target=target,
                            max_file_bytes=settings.max_file_bytes)
        log.info("index built: %s", summary.line())


def serve(settings: Settings, host: str, port: int, threads: int = 8, workers: int = 1) -> None:
    """Serve until stopped.  `workers`: processes (0: one per CPU).

    The address is taken first, so a port in use is reported at once (OSError), before
    any indexing, and "serving on" is only logged for a socket that is really listening.
    """
    sock = socket.create_server((host, port), family=socket.AF_INET6 if ":" in host else socket.AF_INET,
                                backlog=1024)
    _allow_open_files()
    try:
        ensure_index(settings)
    except BaseException:
        sock.close()
        raise
    workers = workers if workers > 0 else (os.cpu_count() or 1)
    if workers == 1:
        with _schedule(settings):
            log.info("serving on http://%s:%d/ with %d threads", host, port, threads)
            _waitress(settings, threads, sockets=[sock])
        return
    children = [_fork_worker(settings, sock, threads) for _ in range(workers)]
    sock.close()  # the workers hold it
    log.info("serving on http://%s:%d/ with %d processes x %d threads", host, port, workers, threads)
    stopping = threading.Event()

    def stop(_signum, _frame) -> None:
        stopping.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    with _schedule(settings):  # started after forking: no threads are copied into the workers
        try:
            while not stopping.is_set():
                pid, _status = os.waitpid(-1, os.WNOHANG)
                if pid:  # a worker died: stop the service rather than serve at part strength
                    log.error("worker %d exited; stopping", pid)
                    break
                stopping.wait(0.5)
        finally:
            for pid in children:
                try:
                    os.kill(pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
            for pid in children:
                try:
                    os.waitpid(pid, 0)
                except ChildProcessError:
                    pass


def _allow_open_files() -> None:
    """Raise this process's open-file limit to what the system allows.

    Each thread's searcher keeps every segment's files open (about eight per segment,
    more once columns are read): 8 threads over 30 segments pass the soft limit of
    1024 that many systems set, and a search would then fail with EMFILE.
    """
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = hard if hard != resource.RLIM_INFINITY else max(soft, 65536)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
        except (ValueError, OSError):
            log.warning("could not raise the open-file limit from %d", soft)


def _fork_worker(settings: Settings, sock: socket.socket, threads: int) -> int:
    pid = os.fork()
    if pid:
        return pid
    code = 0
    try:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        _exit_with_parent()
        _waitress(settings, threads, sockets=[sock])
    except BaseException:  # noqa: BLE001 - a worker must never return into the parent's code
        log.exception("worker failed")
        code = 1
    finally:
        os._exit(code)


def _exit_with_parent() -> None:
    """End this worker when the parent is gone (even killed with SIGKILL): no orphan
    keeps the port."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(0)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _waitress(settings: Settings, threads: int, **listen) -> None:
    import waitress

    from .web.app import create_app

    # poll(), not select(): every thread's searcher keeps each segment's files open, so
    # an index of many segments puts the connections' descriptors past select()'s 1024.
    waitress.serve(create_app(settings), threads=threads, ident="searchsvc",
                   clear_untrusted_proxy_headers=True, asyncore_use_poll=True, **listen)


class _schedule:
    """The in-process reindex schedule, if configured, for the duration of a `with`."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.scheduler = None

    def __enter__(self):
        if self.settings.sources and not self.settings.reindex_every:
            log.warning("sources %s are configured but no --reindex-every: nothing will be fetched",
                        self.settings.sources)
        if self.settings.reindex_every:
            from .indexing.schedule import Scheduler, parse_interval
            from .open import open_target

            self.scheduler = Scheduler(self.settings, open_target(self.settings),
                                       parse_interval(self.settings.reindex_every))
            self.scheduler.start_background()
        return self

    def __exit__(self, *exc) -> None:
        if self.scheduler is not None:
            self.scheduler.stop()
