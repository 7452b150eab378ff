"""What indexing needs from an engine: the `IndexTarget` protocol.

The indexer (indexer.py) decides *what* changed in the corpus folder; a target
decides *how* documents reach its engine.  One run of the indexer is one
`IndexRun`: read the hashes the index holds, write the new and changed files,
delete the removed ones, then commit (or cancel).  Nothing is visible to readers
before `commit`, and a run started with `rebuild` becomes visible all at once.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from ..ingest import Document


@dataclass
class ChunkResult:
    """What happened to one chunk of files written by a run."""

    indexed: list[str] = field(default_factory=list)  # ids whose new version is written
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (id, reason)
    files: int = 0


class IndexRun(Protocol):
    """One indexing pass into a target, from `IndexTarget.start` to `commit` or `cancel`."""

    rebuilt: bool  # a fresh index, published whole by `commit`
    name: str  # which index receives the documents (a generation, a concrete index name)

    def known_hashes(self) -> dict[str, str]:
        """Document id -> content hash of every document the index holds (empty when rebuilt)."""

    def write(self, corpus_dir: Path, files: list[str], *, max_file_bytes: int,
              on_chunk: Callable[[ChunkResult], None]) -> None:
        """Read, analyse and write `files`; a document already indexed is replaced.
        Files that cannot be read are reported as skipped in `on_chunk`, never raised."""

    def write_documents(self, documents: Iterable[Document]) -> list[str]:
        """Write documents already read (by an importer or an evaluation harness, say);
        a document already indexed is replaced.  Returns their ids."""

    def delete(self, doc_ids: list[str]) -> None:
        """Remove these documents at commit."""

    def commit(self) -> int:
        """Make everything written and deleted visible at once; return the document count."""

    def cancel(self) -> None:
        """Drop what was written; readers keep the index as it was."""


class IndexTarget(Protocol):
    """Where the indexer's documents go (see searchsvc.open.open_target)."""

    # Version of what is stored per document (fields, analysis).  An index written
    # under another version is rebuilt rather than updated.
    schema_version: int

    def exists(self) -> bool:
        """Whether an index has been published (searchable, possibly empty)."""

    def published_schema(self) -> int | None:
        """The `schema_version` the published index was written under, if known."""

    def start(self, rebuild: bool) -> IndexRun:
        """Begin a run: into the live index, or (`rebuild`, or none exists) into a new one."""

    def writer_lock(self, wait: float) -> AbstractContextManager[None]:
        """What keeps a second run from writing while this one does, beyond the index
        folder's file lock (state.writer_lock), which every run holds first.  Raises
        IndexBusy, after `wait` seconds, when another run holds it."""


def cpu_count() -> int:
    """CPUs this process may run on: the default number of indexing processes."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
