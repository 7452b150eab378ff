"""Reindex on a fixed interval, in the foreground or beside the web server.

Each run is an ordinary incremental `index` pass.  A failed run is logged and
recorded in state.json, and the next run is tried at the next tick; a run that
finds another indexer holding the lock is skipped (logged), never queued.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
import threading
import time

from ..errors import IndexBusy
from ..settings import Settings
from ..files import write_atomic
from .target import IndexTarget

log = logging.getLogger("searchsvc.schedule")

SCHEDULE_FILE = "schedule.json"
_INTERVAL = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smh]?)\s*$", re.IGNORECASE)
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600}


def parse_interval(text: str) -> float:
    """Seconds in an interval like `15m`, `30s`, `1h` or `90` (seconds).

    >>> parse_interval("15m"), parse_interval("2h"), parse_interval("0.5s")
    (900.0, 7200.0, 0.5)
    """
    m = _INTERVAL.match(text or "")
    if not m or float(m.group(1)) <= 0:
        raise ValueError(f"not an interval: {text!r} (use e.g. 30s, 15m, 1h)")
    return float(m.group(1)) * _UNITS[m.group(2).lower()]


def _now() -> str:
    return dt.datetime.now().astimezone().isoformat(timespec="seconds")


def read_schedule(index_dir) -> dict:
    try:
        return json.loads((index_dir / SCHEDULE_FILE).read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return {}


class Scheduler:
    def __init__(self, settings: Settings, target: IndexTarget, every: float, label: str | None = None) -> None:
        """Index `settings.corpus_dir` into `target` every `every` seconds (fetching first
        when sources are configured)."""
        self.settings = settings
        self.target = target
        self.every = every
        self.label = label or settings.reindex_every or f"{every:g}s"
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.runs = 0
        self.failures = 0

    def _record(self, next_run: float) -> None:
        info = {
            "every": self.label,
            "every_seconds": self.every,
            "pid": os.getpid(),
            "next_run": dt.datetime.fromtimestamp(next_run).astimezone().isoformat(timespec="seconds"),
            "updated": _now(),
        }
        try:
            self.settings.index_dir.mkdir(parents=True, exist_ok=True)
            write_atomic(self.settings.index_dir / SCHEDULE_FILE, json.dumps(info))
        except OSError as exc:  # status is informative only; never stop reindexing for it
            log.warning("could not record schedule: %s", exc)

    def fetch_once(self) -> None:
        """Fetch the configured sources into the corpus first.  Never raises: a failed
        fetch is logged and the index is still brought up to date with what is on disk."""
        from ..fetch import FetchBusy, load_sources, run_fetch

        try:
            summary = run_fetch(load_sources(self.settings.sources), self.settings.corpus_dir)
        except FetchBusy as exc:
            log.info("fetch skipped: %s", exc.message)
        except Exception as exc:  # noqa: BLE001 - a failed fetch must not end the schedule
            log.error("fetch failed (will retry next run): %s: %s", type(exc).__name__, exc)
        else:
            log.info("fetch: %s", summary.line())

    def run_once(self) -> bool:
        """One incremental pass (after fetching, when sources are configured); True if the
        index pass succeeded.  Never raises."""
        from .indexer import run_index

        s = self.settings
        self.runs += 1
        if s.sources:
            self.fetch_once()
        try:
            summary = run_index(s.corpus_dir, s.index_dir, target=self.target, max_file_bytes=s.max_file_bytes)
        except IndexBusy as exc:
            log.info("reindex skipped: %s", exc.message)
            return False
        except Exception as exc:  # a failed run must not end the schedule
            self.failures += 1
            log.error("reindex failed (will retry next run): %s: %s", type(exc).__name__, exc)
            return False
        log.info("reindex: %s", summary.line())
        return True

    def run_forever(self, max_runs: int | None = None) -> None:
        next_run = time.time()
        while not self._stop.is_set():
            self.run_once()
            next_run = max(next_run + self.every, time.time())
            self._record(next_run)
            if max_runs is not None and self.runs >= max_runs:
                break
            self._stop.wait(max(0.0, next_run - time.time()))

    def start_background(self) -> None:
        self._thread = threading.Thread(target=self.run_forever, name="reindex-schedule", daemon=True)
        self._thread.start()

    def stop(self, timeout: float | None = 30) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
