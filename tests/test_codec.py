"""Compact position lists and posting blocks (searchsvc/whoosh/codec.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from whoosh import index as whoosh_index
from whoosh.codec.whoosh3 import W3Codec
from whoosh.writing import SegmentWriter

from searchsvc.ingest import iter_corpus_files, read_document
from searchsvc.whoosh.codec import CompactCodec, CompactPositions
from searchsvc.whoosh.schema import build_schema, document_fields

from .conftest import FIXTURE_CORPUS


@pytest.mark.parametrize("positions", [
    [0], [7], [255], [256], [3, 9, 200], [0, 1, 2, 3], [10, 300, 301], [70_000], [5, 70_005, 70_006],
    list(range(0, 5000, 3)),
])
def test_positions_read_back_as_written(positions):
    fmt = CompactPositions()
    value = fmt.encode(positions)
    assert fmt.decode_positions(value) == positions
    assert fmt.decode_frequency(value) == len(positions)
    assert fmt.decode_weight(value) == len(positions)


def test_most_position_lists_take_a_byte_per_position():
    fmt = CompactPositions()
    assert len(fmt.encode([3, 40, 90])) == 4
    assert len(fmt.encode([300])) == 3


def _postings_bytes(ix_dir: Path, codec) -> int:
    ix_dir.mkdir()
    ix = whoosh_index.create_in(str(ix_dir), build_schema())
    w = SegmentWriter(ix, codec=codec, compound=False)
    for path in iter_corpus_files(FIXTURE_CORPUS):
        w.add_document(**document_fields(read_document(FIXTURE_CORPUS, path)))
    w.commit()
    return sum(p.stat().st_size for p in ix_dir.glob("*.pst"))


def test_compact_blocks_are_smaller_than_whoosh3s(tmp_path):
    """Same postings (test_segwriter compares them posting by posting), fewer bytes:
    whoosh3 pickles each block with protocol 2, which spends ~12 bytes per position list."""
    plain = _postings_bytes(tmp_path / "w3", W3Codec())
    compact = _postings_bytes(tmp_path / "compact", CompactCodec())
    assert compact < 0.8 * plain, (compact, plain)


def test_one_posting_lists_are_inlined_and_read_back(tmp_path):
    ix_dir = tmp_path / "ix"
    _postings_bytes(ix_dir, CompactCodec())
    ix = whoosh_index.open_dir(str(ix_dir))
    with ix.searcher() as s:
        r = s.reader()
        leaf = r.leaf_readers()[0][0] if not r.is_atomic() else r
        rare = [(f, t) for f, t in leaf.all_terms() if f == "exact" and leaf.doc_frequency(f, t) == 1]
        assert rare
        for fieldname, tbytes in rare[:50]:
            assert leaf._terms.term_info(fieldname, tbytes).is_inlined()
            m = leaf.postings(fieldname, tbytes)
            positions = m.value_as("positions")
            assert m.weight() == len(positions) >= 1
