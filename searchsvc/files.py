"""Small files several processes share: written atomically, guarded by flocks.

The indexer's run record and lock, the fetcher's record and lock, and the live
generation pointer all rely on these two guarantees.
"""

from __future__ import annotations

import fcntl
import os
import time
from pathlib import Path


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomic(path: Path, data: str) -> None:
    """Write a small file so readers see either the old or the new content."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    # A file name that is not UTF-8 reaches a JSON record as lone surrogates (os.fsdecode);
    # inside a JSON string, backslashreplace writes them as their JSON escapes (\udcff).
    with open(tmp, "w", encoding="utf-8", errors="backslashreplace") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)


def flock_within(fd: int, wait: float) -> bool:
    """Take an exclusive flock on `fd`, retrying for up to `wait` seconds; False if never free.

    The kernel releases it when the process dies, however it dies."""
    deadline = time.monotonic() + wait
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.2)
