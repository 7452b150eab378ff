"""Where the Whoosh index lives on disk.

Layout of the index folder (beside state.json and writer.lock, see indexing.state)::

    index/
      CURRENT        name of the live generation folder (replaced atomically)
      gen-<stamp>/   a complete Whoosh index; incremental runs commit into the live one

Why generations: `index --rebuild` builds a fresh index beside the live one and
switches `CURRENT` with one atomic rename, so a reader never sees a half-built
index.  Incremental runs rely on Whoosh's own atomic commit (the TOC file is
written aside and renamed).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import time
from pathlib import Path

from whoosh import index as whoosh_index

from ..files import write_atomic

CURRENT = "CURRENT"
GEN_PREFIX = "gen-"
# A generation that was replaced is kept this long so that servers still
# holding a searcher on it can finish their requests and refresh.
RETIRED_GRACE_SECONDS = 300


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


def index_size_bytes(generation: Path | None) -> int:
    if generation is None:
        return 0
    return sum(p.stat().st_size for p in generation.iterdir() if p.is_file())
