"""What the index folder holds besides the index itself, and who may write it.

    index/
      state.json     last successful run and last failure (for `status`)
      writer.lock    held (flock) by whichever process is writing

The lock is an flock: the kernel drops it when the holder dies, so a SIGKILLed
run never leaves a stale lock behind.  Whatever backend holds the documents
(an index folder of its own, a cluster), one run writes at a time.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from ..errors import IndexBusy
from ..files import flock_within, write_atomic

STATE = "state.json"
LOCK = "writer.lock"


@contextmanager
def writer_lock(index_dir: Path, wait: float = 0.0) -> Iterator[None]:
    """Hold the single-writer lock; raise IndexBusy if another run holds it.

    `wait` seconds are spent retrying before giving up (0: fail at once).
    """
    index_dir.mkdir(parents=True, exist_ok=True)
    path = index_dir / LOCK
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        if not flock_within(fd, wait):
            holder = os.pread(fd, 200, 0).decode("utf-8", "replace").strip()
            raise IndexBusy(
                f"another indexing run is writing {index_dir} ({holder or 'holder unknown'}); "
                "nothing was changed by this run"
            )
        started = dt.datetime.now().isoformat(timespec="seconds")
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()} since {started}".encode(), 0)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the flock


def read_state(index_dir: Path) -> dict[str, Any]:
    try:
        return json.loads((index_dir / STATE).read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return {}


def update_state(index_dir: Path, **changes: Any) -> dict[str, Any]:
    """Merge `changes` into state.json (callers hold the writer lock)."""
    state = read_state(index_dir)
    state.update(changes)
    index_dir.mkdir(parents=True, exist_ok=True)
    write_atomic(index_dir / STATE, json.dumps(state, ensure_ascii=False, indent=2, default=str))
    return state


