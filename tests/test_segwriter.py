"""The bulk segment writer must produce the same index as Whoosh's own writer."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from whoosh import index as whoosh_index
from whoosh import writing
from whoosh.writing import SegmentWriter

from searchsvc.analysis.terms import pair_terms
from searchsvc.whoosh import store, writer
from searchsvc.whoosh.analyzers import analyzed
from searchsvc.whoosh.postings import IndexArrays
from searchsvc.ingest import iter_corpus_files, read_document
from searchsvc.whoosh.schema import build_schema, document_fields
from searchsvc.whoosh.writer import FLAT_ONLY_FIELDS, BulkSegmentWriter, build_segments

from .conftest import FIXTURE_CORPUS, SAMPLE_CORPUS, index_corpus
from .procs import ROOT


def _docs(corpus: Path):
    return [read_document(corpus, p) for p in iter_corpus_files(corpus)]


def _dump(ix_dir: Path) -> dict:
    """Everything a search can see, keyed by document id instead of docnum.

    FLAT_ONLY_FIELDS are read as searches read them (IndexArrays: the flat arrays
    where the segment has them, else Whoosh's postings), term by term.
    """
    ix = whoosh_index.open_dir(str(ix_dir))
    with ix.searcher() as s:
        r = s.reader()
        ids = {n: r.stored_fields(n)["id"] for n in r.all_doc_ids()}
        postings = {}
        flat_only = {}
        arrays = IndexArrays(s)
        for fieldname, tbytes in r.all_terms():
            m = r.postings(fieldname, tbytes)
            rows = []
            while m.is_active():
                # (`or None`: a fixed-size-0 format's value reads None from a block, '' inlined)
                rows.append((ids[m.id()], m.weight(), m.value() or None))
                m.next()
            postings[(fieldname, tbytes)] = sorted(rows)
        for fieldname in sorted(FLAT_ONLY_FIELDS):
            terms = {t for f, t in postings if f == fieldname} | _pair_terms(ids, r, fieldname)
            for tbytes in terms:
                found = arrays.postings(fieldname, tbytes.decode("utf-8"))
                flat_only[(fieldname, tbytes)] = sorted(
                    (ids[int(n)], float(w)) for n, w in zip(found.ids, found.tf) if int(n) in ids)
            for key in [k for k in postings if k[0] == fieldname]:
                del postings[key]  # compared through flat_only
        stored = {ids[n]: r.stored_fields(n) for n in ids}
        lengths = {
            (ids[n], f): r.doc_field_length(n, f)
            for n in ids for f in ("exact", "folded", "pairs", "title_exact", "title_folded", "title_pairs")
        }
        columns = {f: sorted((ids[n], r.column_reader(f, translate=False)[n]) for n in ids)
                   for f in ("id", "hash", "year", "source", "category", "date")}
        stats = {(f, t): (r.doc_frequency(f, t), r.frequency(f, t)) for f, t in postings}
        return {"postings": postings, "flat_only": flat_only, "stored": stored, "lengths": lengths,
                "columns": columns, "stats": stats,
                "field_length": {f: r.field_length(f) for f in ("exact", "pairs")}}


def _pair_terms(ids: dict, reader, fieldname: str) -> set[bytes]:
    """The pair terms the stored texts of the live documents hold (what the field should index)."""
    source = "body" if fieldname == "pairs" else "title"
    out: set[bytes] = set()
    for n in ids:
        text = reader.stored_fields(n).get(source) or ""
        out.update(t.encode("utf-8") for t in pair_terms(analyzed(text).tokens))
    return out


def _build(ix_dir: Path, writer_class, docs) -> None:
    ix_dir.mkdir()
    ix = whoosh_index.create_in(str(ix_dir), build_schema())
    w = writer_class(ix)
    for doc in docs:
        w.add_document(**document_fields(doc))
    w.commit()


@pytest.mark.parametrize("corpus", [FIXTURE_CORPUS, pytest.param(SAMPLE_CORPUS, marks=pytest.mark.slow)],
                         ids=["fixtures", "sample"])
def test_bulk_writer_writes_what_whoosh_writes(tmp_path, corpus):
    docs = _docs(corpus)
    _build(tmp_path / "plain", SegmentWriter, docs)
    _build(tmp_path / "bulk", BulkSegmentWriter, docs)
    plain, bulk = _dump(tmp_path / "plain"), _dump(tmp_path / "bulk")
    assert plain.keys() == bulk.keys()
    for key in plain:
        assert plain[key] == bulk[key], key


def test_pair_postings_are_only_flat_on_disk(tmp_path):
    _build(tmp_path / "bulk", BulkSegmentWriter, _docs(FIXTURE_CORPUS))
    ix = whoosh_index.open_dir(str(tmp_path / "bulk"))
    with ix.reader() as r:
        fields = {f for f, _ in r.all_terms()}
    assert "exact" in fields and not fields & FLAT_ONLY_FIELDS


def test_merging_segments_keeps_flat_only_postings(tmp_path):
    """Segments merged at commit (deleted documents dropped) hold what a fresh build of the rest holds."""
    docs = _docs(FIXTURE_CORPUS)
    gone = {d.id for d in docs[::4]}
    _build(tmp_path / "plain", SegmentWriter, [d for d in docs if d.id not in gone])
    (tmp_path / "merged").mkdir()
    ix = whoosh_index.create_in(str(tmp_path / "merged"), build_schema())
    paths = list(iter_corpus_files(FIXTURE_CORPUS))
    w = BulkSegmentWriter(ix)
    w.commit_segments(build_segments(tmp_path / "merged", FIXTURE_CORPUS, paths, procs=1, limitmb=0))
    assert len(list((tmp_path / "merged").glob("*.pst"))) > 2
    w = BulkSegmentWriter(ix)
    for ident in gone:
        w.delete_by_term("id", ident)
    w.commit_segments([], mergetype=writing.OPTIMIZE)
    assert len(list((tmp_path / "merged").glob("*.pst"))) == 1
    plain, merged = _dump(tmp_path / "plain"), _dump(tmp_path / "merged")
    assert merged["flat_only"] and not merged["stats"].keys() & merged["flat_only"].keys()
    # (Whoosh's merge re-adds the one-byte-rounded length of each document, so a merged
    # field's total length is not the sum of the exact lengths a fresh build adds.)
    for key in plain.keys() - {"field_length"}:
        assert plain[key] == merged[key], key


class _CountingBuilder(writer._Builder):
    """The calling process's builder (spawned workers import the real one afresh)."""

    chunks = 0

    def add_files(self, paths):
        type(self).chunks += 1
        return super().add_files(paths)


@pytest.mark.slow
@pytest.mark.parametrize("serving", [False, True], ids=["cli", "serving"])
def test_segments_from_workers_hold_every_document(tmp_path, monkeypatch, serving):
    """Small memory budget and two processes: many segments, same content.

    From a command-line run this process indexes chunks beside its worker; in a serving
    process (other threads running) it leaves every chunk to workers.
    """
    monkeypatch.setattr(writer, "_Builder", _CountingBuilder)
    monkeypatch.setattr(writer, "_may_index_here", lambda: not serving)
    _CountingBuilder.chunks = 0
    docs = _docs(FIXTURE_CORPUS)
    _build(tmp_path / "plain", SegmentWriter, docs)
    (tmp_path / "multi").mkdir()
    ix = whoosh_index.create_in(str(tmp_path / "multi"), build_schema())
    paths = list(iter_corpus_files(FIXTURE_CORPUS))
    segments = build_segments(tmp_path / "multi", FIXTURE_CORPUS, paths, procs=2, limitmb=0, chunk=7,
                              files_per_proc=1)
    assert len(segments) > 2
    assert (_CountingBuilder.chunks == 0) == serving
    w = BulkSegmentWriter(ix)
    w.commit_segments(segments)
    plain, multi = _dump(tmp_path / "plain"), _dump(tmp_path / "multi")
    for key in plain:
        assert plain[key] == multi[key], key


def test_a_process_indexes_beside_its_workers_only_when_it_runs_nothing_else():
    """A fresh process (the CLI) may; one running another thread (a server) may not.
    Run apart: the test process may hold threads that earlier tests left."""
    script = (
        "import threading\n"
        "from searchsvc.whoosh.writer import _may_index_here\n"
        "alone = _may_index_here()\n"
        "stop = threading.Event(); t = threading.Thread(target=stop.wait); t.start()\n"
        "print(alone, _may_index_here()); stop.set(); t.join()\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.split() == ["True", "False"]


def test_parallel_run_index_matches_single_process(tmp_path, monkeypatch):
    original = writer.build_segments
    monkeypatch.setattr("searchsvc.whoosh.target.build_segments",
                        lambda *a, **kw: original(*a, **{**kw, "files_per_proc": 1, "chunk": 5}))
    one = index_corpus(FIXTURE_CORPUS, tmp_path / "one", procs=1)
    two = index_corpus(FIXTURE_CORPUS, tmp_path / "two", procs=2)
    # Usually one segment per worker; on a loaded machine a worker that starts after the
    # other has taken every chunk writes none (seen in CI).  The contents must match either way.
    assert 1 <= len(list(store.current_generation(tmp_path / "two").glob("*.pst"))) <= 2
    assert (one.added, one.skipped, one.documents) == (two.added, two.skipped, two.documents)
    a = _dump(store.current_generation(tmp_path / "one"))
    b = _dump(store.current_generation(tmp_path / "two"))
    for key in a:
        assert a[key] == b[key], key


def _segment_sizes(ix_dir: Path) -> list[int]:
    ix = whoosh_index.open_dir(str(ix_dir))
    return sorted(s.doc_count_all() for s in ix._segments())


def test_a_commit_merges_only_small_or_mostly_deleted_segments(tmp_path, monkeypatch):
    """Large segments stay as they are however many there are; small ones are merged once
    there are MAX_SMALL_SEGMENTS of them; a mostly deleted segment is rewritten."""
    monkeypatch.setattr(writer, "SMALL_SEGMENT_DOCS", 3)
    docs = _docs(FIXTURE_CORPUS)
    ix_dir = tmp_path / "ix"
    ix_dir.mkdir()
    ix = whoosh_index.create_in(str(ix_dir), build_schema())

    def commit(batch, per_segment, delete=()):
        w = BulkSegmentWriter(ix)
        for ident in delete:
            w.delete_by_term("id", ident)
        segments = []
        for i in range(0, len(batch), per_segment):
            segments += writer.build_document_segments(ix_dir, batch[i:i + per_segment], limitmb=1024)
        w.commit_segments(segments)

    big, rest = docs[:16], docs[16:]
    commit(big, 4)  # four segments of 4 documents: "large" here (SMALL_SEGMENT_DOCS is 3)
    assert _segment_sizes(ix_dir) == [4] * 4
    small = writer.MAX_SMALL_SEGMENTS
    for n in range(small):
        commit(rest[n:n + 1], 1)  # incremental runs of one document each
    assert _segment_sizes(ix_dir) == [1] * small + [4] * 4
    commit(rest[small:small + 1], 1)  # the next commit merges the small ones into one
    assert _segment_sizes(ix_dir) == sorted([1, small] + [4] * 4)
    # Deleting 2 of a large segment's 4 documents (over a third) rewrites it without them.
    commit([], 1, delete=[d.id for d in big[:2]])
    assert _segment_sizes(ix_dir) == sorted([1, 2, small] + [4] * 3)
    with ix.searcher() as searcher:
        assert searcher.doc_count() == 16 - 2 + small + 1
