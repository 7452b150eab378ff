"""Bulk segment writing: Whoosh's writer with a cheaper path per posting.

Profiling `searchsvc index` (pyinstrument, 2,000 VNTC articles) showed ~830
postings per article and, per posting, three kinds of pure-Python work:
Whoosh's generic analysis plumbing (a Token object per token, then
`Format.word_values`), its external-sort pool (each posting kept as a 5-tuple,
sorted, pickled to a run file one by one and unpickled again at commit), and the
codec writing the posting lists.  Only the last is unavoidable.

`BulkSegmentWriter` is a `SegmentWriter` that
  * builds the postings of the syllable fields straight from the analysis rows
    (same terms, frequencies, weights and encoded positions as Whoosh's own
    path: `tests/test_segwriter.py` compares the two indexes posting by posting);
  * keeps postings grouped by field and term in memory (documents arrive in
    docnum order, so each posting list is already sorted) and hands them to the
    codec directly, a block at a time, with no run files;
  * writes the pair fields' postings only as flat arrays (FLAT_ONLY_FIELDS), the
    other fields' both through the codec and as flat arrays;
  * reports an estimate of the memory it holds, so the caller can close the
    segment and start another when it reaches its budget (`limitmb`).

`build_segments()` feeds corpus files to such writers in one process or in
several worker processes; each worker writes whole segments and the caller
adds them to the index in one commit (as Whoosh's `multisegment=True` does).
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import queue
import signal
import sys
import threading
import traceback
from array import array
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
from whoosh import formats
from whoosh import index as whoosh_index
from whoosh.system import pack_uint
from whoosh.util.numeric import byte_to_length, length_to_byte
from whoosh.writing import SegmentWriter

from ..analysis import written_pairs
from ..indexing.target import ChunkResult
from ..ingest import Document, SkipFile, doc_id, read_document
from .analyzers import _SyllableTokenizer, analyzed
from .codec import CompactCodec, CompactPositions
from .flatpostings import FlatPostings, FlatPostingsWriter, term_key
from .schema import document_fields
from .writtenpairs import WrittenPairs, WrittenPairsWriter

# Bytes per kept posting and per distinct term, fitted with tracemalloc on
# 1,000 VNTC articles (796k postings, 141k terms: 72 MB); used only to decide
# when to close a segment.
_POSTING_BYTES = 60
_TERM_BYTES = 200

# Whose written pairs the segment counts (writtenpairs.py): the body's, the text
# did-you-mean's pair counts have always been taken from.
WRITTEN_PAIRS_FIELD = "exact"
STORED_BODY = "body"  # the same text, stored

# Fields whose postings an index on disk keeps only as flat arrays (flatpostings.py),
# not also in Whoosh's posting and term files.  Adjacent-syllable pairs are four in
# five of a segment's terms, most in one document; Whoosh's per-term cost (a pickled
# block, a term-index row) for them was about a third of a build's time and 40% of
# the index on disk.  Queries read pair postings as arrays (IndexArrays.postings,
# evaluate.py); what still asks Whoosh sees them through flatview.py.
FLAT_ONLY_FIELDS = frozenset({"pairs", "title_pairs"})


class _TermPool:
    """Postings grouped as field -> term bytes -> flat [docnum, weight, value, ...] list.

    Also accepts Whoosh's `add((fieldname, tbytes, docnum, weight, value))`,
    which `add_reader` (segment merges) uses.
    """

    def __init__(self) -> None:
        self.fields: dict[str, dict[bytes, list]] = {}
        self.fieldnames: set[str] = set()
        # Postings of FLAT_ONLY_FIELDS read back from merged segments, which know
        # each term by its key only: field -> key -> [(docnums, weights), ...].
        self.merged: dict[str, dict[int, list[tuple[np.ndarray, np.ndarray]]]] = {}
        self.postings = 0
        self.terms = 0

    def add_merged(self, fieldname: str, key: int, ids: np.ndarray, tf: np.ndarray) -> None:
        chunks = self.merged.setdefault(fieldname, {}).setdefault(key, [])
        if not chunks:
            self.terms += 1
        chunks.append((ids, tf))
        self.postings += len(ids)

    def terms_of(self, fieldname: str) -> dict[bytes, list]:
        terms = self.fields.get(fieldname)
        if terms is None:
            terms = self.fields[fieldname] = {}
            self.fieldnames.add(fieldname)
        return terms

    def add(self, item: tuple) -> None:
        fieldname, tbytes, docnum, weight, value = item
        terms = self.terms_of(fieldname)
        flat = terms.get(tbytes)
        if flat is None:
            terms[tbytes] = [docnum, weight, value]
            self.terms += 1
        else:
            flat += (docnum, weight, value)
        self.postings += 1

    def memory_estimate(self) -> int:
        return self.postings * _POSTING_BYTES + self.terms * _TERM_BYTES

    def iter_postings(self) -> Iterator[tuple]:
        for fieldname in sorted(self.fields):
            terms = self.fields[fieldname]
            for tbytes in sorted(terms):
                flat = terms[tbytes]
                for i in range(0, len(flat), 3):
                    yield fieldname, tbytes, flat[i], flat[i + 1], flat[i + 2]

    def save(self) -> None:  # Whoosh's pool API; nothing is ever spilled
        pass

    def cleanup(self) -> None:
        self.fields.clear()
        self.merged.clear()


class _PositionTrackingFile:
    """A file being written whose position is counted, not asked of the OS.

    The codec asks `tell()` several times per term (where a posting list starts,
    where a term-index row goes); on a real file each is an lseek system call,
    and a 20k-article build spent 8% of its samples there.
    """

    def __init__(self, raw: Any) -> None:
        self._raw = raw
        self._pos = raw.tell()

    def write(self, data: bytes) -> int:
        self._raw.write(data)
        self._pos += len(data)
        return len(data)

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        self._pos = self._raw.seek(offset, whence)
        return self._pos

    def __getattr__(self, name: str) -> Any:
        return getattr(self._raw, name)


def _track_position(structfile: Any) -> None:
    structfile.file = _PositionTrackingFile(structfile.file)


def _stored_length(length: int) -> int:
    """A field length as the codec reads it back: quantised to one byte (0 stays 0)."""
    code = length_to_byte(length)
    return byte_to_length(code) if code else 0


class _LengthsOf:
    """Field lengths by docnum, read through a codec accessor (segments with merged-in documents)."""

    def __init__(self, get: Callable[[int], int]) -> None:
        self._get = get

    def __getitem__(self, docnum: int) -> int:
        return self._get(docnum)


class _NoLengths:
    def __getitem__(self, docnum: int) -> int:
        return 0


_NO_LENGTHS = _NoLengths()


def _add_postings(postwriter: Any, flat: list, lengths: Any) -> None:
    """One term's pooled postings [docnum, weight, value, ...] into whoosh3's postings writer.

    The same blocks and block statistics as `W3PostingsWriter.add_posting` called once
    per posting builds (a block is written when the next one starts; the last at
    `finish_postings`), set a block at a time instead of a posting at a time.
    """
    limit = postwriter._blocklimit
    ids, weights, values = flat[0::3], flat[1::3], flat[2::3]
    for start in range(0, len(ids), limit):
        if start:
            postwriter._write_block()
        block_ids = ids[start:start + limit]
        block_weights = weights[start:start + limit]
        postwriter._ids = array("I", block_ids)
        postwriter._weights = array("f", block_weights)
        postwriter._values = [v for v in values[start:start + limit] if v]
        postwriter._maxweight = max(0, max(block_weights))
        block_lengths = [n for n in (lengths[d] for d in block_ids) if n]
        postwriter._minlength = min(block_lengths) if block_lengths else None
        postwriter._maxlength = max(block_lengths) if block_lengths else 0


def _add_flat_field(flat_out: FlatPostingsWriter, fieldname: str, terms: dict[bytes, list],
                    merged: dict[int, list[tuple[np.ndarray, np.ndarray]]]) -> None:
    """One FLAT_ONLY_FIELDS field's postings, pooled by term and merged in by key, to flat_out."""
    if not merged:
        for tbytes, flat in terms.items():
            flat_out.add(fieldname, tbytes, flat)
        return
    for tbytes, flat in terms.items():
        ids = np.array(flat[0::3], dtype=np.int64)
        merged.setdefault(term_key(fieldname, tbytes), []).append((ids, np.array(flat[1::3], dtype=np.float32)))
    for key, chunks in merged.items():
        ids = np.concatenate([c[0] for c in chunks])
        tf = np.concatenate([c[1] for c in chunks])
        if len(chunks) > 1 and bool((np.diff(ids) < 0).any()):  # sources interleave: docnum order
            order = np.argsort(ids, kind="stable")
            ids, tf = ids[order], tf[order]
        flat_out.add_arrays(fieldname, key, ids, tf)


class BulkSegmentWriter(SegmentWriter):
    """A SegmentWriter whose postings go through `_TermPool` (see module docstring)."""

    def __init__(self, ix: whoosh_index.Index, **kwargs: Any) -> None:
        # Plain segment files, not one compound file: whoosh3 opens a compound
        # file's parts through BytesIO copies of the mapped file, so every
        # searcher held a private copy of all postings and term indexes (1.6 GB
        # per searcher at 84k articles, one searcher per server thread).
        kwargs.setdefault("compound", False)
        kwargs.setdefault("codec", CompactCodec())
        super().__init__(ix, **kwargs)
        self.pool = _TermPool()
        self._plans: dict[str, tuple] = {}
        # Shared value objects: a weight or a Frequency value is one of a few
        # small numbers, so postings point at cached objects instead of new ones.
        self._floats: dict[int, float] = {}
        self._freqbytes: dict[int, bytes] = {}
        self.written_pairs = WrittenPairsWriter()
        _track_position(self.fieldwriter._postfile)
        _track_position(self.fieldwriter._tindex.dbfile)
        # Each document's field lengths as the codec will read them back, so that
        # writing the postings need not read them back from the length columns;
        # None once a merged-in segment brought documents this writer did not see.
        self._lengths: dict[str, list[int]] | None = {}
        self._quantised: dict[int, int] = {}
        # Position lists of one position (most terms in a document) encoded once.
        self._single_positions: dict[int, bytes] = {}

    def memory_estimate(self) -> int:
        return self.pool.memory_estimate() + self.written_pairs.memory_estimate()

    def _plan(self, fieldname: str) -> tuple:
        """(field, how) for a field: 'positions'/'frequency' fast paths, or 'generic'."""
        plan = self._plans.get(fieldname)
        if plan is None:
            fieldobj = self.schema[fieldname]
            fmt = fieldobj.format if fieldobj.indexed else None
            how = "generic"
            if isinstance(getattr(fieldobj, "analyzer", None), _SyllableTokenizer) and fmt is not None:
                if type(fmt) is CompactPositions:
                    how = "positions"
                elif type(fmt) is formats.Frequency:
                    how = "frequency"
            plan = self._plans[fieldname] = (fieldobj, how)
        return plan

    def _fast_postings(self, fieldname: str, fieldobj: Any, how: str, value: Any,
                       docnum: int, boost: float) -> int:
        """Add one field value's postings; return its length (token count).

        Mirrors `Positions.word_values` / `Frequency.word_values` over our
        analyzers: every token has boost 1.0, positions start at 0.
        """
        analyzer = fieldobj.analyzer
        rows = analyzed(value).rows(analyzer, analyzer.extras)
        if not rows:
            return 0
        pool = self.pool
        terms = pool.terms_of(fieldname)
        fmt = fieldobj.format
        scale = fmt.field_boost * boost
        floats = self._floats
        if how == "positions":
            poses: dict[str, list[int]] = {}
            for term, pos, _, _ in rows:
                lst = poses.get(term)
                if lst is None:
                    poses[term] = [pos]
                else:
                    lst.append(pos)
            encode = fmt.encode
            singles = self._single_positions
            items = (
                (term, len(lst), encode(lst) if len(lst) > 1
                 else singles.get(lst[0]) or singles.setdefault(lst[0], encode(lst)))
                for term, lst in poses.items()
            )
        else:
            counts: dict[str, int] = {}
            for row in rows:
                term = row[0]
                counts[term] = counts.get(term, 0) + 1
            freqbytes = self._freqbytes
            pack = pack_uint  # what Frequency.word_values stores
            items = (
                (term, n, freqbytes.get(n) or freqbytes.setdefault(n, pack(n)))
                for term, n in counts.items()
            )
        added = 0
        for term, freq, vbytes in items:
            weight = floats.get(freq) if scale == 1.0 else None
            if weight is None:
                weight = float(freq) * scale
                if scale == 1.0:
                    floats[freq] = weight
            tbytes = term.encode("utf-8")
            flat = terms.get(tbytes)
            if flat is None:
                terms[tbytes] = [docnum, weight, vbytes]
                pool.terms += 1
            else:
                flat += (docnum, weight, vbytes)
            added += 1
        pool.postings += added
        return len(rows)

    def add_document(self, **fields: Any) -> None:
        # The structure follows SegmentWriter.add_document; only the indexed
        # syllable fields take the fast path.
        self._check_state()
        perdocwriter = self.perdocwriter
        schema = self.schema
        docnum = self.docnum
        add_post = self.pool.add
        docboost = self._doc_boost(fields)
        fieldnames = sorted([name for name in fields if not name.startswith("_")])
        self._check_fields(schema, fieldnames)

        perdocwriter.start_doc(docnum)
        try:
            for fieldname in fieldnames:
                value = fields.get(fieldname)
                if value is None:
                    continue
                fieldobj, how = self._plan(fieldname)
                length = 0
                if fieldobj.indexed:
                    fieldboost = self._field_boost(fields, fieldname, docboost)
                    if how != "generic" and isinstance(value, str):
                        length = self._fast_postings(fieldname, fieldobj, how, value, docnum, fieldboost)
                        if not fieldobj.scorable:
                            length = 0
                    else:
                        scorable = fieldobj.scorable
                        for tbytes, freq, weight, vbytes in fieldobj.index(value):
                            if scorable:
                                length += freq
                            add_post((fieldname, tbytes, docnum, weight * fieldboost, vbytes))
                if fieldobj.separate_spelling():
                    raise NotImplementedError("separate spelling fields are not supported")
                if fieldobj.vector:
                    raise NotImplementedError("term vectors are not supported")
                if self._lengths is not None and length:
                    self._remember_length(fieldname, docnum, length)
                customval = fields.get(f"_stored_{fieldname}", value)
                perdocwriter.add_field(fieldname, fieldobj, customval if fieldobj.stored else None, length)
                column = fieldobj.column_type
                if column and customval is not None:
                    perdocwriter.add_column_value(fieldname, column, fieldobj.to_column_value(customval))
        except ValueError:
            perdocwriter.cancel_doc()
            raise
        body = fields.get(WRITTEN_PAIRS_FIELD)
        if isinstance(body, str):  # (tokenized already for the field: analyzed() memoises)
            self.written_pairs.add_document(written_pairs(analyzed(body).tokens))
        perdocwriter.finish_doc()
        self._added = True
        self.docnum += 1

    def _remember_length(self, fieldname: str, docnum: int, length: int) -> None:
        lengths = self._lengths[fieldname] if fieldname in self._lengths else self._lengths.setdefault(fieldname, [])
        if len(lengths) <= docnum:
            lengths.extend([0] * (docnum + 1 - len(lengths)))
        quantised = self._quantised.get(length)
        if quantised is None:
            quantised = self._quantised[length] = _stored_length(length)
        lengths[docnum] = quantised

    def add_reader(self, reader) -> None:
        """A merged segment's documents and postings (Whoosh's), and its written-pair counts."""
        self._lengths = None  # its documents' lengths are read back from the columns
        basedoc = self.docnum
        super().add_reader(reader)
        segment, folder = reader.segment(), getattr(reader.storage(), "folder", None)
        flat = None if segment is None or folder is None else FlatPostings.open(folder, segment.segment_id())
        if flat is not None:
            self._add_flat_only(flat, reader, basedoc)
        table = None if segment is None or folder is None else WrittenPairs.open(folder, segment.segment_id())
        self.written_pairs.add_table(table)
        if table is not None and reader.has_deletions():
            # The merge drops deleted documents; so do their counts (their stored bodies remain).
            for docnum in filter(reader.is_deleted, range(reader.doc_count_all())):
                body = reader.stored_fields(docnum).get(STORED_BODY)
                if isinstance(body, str):
                    self.written_pairs.remove_document(written_pairs(analyzed(body).tokens))

    def _add_flat_only(self, flat: FlatPostings, reader, basedoc: int) -> None:
        """A merged segment's FLAT_ONLY_FIELDS postings, renumbered as Whoosh renumbers its
        documents (live documents in order from `basedoc`; deleted ones dropped)."""
        total = reader.doc_count_all()
        live = np.ones(total, dtype=bool)
        if reader.has_deletions():
            live[[d for d in range(total) if reader.is_deleted(d)]] = False
        newnum = basedoc + np.cumsum(live, dtype=np.int64) - 1
        for fieldname in sorted(FLAT_ONLY_FIELDS):
            for key, ids, tf in flat.field_postings(fieldname):
                keep = live[ids]
                if keep.any():
                    self.pool.add_merged(fieldname, key, newnum[ids[keep]], np.asarray(tf[keep]))

    def _flush_segment(self) -> None:
        """Write the pooled postings through the codec, field by field, term by term."""
        self.perdocwriter.close()
        pdr = self.per_document_reader() if self.codec.length_stats and self._lengths is None else None
        fw = self.fieldwriter
        flat_out = FlatPostingsWriter()
        folder = getattr(self.storage, "folder", None)
        pool = self.pool
        try:
            if folder is not None:  # FLAT_ONLY_FIELDS go to the flat arrays only
                for fieldname in sorted(FLAT_ONLY_FIELDS & (set(pool.fields) | set(pool.merged))):
                    _add_flat_field(flat_out, fieldname, pool.fields.pop(fieldname, {}),
                                    pool.merged.pop(fieldname, {}))
            for fieldname in sorted(pool.fields):
                terms = pool.fields[fieldname]
                if not terms:
                    continue
                fw.start_field(fieldname, self.schema[fieldname])
                if pdr is not None:
                    lengths = _LengthsOf(pdr.doc_field_length_reader(fieldname))
                elif self.codec.length_stats and fieldname in self._lengths:
                    lengths = self._lengths[fieldname]
                    lengths.extend([0] * (self.docnum - len(lengths)))  # documents without the field
                else:
                    lengths = _NO_LENGTHS
                start_term, finish_term = fw.start_term, fw.finish_term
                for tbytes in sorted(terms):
                    flat = terms[tbytes]
                    start_term(tbytes)
                    _add_postings(fw._postwriter, flat, lengths)
                    finish_term()
                    flat_out.add(fieldname, tbytes, flat)
                fw.finish_field()
                terms.clear()  # free memory as we go
            fw.close()
            if folder is not None:  # an index on disk: the same postings, ready to memory-map
                if not flat_out.save(folder, self.newsegment.segment_id()):
                    # ~1e-8 odds per million terms; the pair postings have nowhere else to go.
                    raise RuntimeError("two terms of one segment share a 64-bit key; "
                                       "run the build again with another SEARCHSVC_INDEX_LIMITMB")
                self.written_pairs.save(folder, self.newsegment.segment_id())
        finally:
            if pdr is not None:
                pdr.close()

    def close_segment(self):
        """Finish this writer's segment without touching the index's TOC; return it (or None)."""
        if not self._added:
            self._close_segment()
            self._cleanup_temp()
            return None
        segment = self._finalize_segment()
        self._cleanup_temp()
        return segment

    def _cleanup_temp(self) -> None:
        # Worker writers share the index's temp folder name with the parent
        # writer, which destroys it at commit; never destroy it here.
        self.is_closed = True

    def commit_segments(self, segments: list, mergetype=None) -> None:
        """Commit deletions made on this writer plus `segments` written by other writers.

        Follows MpWriter's multisegment commit: existing segments go through
        the merge policy, the new ones are added as they are.
        """
        self._check_state()
        try:
            finalsegments = self._merge_segments(mergetype or merge_small_segments, None, None)
            finalsegments += [s for s in segments if s is not None]
            if self._added:
                finalsegments.append(self._finalize_segment())
            else:
                self._close_segment()
            self._commit_toc(finalsegments)
        except Exception:
            self._cleanup_on_error()
            raise
        self._finish()


# Segments holding fewer documents than this (or than a quarter of the largest) are
# "small": what incremental runs add.  A full build's segments are larger (about 2,000
# VNTC articles each at the default memory budget).
SMALL_SEGMENT_DOCS = 1000
# Small segments tolerated before they are merged into one.
MAX_SMALL_SEGMENTS = 4
# A segment with more than this share of its documents deleted is rewritten without them.
MAX_DELETED_SHARE = 1 / 3


def merge_small_segments(writer: SegmentWriter, segments: list) -> list:
    """The merge policy of a commit: merge the small segments once there are
    MAX_SMALL_SEGMENTS of them, and rewrite segments that are mostly deleted documents;
    return the segments kept as they are.

    Whoosh's MERGE_SMALL compares running document totals with a Fibonacci number: on
    an index of ~40 similar segments (84k articles) it merged the smaller half at every
    incremental commit, so a run that changed 1% of the files rewrote half the index
    (193 s instead of seconds).  Here the work of a commit is bounded by the small
    segments plus the rare mostly-deleted one.
    """
    from whoosh.reading import SegmentReader

    live = [s for s in segments if s.doc_count_all() > 0]
    if not live:
        return []
    small_below = max(SMALL_SEGMENT_DOCS, max(s.doc_count_all() for s in live) // 4)
    small = [s for s in live if s.doc_count_all() < small_below]
    merge = small if len(small) >= MAX_SMALL_SEGMENTS else []
    merge += [s for s in live if s not in merge and s.deleted_count() > MAX_DELETED_SHARE * s.doc_count_all()]
    for segment in merge:
        reader = SegmentReader(writer.storage, writer.schema, segment)
        writer.add_reader(reader)
        reader.close()
    return [s for s in segments if s not in merge]


# -- feeding corpus files to writers -----------------------------------------


class _Builder:
    """Turns corpus files into closed segments, one writer at a time, within a memory budget."""

    def __init__(self, index_dir: str, corpus_dir: Path, limitmb: int, max_file_bytes: int) -> None:
        self.ix = whoosh_index.open_dir(index_dir)
        self.corpus_dir = corpus_dir
        self.limit = limitmb * 1024 * 1024
        self.max_file_bytes = max_file_bytes
        self.writer: BulkSegmentWriter | None = None
        self.segments: list = []

    def add_files(self, paths: list[str]) -> ChunkResult:
        result = ChunkResult(files=len(paths))
        for path in paths:
            p = Path(path)
            try:
                doc = read_document(self.corpus_dir, p, max_bytes=self.max_file_bytes)
            except SkipFile as exc:
                result.skipped.append((doc_id(self.corpus_dir, p), exc.reason))
                continue
            self.add_document(doc)
            result.indexed.append(doc.id)
        return result

    def add_document(self, doc: Document) -> None:
        if self.writer is None:
            self.writer = BulkSegmentWriter(self.ix, _lk=False)
        self.writer.add_document(**document_fields(doc))
        if self.writer.memory_estimate() >= self.limit:
            self._close()

    def _close(self) -> None:
        if self.writer is not None:
            self.segments.append(self.writer.close_segment())
            self.writer = None

    def finish(self) -> list:
        self._close()
        return [s for s in self.segments if s is not None]

    def cancel(self) -> None:
        if self.writer is not None:
            try:
                self.writer.cancel()
            except Exception:
                pass
            self.writer = None


def _die_with_parent(parent_pid: int) -> None:
    """Exit when the parent dies, even by SIGKILL.

    A forked worker inherits the parent's descriptors, among them the index
    writer lock (an flock): an orphaned worker would keep the index locked.
    """
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent_pid:  # died before prctl took effect
        os._exit(1)


def _worker(index_dir: str, corpus_dir: Path, limitmb: int, max_file_bytes: int,
            jobs: Any, results: Any, parent_pid: int) -> None:
    _die_with_parent(parent_pid)
    builder = None
    try:
        builder = _Builder(index_dir, corpus_dir, limitmb, max_file_bytes)
        while True:
            try:
                job = jobs.get(timeout=5)
            except queue.Empty:
                if os.getppid() != parent_pid:
                    os._exit(1)
                continue
            if job is None:
                break
            results.put(("chunk", builder.add_files(job)))
        results.put(("done", builder.finish()))
    except BaseException:
        if builder is not None:
            builder.cancel()
        results.put(("error", traceback.format_exc()))


def _may_index_here() -> bool:
    """Whether the calling process indexes too, as one of the `procs`: not when other threads
    share it (the web server's scheduled reindex), whose searches need its interpreter."""
    return threading.active_count() == 1


def build_segments(
    index_dir: Path,
    corpus_dir: Path,
    paths: list[str] | list[Path],
    *,
    procs: int = 1,
    limitmb: int = 256,
    max_file_bytes: int = 20 * 1024 * 1024,
    chunk: int = 200,
    files_per_proc: int = 400,
    on_chunk: Callable[[ChunkResult], None] | None = None,
) -> list:
    """Index `paths` into new, uncommitted segments of the index in `index_dir`; return them.

    With procs > 1, up to that many processes (one per `files_per_proc` files; this one
    and workers) each write their own segments (`limitmb` is per process).  `on_chunk` sees each chunk's outcome as it
    completes.  Any failure raises; the segments written so far are then
    simply never committed (the next commit's cleanup deletes their files).
    """
    strpaths = [str(p) for p in paths]
    chunks = [strpaths[i:i + chunk] for i in range(0, len(strpaths), chunk)]
    # Each process writes at least one segment of its own, so a run of a few
    # hundred files stays in one process and leaves one small segment; from 400
    # files on, workers share it (1% of 84k files: 842, about 8 s of analysis in
    # one process, against a fraction of a second to fork a worker).
    procs = max(1, min(procs, len(chunks), -(-len(strpaths) // max(1, files_per_proc))))
    if procs == 1:
        builder = _Builder(str(index_dir), corpus_dir, limitmb, max_file_bytes)
        try:
            for job in chunks:
                result = builder.add_files(job)
                if on_chunk is not None:
                    on_chunk(result)
            return builder.finish()
        except BaseException:
            builder.cancel()
            raise

    # (Asked before the queues start their feeder threads.)
    helper = _Builder(str(index_dir), corpus_dir, limitmb, max_file_bytes) if _may_index_here() else None
    # Workers start as fresh interpreters (spawn), not forks.  A fork maps the parent's
    # whole heap (the corpus file list, the open index: 50 MB at 84k files) and
    # Python's reference counting and garbage collector soon copy most of it, so
    # every worker carried its own copy of memory it never reads; a fresh worker
    # costs 0.3 s of imports instead.  Forking a process that runs other threads
    # (the web server's scheduled reindex) could also deadlock the child.
    ctx = multiprocessing.get_context("spawn")
    jobs = ctx.Queue()
    results = ctx.Queue()
    for job in chunks:
        jobs.put(job)
    for _ in range(procs):
        jobs.put(None)
    workers = [
        ctx.Process(target=_worker, daemon=True,
                    args=(str(index_dir), corpus_dir, limitmb, max_file_bytes, jobs, results, os.getpid()))
        for _ in range(procs - (helper is not None))
    ]
    for w in workers:
        w.start()
    segments: list = []
    running = len(workers)
    try:
        while running or helper is not None:
            if helper is not None:  # one chunk of our own, then what the workers reported meanwhile
                job = jobs.get()
                if job is None:
                    segments.extend(helper.finish())
                    helper = None
                else:
                    result = helper.add_files(job)
                    if on_chunk is not None:
                        on_chunk(result)
            while running:
                try:
                    kind, payload = results.get(timeout=2) if helper is None else results.get_nowait()
                except queue.Empty:
                    dead = [w.exitcode for w in workers if w.exitcode not in (None, 0)]
                    if dead:  # killed (out of memory?) without a word
                        raise RuntimeError(f"indexing worker died (exit code {dead[0]})") from None
                    if helper is not None:
                        break
                    continue
                if kind == "chunk":
                    if on_chunk is not None:
                        on_chunk(payload)
                elif kind == "done":
                    segments.extend(payload)
                    running -= 1
                else:
                    raise RuntimeError(f"indexing worker failed:\n{payload}")
    except BaseException:
        jobs.cancel_join_thread()  # chunks nobody will read must not hold up this process's exit
        if helper is not None:
            helper.cancel()
        for w in workers:
            if w.is_alive():
                w.terminate()
        raise
    finally:
        for w in workers:
            w.join(timeout=60)
    return segments


def build_document_segments(index_dir: Path, documents: Iterable[Document], *, limitmb: int = 256) -> list:
    """Documents already read (not files) into new, uncommitted segments, in this process."""
    builder = _Builder(str(index_dir), Path(), limitmb, 0)
    try:
        for doc in documents:
            builder.add_document(doc)
        return builder.finish()
    except BaseException:
        builder.cancel()
        raise
