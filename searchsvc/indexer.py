"""Bring the index in line with the corpus folder: add, update, delete, skip.

Change is judged by content (sha1 of the file's bytes, kept in the index's
`hash` column), so touching a file costs a hash, not a re-parse.  A file that
cannot be read or parsed is skipped and counted; if an earlier version of it
is indexed, that version stays searchable.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

from whoosh import index as whoosh_index

from . import store
from .errors import SearchServiceError
from .ingest import SkipFile, iter_corpus_files, read_document
from .schema import SCHEMA_VERSION, build_schema, document_fields

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]


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


def doc_id(corpus_dir: Path, path: Path) -> str:
    """The stable document id: the path relative to the corpus folder, '/'-separated."""
    return path.relative_to(corpus_dir).as_posix()


def indexed_hashes(ix: whoosh_index.Index) -> dict[str, str]:
    """id -> content hash of every live document, read from columns (no stored fields)."""
    with ix.reader() as reader:
        ids = reader.column_reader("id")
        hashes = reader.column_reader("hash")
        return {ids[n]: hashes[n] for n in reader.all_doc_ids()}


def _read_hash(path: Path, max_bytes: int) -> str:
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise SkipFile(f"file too large ({size} bytes > limit {max_bytes})")
        return hashlib.sha1(path.read_bytes()).hexdigest()
    except PermissionError:
        raise SkipFile("permission denied") from None
    except FileNotFoundError:
        raise SkipFile("vanished while reading") from None
    except IsADirectoryError:
        raise SkipFile("is a directory") from None
    except OSError as exc:
        raise SkipFile(f"cannot read: {exc.strerror or exc}") from None


def run_index(
    corpus_dir: Path,
    index_dir: Path,
    *,
    rebuild: bool = False,
    wait: float = 0.0,
    progress: Progress | None = None,
    procs: int = 1,
    limitmb: int = 256,
    max_file_bytes: int = 20 * 1024 * 1024,
) -> RunSummary:
    """Update (or with `rebuild`, replace) the index from `corpus_dir`; return what happened.

    Raises IndexBusy when another run holds the writer lock (after `wait` seconds).
    The outcome, success or failure, is recorded in the index folder's state.json.
    """
    corpus_dir, index_dir = Path(corpus_dir), Path(index_dir)
    if not corpus_dir.is_dir():
        raise SearchServiceError(f"corpus folder {corpus_dir} does not exist")
    started = time.monotonic()
    with store.writer_lock(index_dir, wait=wait):
        try:
            summary = _run_locked(corpus_dir, index_dir, rebuild, progress, procs, limitmb, max_file_bytes)
        except Exception as exc:
            store.update_state(index_dir, last_failure={
                "time": _now(), "error": f"{type(exc).__name__}: {exc}"})
            raise
        summary.seconds = time.monotonic() - started
        store.update_state(
            index_dir,
            schema_version=SCHEMA_VERSION,
            corpus_dir=str(corpus_dir.resolve()),
            last_success={"time": _now(), "summary": summary.to_dict()},
        )
    for doc, reason in summary.skipped_files:
        log.warning("skipped %s: %s", doc, reason)
    return summary


def _now() -> str:
    return dt.datetime.now().astimezone().isoformat(timespec="seconds")


def _run_locked(
    corpus_dir: Path,
    index_dir: Path,
    rebuild: bool,
    progress: Progress | None,
    procs: int,
    limitmb: int,
    max_file_bytes: int,
) -> RunSummary:
    summary = RunSummary()
    live = store.current_generation(index_dir)
    if live is not None and store.read_state(index_dir).get("schema_version") != SCHEMA_VERSION:
        log.warning("index was built with another schema version: rebuilding")
        rebuild = True
    if rebuild or live is None:
        target = store.new_generation(index_dir)
        ix = whoosh_index.create_in(str(target), build_schema())
        existing: dict[str, str] = {}
        summary.rebuilt = True
    else:
        target = live
        ix = whoosh_index.open_dir(str(live))
        existing = indexed_hashes(ix)

    files = list(iter_corpus_files(corpus_dir))
    seen: set[str] = set()
    writer = ix.writer(procs=procs, multisegment=procs > 1, limitmb=limitmb)
    try:
        for done, path in enumerate(files, 1):
            ident = doc_id(corpus_dir, path)
            seen.add(ident)
            try:
                content_hash = _read_hash(path, max_file_bytes)
                if existing.get(ident) == content_hash:
                    summary.unchanged += 1
                else:
                    doc = read_document(corpus_dir, path, max_bytes=max_file_bytes)
                    if ident in existing:
                        writer.update_document(**document_fields(doc))
                        summary.updated += 1
                    else:
                        writer.add_document(**document_fields(doc))
                        summary.added += 1
            except SkipFile as exc:
                summary.skipped += 1
                summary.skipped_files.append((ident, exc.reason))
            if progress is not None:
                progress(done, len(files))
        for ident in existing.keys() - seen:
            writer.delete_by_term("id", ident)
            summary.deleted += 1
        if summary.changed or summary.rebuilt:
            writer.commit()
        else:
            writer.cancel()
    except BaseException:
        writer.cancel()
        raise

    if summary.rebuilt:
        store.publish(index_dir, target)
        store.remove_stale_generations(index_dir, keep=target)
    with whoosh_index.open_dir(str(target)).reader() as reader:
        summary.documents = reader.doc_count()
    summary.generation = target.name
    return summary
