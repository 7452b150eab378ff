"""Written-pair tables (whoosh/writtenpairs.py) count exactly the documents writing each pair.

On the churned sample index (two segments, deleted documents still on disk), each
segment's table is compared with the pairs written in its stored bodies; merging the
segments drops the deleted documents' counts; a segment without a table falls back to
the estimate.
"""

from __future__ import annotations

import shutil
from collections import Counter

import pytest
from whoosh import index as whoosh_index
from whoosh.writing import OPTIMIZE

from searchsvc.analysis import written_pairs
from searchsvc.whoosh import store
from searchsvc.whoosh.analyzers import analyzed
from searchsvc.whoosh.postings import IndexArrays
from searchsvc.whoosh.vocabulary import IndexVocabulary
from searchsvc.whoosh.writer import BulkSegmentWriter
from searchsvc.whoosh.writtenpairs import SUFFIXES, WrittenPairs


def _written_in(leaf) -> Counter:
    """Documents of one segment writing each pair, deleted ones included, from stored bodies."""
    counts: Counter = Counter()
    for docnum in range(leaf.doc_count_all()):
        counts.update(written_pairs(analyzed(leaf.stored_fields(docnum)["body"]).tokens))
    return counts


@pytest.fixture(scope="module")
def churned(churned_index_dir):
    generation = store.current_generation(churned_index_dir)
    with whoosh_index.open_dir(str(generation)).searcher() as searcher:
        yield generation, searcher


def test_every_segment_has_a_table_and_no_other_does(churned):
    generation, searcher = churned
    leaves = [leaf for leaf, _offset in searcher.reader().leaf_readers()]
    assert len(leaves) > 1 and searcher.reader().has_deletions()
    names = {leaf.segment().segment_id() for leaf in leaves}
    files = {p.name for p in generation.iterdir() if p.name.endswith(tuple(SUFFIXES.values()))}
    assert files == {name + suffix for name in names for suffix in SUFFIXES.values()}


def test_each_table_counts_the_pairs_its_documents_write(churned):
    _generation, searcher = churned
    checked = 0
    for leaf, _offset in searcher.reader().leaf_readers():
        table = WrittenPairs.open(leaf.storage().folder, leaf.segment().segment_id())
        expected = _written_in(leaf)
        assert table is not None and len(table.keys) == len(expected)
        assert all(table.count(pair) == n for pair, n in expected.items())
        assert table.count("hồ_zzq") == 0
        checked += len(expected)
    assert checked > 10_000


def test_adjacent_reads_the_tables(churned):
    _generation, searcher = churned
    arrays = IndexArrays(searcher)
    expected = sum((_written_in(leaf) for leaf, _offset in searcher.reader().leaf_readers()), Counter())
    assert expected["biến_đổi"] > 0
    counts = IndexVocabulary(searcher, arrays).adjacent(["biến", "biên"], ["đổi", "đối"])
    assert counts == {(a, b): float(expected[f"{a}_{b}"]) for a in ("biến", "biên") for b in ("đổi", "đối")}


def test_a_segment_without_a_table_falls_back_to_the_estimate(churned_index_dir, tmp_path):
    copy = tmp_path / "index"
    shutil.copytree(store.current_generation(churned_index_dir), copy)
    for path in copy.iterdir():
        if path.name.endswith(SUFFIXES["keys"]):
            path.unlink()
            break
    with whoosh_index.open_dir(str(copy)).searcher() as searcher:
        arrays = IndexArrays(searcher)
        assert arrays.written_pair_count("biến_đổi") is None
        counts = IndexVocabulary(searcher, arrays).adjacent(["biến", "biên"], ["đổi", "đối"])
    assert counts[("biến", "đổi")] > 0 and counts[("biên", "đối")] == 0


def test_a_merge_sums_the_tables_without_the_deleted_documents(churned_index_dir, tmp_path):
    copy = tmp_path / "index"
    shutil.copytree(store.current_generation(churned_index_dir), copy)
    ix = whoosh_index.open_dir(str(copy))
    with ix.searcher() as searcher:
        expected: Counter = Counter()
        for leaf, _offset in searcher.reader().leaf_readers():
            for docnum in range(leaf.doc_count_all()):
                if not leaf.is_deleted(docnum):
                    expected.update(written_pairs(analyzed(leaf.stored_fields(docnum)["body"]).tokens))
    BulkSegmentWriter(ix).commit_segments([], mergetype=OPTIMIZE)

    [segment] = whoosh_index.open_dir(str(copy))._segments()
    assert segment.deleted_count() == 0
    table = WrittenPairs.open(str(copy), segment.segment_id())
    assert table is not None and len(table.keys) == len(expected) > 10_000
    assert all(table.count(pair) == n for pair, n in expected.items())
    files = {p.name for p in copy.iterdir() if p.name.endswith(tuple(SUFFIXES.values()))}
    assert files == {segment.segment_id() + suffix for suffix in SUFFIXES.values()}
