"""The embedded Whoosh index as an `IndexTarget` (see searchsvc.indexing.target).

A run writes new segments in several processes (writer.py) and commits them in
one Whoosh commit together with the deletions.  A rebuild writes into a new
generation folder, published by switching `CURRENT` (store.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path

from whoosh import index as whoosh_index

from ..indexing.state import read_state
from ..indexing.target import ChunkResult, cpu_count
from ..ingest import Document
from . import store
from .schema import SCHEMA_VERSION, build_schema
from .writer import BulkSegmentWriter, build_document_segments, build_segments


class WhooshTarget:
    schema_version = SCHEMA_VERSION

    def __init__(self, index_dir: Path, *, procs: int = 0, limitmb: int = 192) -> None:
        """`procs` indexing processes (0: one per CPU), each writing segments of about `limitmb` MB."""
        self.index_dir = Path(index_dir)
        self.procs = procs if procs > 0 else cpu_count()
        self.limitmb = limitmb

    def exists(self) -> bool:
        return store.current_generation(self.index_dir) is not None

    def published_schema(self) -> int | None:
        return read_state(self.index_dir).get("schema_version")  # recorded by each successful run

    def writer_lock(self, wait: float) -> AbstractContextManager[None]:
        # The index lives in the index folder, so the folder's file lock covers it.
        return nullcontext()

    def start(self, rebuild: bool) -> WhooshRun:
        live = store.current_generation(self.index_dir)
        if rebuild or live is None:
            generation = store.new_generation(self.index_dir)
            return WhooshRun(self, generation, whoosh_index.create_in(str(generation), build_schema()), True)
        return WhooshRun(self, live, whoosh_index.open_dir(str(live)), False)


class WhooshRun:
    def __init__(self, target: WhooshTarget, generation: Path, ix: whoosh_index.Index, rebuilt: bool) -> None:
        self.target = target
        self.generation = generation
        self.name = generation.name
        self.rebuilt = rebuilt
        self.ix = ix
        self._known: dict[str, str] = {} if rebuilt else indexed_hashes(ix)
        self._segments: list = []
        self._changed = False
        self._writer = BulkSegmentWriter(ix, limitmb=target.limitmb)

    def known_hashes(self) -> dict[str, str]:
        return dict(self._known)

    def write(self, corpus_dir: Path, files: list[str], *, max_file_bytes: int,
              on_chunk: Callable[[ChunkResult], None]) -> None:
        if not files:
            return

        replaced: list[str] = []  # ids with an older version in the index (none in a rebuild)

        def collect(result: ChunkResult) -> None:
            replaced.extend(ident for ident in result.indexed if ident in self._known)
            self._changed |= bool(result.indexed)
            on_chunk(result)

        self._segments += build_segments(self.generation, corpus_dir, files, procs=self.target.procs,
                                         limitmb=self.target.limitmb, max_file_bytes=max_file_bytes,
                                         on_chunk=collect)
        # The new versions live in new segments; the old ones are deleted at commit.
        for ident in replaced:
            self._writer.delete_by_term("id", ident)

    def write_documents(self, documents: Iterable[Document]) -> list[str]:
        ids: list[str] = []

        def counted() -> Iterator[Document]:
            for doc in documents:
                ids.append(doc.id)
                yield doc

        self._segments += build_document_segments(self.generation, counted(), limitmb=self.target.limitmb)
        for ident in ids:
            if ident in self._known:
                self._writer.delete_by_term("id", ident)
        self._changed |= bool(ids)
        return ids

    def delete(self, doc_ids: list[str]) -> None:
        for ident in doc_ids:
            self._writer.delete_by_term("id", ident)
        self._changed |= bool(doc_ids)

    def commit(self) -> int:
        try:
            if self._changed or self.rebuilt:
                self._writer.commit_segments(self._segments)
            else:
                self._writer.cancel()
        except BaseException:
            self.cancel()
            raise
        index_dir = self.target.index_dir
        if self.rebuilt:
            store.publish(index_dir, self.generation)
        # Also clears generations left half-built by a killed rebuild (never published).
        store.remove_stale_generations(index_dir, keep=self.generation)
        with whoosh_index.open_dir(str(self.generation)).reader() as reader:
            return reader.doc_count()

    def cancel(self) -> None:
        # Segments written but never committed are deleted by the next commit's cleanup;
        # an unpublished generation by the next run's remove_stale_generations.
        if not self._writer.is_closed:
            self._writer.cancel()


def indexed_hashes(ix: whoosh_index.Index) -> dict[str, str]:
    """id -> content hash of every live document, read from columns (no stored fields)."""
    with ix.reader() as reader:
        if reader.doc_count_all() == 0:
            return {}  # an index built from an empty corpus has no segments, hence no columns to read
        # Each segment's columns read whole, in order (per-document look-ups through
        # the multi-segment reader cost twice as long at 84k articles).
        known: dict[str, str] = {}
        leaves = [leaf for leaf, _offset in reader.leaf_readers()] if not reader.is_atomic() else [reader]
        for leaf in leaves:
            deleted = leaf.deleted_docs_set if leaf.has_deletions() else frozenset()
            for n, (ident, content) in enumerate(zip(leaf.column_reader("id"), leaf.column_reader("hash"))):
                if n not in deleted:
                    known[ident] = content.hex()
        return known
