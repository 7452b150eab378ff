"""Bring the index in line with the corpus folder: add, update, delete, skip.

Change is judged by content (sha1 of the file's bytes, kept in the index beside
each document), so touching a file costs a hash, not a re-parse.  This module
decides what changed; the engine's `IndexTarget` (target.py) writes it.  The
writer lock and the record of the last run (state.py) live in the index folder
whatever the engine.  A file that
cannot be read or parsed is skipped and counted; if an earlier version of it
is indexed, that version stays searchable.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from ..errors import SearchServiceError
from ..ingest import Document, SkipFile, doc_id, file_hash, iter_corpus_files
from ..ingest.walk import DEFAULT_MAX_BYTES
from . import state
from .target import ChunkResult, IndexTarget

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]
# Called with the name of each phase after the files are read: "committing", "done".
Stage = Callable[[str], None]


@dataclass
class RunSummary:
    added: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0
    skipped: int = 0
    seconds: float = 0.0
    rebuilt: bool = False
    documents: int = 0
    generation: str = ""
    skipped_files: list[tuple[str, str]] = field(default_factory=list)

    @property
    def changed(self) -> int:
        return self.added + self.updated + self.deleted

    @property
    def docs_per_second(self) -> float:
        indexed = self.added + self.updated
        return indexed / self.seconds if self.seconds > 0 else 0.0

    def line(self) -> str:
        return (
            f"added {self.added}, updated {self.updated}, deleted {self.deleted}, "
            f"unchanged {self.unchanged}, skipped {self.skipped}; "
            f"{self.documents} documents in index; {self.seconds:.1f} s, "
            f"{self.docs_per_second:.0f} docs/s" + (" (rebuilt)" if self.rebuilt else "")
        )

    def to_dict(self) -> dict:
        data = asdict(self)
        data["docs_per_second"] = round(self.docs_per_second, 1)
        data["skipped_files"] = [{"id": i, "reason": r} for i, r in self.skipped_files]
        return data


def run_index(
    corpus_dir: Path,
    index_dir: Path,
    target: IndexTarget,
    *,
    rebuild: bool = False,
    wait: float = 0.0,
    progress: Progress | None = None,
    stage: Stage | None = None,
    max_file_bytes: int = DEFAULT_MAX_BYTES,
) -> RunSummary:
    """Update (or with `rebuild`, replace) the index from `corpus_dir`; return what happened.

    `target` is where the documents go (searchsvc.open.open_target); `index_dir` holds
    the writer lock and the record of runs (for the embedded index, the index too).
    One commit makes the new and changed documents and the deletions visible together.
    `progress(done, total)` is called per file read, then `stage(name)` with
    "committing" before the commit and "done" once the index is published.
    Raises IndexBusy when another run holds the writer lock (after `wait` seconds).
    The outcome, success or failure, is recorded in the index folder's state.json.
    """
    corpus_dir, index_dir = Path(corpus_dir), Path(index_dir)
    if not corpus_dir.is_dir():
        raise SearchServiceError(f"corpus folder {corpus_dir} does not exist")
    started = time.monotonic()
    with state.writer_lock(index_dir, wait=wait), target.writer_lock(wait):
        try:
            summary = _run_locked(corpus_dir, index_dir, target, rebuild, progress, max_file_bytes, stage)
        except Exception as exc:
            state.update_state(index_dir, last_failure={
                "time": _now(), "error": f"{type(exc).__name__}: {exc}"})
            raise
        summary.seconds = time.monotonic() - started
        state.update_state(
            index_dir,
            schema_version=target.schema_version,
            corpus_dir=str(corpus_dir.resolve()),
            last_success={"time": _now(), "summary": summary.to_dict()},
        )
    for doc, reason in summary.skipped_files:
        log.warning("skipped %s: %s", doc, reason)
    return summary


def index_documents(documents: Iterable[Document], index_dir: Path, target: IndexTarget) -> int:
    """A fresh index of `documents` (already read, not files), published at once as a
    `--rebuild` is; returns the document count.  For harnesses and importers that hold
    their documents in memory: the same writer, commit and switch as `run_index`."""
    index_dir = Path(index_dir)
    with state.writer_lock(index_dir), target.writer_lock(0.0):
        run = target.start(rebuild=True)
        try:
            run.write_documents(documents)
            count = run.commit()
        except BaseException:
            run.cancel()
            raise
        state.update_state(index_dir, schema_version=target.schema_version,
                           last_success={"time": _now(), "summary": {"documents": count, "rebuilt": True}})
    return count


def _now() -> str:
    return dt.datetime.now().astimezone().isoformat(timespec="seconds")


def _run_locked(
    corpus_dir: Path,
    index_dir: Path,
    target: IndexTarget,
    rebuild: bool,
    progress: Progress | None,
    max_file_bytes: int,
    stage: Stage | None = None,
) -> RunSummary:
    summary = RunSummary()
    published = target.published_schema() if not rebuild and target.exists() else target.schema_version
    if published != target.schema_version:
        log.warning("the index was built with schema %s (now %s): rebuilding", published, target.schema_version)
        rebuild = True
    run = target.start(rebuild)
    summary.rebuilt = run.rebuilt
    existing = run.known_hashes()

    unlistable: list[tuple[str, str]] = []
    # Paths as strings: at 84k files, Path objects held 39 MB of this process through the run.
    files = [str(path) for path in iter_corpus_files(corpus_dir, unlistable)]
    total = len(files)
    done = 0

    def tick(n: int = 1) -> None:
        nonlocal done
        if progress is not None:
            for _ in range(n):
                done += 1
                progress(done, total)

    # Decide what to (re)index.  A rebuild reads each file once (in the worker
    # that parses it); an incremental run hashes known files to skip unchanged ones.
    seen: set[str] = set()
    todo: list[str] = []
    if not existing:  # a rebuild or a first run: every file is read, none compared or deleted
        todo = files
    for path in files if existing else ():
        ident = doc_id(corpus_dir, path)
        seen.add(ident)
        if ident in existing:
            try:
                if existing[ident] == file_hash(corpus_dir, path, max_file_bytes):
                    summary.unchanged += 1
                    tick()
                    continue
            except SkipFile as exc:
                summary.skipped += 1
                summary.skipped_files.append((ident, exc.reason))
                tick()
                continue
        todo.append(path)
    # A folder we cannot list now (permissions, I/O error) is not a deleted
    # folder: keep what was indexed from it and say so.
    for prefix, reason in unlistable:
        kept = [ident for ident in existing if ident.startswith(prefix) and ident not in seen]
        seen.update(kept)
        summary.skipped += 1
        summary.skipped_files.append(
            (prefix, f"cannot list folder ({reason}); its {len(kept)} indexed documents are kept"))
    removed = sorted(existing.keys() - seen)

    try:
        def on_chunk(result: ChunkResult) -> None:
            updated = sum(1 for ident in result.indexed if ident in existing)
            summary.updated += updated
            summary.added += len(result.indexed) - updated
            summary.skipped += len(result.skipped)
            summary.skipped_files.extend(result.skipped)
            tick(result.files)

        run.write(corpus_dir, todo, max_file_bytes=max_file_bytes, on_chunk=on_chunk)
        run.delete(removed)
        summary.deleted += len(removed)
        if stage is not None:
            stage("committing")
        summary.documents = run.commit()
    except BaseException:
        run.cancel()
        raise
    summary.generation = run.name
    if stage is not None:
        stage("done")
    return summary
