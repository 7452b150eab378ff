"""Where the index lives on disk, and who may write it.

Layout of the index folder::

    index/
      CURRENT        name of the live generation folder (replaced atomically)
      gen-<stamp>/   a complete Whoosh index; incremental runs commit into the live one
      state.json     last successful run and last failure (for `status`)
      writer.lock    held (flock) by whichever process is writing

Why generations: `index --rebuild` builds a fresh index beside the live one and
switches `CURRENT` with one atomic rename, so a reader never sees a half-built
index.  Incremental runs rely on Whoosh's own atomic commit (the TOC file is
written aside and renamed).  The lock is an flock: the kernel drops it when the
holder dies, so a SIGKILLed run never leaves a stale lock behind.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import shutil
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from whoosh import index as whoosh_index

from .errors import IndexBusy, IndexMissing

CURRENT = "CURRENT"
STATE = "state.json"
LOCK = "writer.lock"
GEN_PREFIX = "gen-"
# A generation that was replaced is kept this long so that servers still
# holding a searcher on it can finish their requests and refresh.
RETIRED_GRACE_SECONDS = 300


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomic(path: Path, data: str) -> None:
    """Write a small file so readers see either the old or the new content."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    # A file name that is not UTF-8 reaches state.json as lone surrogates (os.fsdecode);
    # inside a JSON string, backslashreplace writes them as their JSON escapes (\udcff).
    with open(tmp, "w", encoding="utf-8", errors="backslashreplace") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)


def current_generation(index_dir: Path) -> Path | None:
    """The live generation folder, or None when no index has been published."""
    try:
        name = (index_dir / CURRENT).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    path = index_dir / name
    if not name.startswith(GEN_PREFIX) or not whoosh_index.exists_in(str(path)):
        return None
    return path


def open_current(index_dir: Path) -> whoosh_index.Index:
    path = current_generation(index_dir)
    if path is None:
        raise IndexMissing(f"no index in {index_dir}; run `searchsvc index` first")
    return whoosh_index.open_dir(str(path))


def new_generation(index_dir: Path) -> Path:
    index_dir.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%S%f")
    path = index_dir / f"{GEN_PREFIX}{stamp}-{os.getpid()}"
    path.mkdir()
    return path


def publish(index_dir: Path, generation: Path) -> None:
    """Make `generation` the live index in one atomic step."""
    write_atomic(index_dir / CURRENT, generation.name + "\n")


def remove_stale_generations(index_dir: Path, keep: Path | None) -> list[str]:
    """Delete generations that are neither live nor recently retired.

    Also removes half-built generations left by a killed rebuild (never
    published, so never read by anyone).
    """
    removed = []
    now = time.time()
    for path in index_dir.glob(f"{GEN_PREFIX}*"):
        if not path.is_dir() or (keep is not None and path == keep):
            continue
        if now - path.stat().st_mtime < RETIRED_GRACE_SECONDS:
            continue
        shutil.rmtree(path, ignore_errors=True)
        removed.append(path.name)
    return removed


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


def index_size_bytes(generation: Path | None) -> int:
    if generation is None:
        return 0
    return sum(p.stat().st_size for p in generation.iterdir() if p.is_file())
