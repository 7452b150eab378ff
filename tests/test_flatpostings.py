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
