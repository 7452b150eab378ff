"""Flat postings (whoosh/flatpostings.py) hold exactly what Whoosh's posting blocks hold.

On the sample corpus indexed in two runs (a file changed, one deleted, so the index
has several segments and deleted documents), every term of every field: the same
docnums, the same weights and the same document frequency as Whoosh's own reader.
"""

from __future__ import annotations

import numpy as np
import pytest
from whoosh import index as whoosh_index
from whoosh.query import Term

from searchsvc.whoosh import store
from searchsvc.whoosh.flatpostings import SUFFIXES, FlatPostings
from searchsvc.whoosh.postings import IndexArrays, _leaf_postings
from searchsvc.whoosh.writer import FLAT_ONLY_FIELDS


@pytest.fixture(scope="module")
def churned(churned_index_dir):
    generation = store.current_generation(churned_index_dir)
    with whoosh_index.open_dir(str(generation)).searcher() as searcher:
        yield generation, searcher


def test_every_segment_has_its_flat_postings_and_no_other_does(churned):
    generation, searcher = churned
    leaves = [leaf for leaf, _offset in searcher.reader().leaf_readers()]
    assert len(leaves) > 1 and searcher.reader().has_deletions()
    names = {leaf.segment().segment_id() for leaf in leaves}
    flat_files = {p.name for p in generation.iterdir() if p.name.endswith(tuple(SUFFIXES.values()))}
    assert flat_files == {name + suffix for name in names for suffix in SUFFIXES.values()}


def test_every_term_reads_as_whoosh_reads_it(churned):
    _generation, searcher = churned
    checked = 0
    for leaf, _offset in searcher.reader().leaf_readers():
        flat = FlatPostings.open(leaf.storage().folder, leaf.segment().segment_id())
        assert flat is not None
        before = checked
        for fieldname in leaf.schema.names():
            field = leaf.schema[fieldname]
            if not field.indexed:
                continue
            for btext in leaf.lexicon(fieldname):
                ids, tf = _leaf_postings(leaf, fieldname, btext, field.format)
                got = flat.postings(fieldname, btext)
                assert got is not None, (fieldname, btext)
                assert np.array_equal(got[0], ids) and np.array_equal(got[1], tf), (fieldname, btext)
                assert flat.doc_frequency(fieldname, btext) == leaf.doc_frequency(fieldname, btext)
                checked += 1
        assert flat.postings("folded", b"zzqxy") is None and flat.doc_frequency("folded", b"zzqxy") == 0
        # Every other key is a term of a field kept only here (its postings: test_segwriter.py).
        flat_only = {i for i, name in enumerate(flat.names.tolist()) if name in FLAT_ONLY_FIELDS}
        assert flat_only and len(flat.keys) == checked - before + int(np.isin(flat.field, list(flat_only)).sum())
    assert checked > 10_000


def test_index_arrays_read_the_flat_postings(churned):
    _generation, searcher = churned
    arrays = IndexArrays(searcher)
    assert all(flat is not None for flat in arrays._flat)
    postings = arrays.postings("folded", "cao")
    expected = sorted(searcher.docs_for_query(Term("folded", "cao")))
    live = arrays.live[postings.ids]
    assert postings.ids[live].tolist() == expected


def test_frequencies_and_counts_past_a_byte_read_back(tmp_path):
    """Frequencies and pair counts are stored a byte each; 255 and up are kept beside them."""
    from searchsvc.whoosh.flatpostings import FlatPostings, FlatPostingsWriter
    from searchsvc.whoosh.writtenpairs import WrittenPairs, WrittenPairsWriter

    out = FlatPostingsWriter()
    out.add("exact", "và".encode(), [0, 300.0, b"", 1, 3.0, b"", 7, 255.0, b"", 9, 70000.0, b""])
    out.add("exact", "của".encode(), [2, 254.0, b"", 3, 1.0, b""])
    assert out.save(str(tmp_path), "SEG")
    flat = FlatPostings.open(str(tmp_path), "SEG")
    assert flat.tf.dtype == np.uint8
    ids, tf = flat.postings("exact", "và".encode())
    assert ids.tolist() == [0, 1, 7, 9] and tf.tolist() == [300.0, 3.0, 255.0, 70000.0]
    assert flat.postings("exact", "của".encode())[1].tolist() == [254.0, 1.0]
    merged = {key: tf.tolist() for key, _ids, tf in flat.field_postings("exact")}
    assert sorted(merged.values()) == [[254.0, 1.0], [300.0, 3.0, 255.0, 70000.0]]

    pairs = WrittenPairsWriter()
    for n in range(300):
        pairs.add_document(["biến_đổi"] + (["khí_hậu"] if n < 254 else []))
    pairs.save(str(tmp_path), "SEG")
    table = WrittenPairs.open(str(tmp_path), "SEG")
    assert table.counts.dtype == np.uint8
    assert (table.count("biến_đổi"), table.count("khí_hậu"), table.count("hậu_quả")) == (300, 254, 0)
