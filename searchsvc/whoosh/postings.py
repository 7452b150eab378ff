"""The parts of a Whoosh index that scoring needs, as NumPy arrays over global docnums.

Whoosh's matchers cost several Python calls per posting, which is what made a
common syllable cost seconds on 84k articles.  Here a term's whole posting list
is read block by block (one unpickle per 128 postings) into two arrays, and
field lengths, deletions and facet columns are read once per segment, so a
query costs a few vector operations per term instead of Python work per
document.

Segments never change once written (only their deletion sets do), so per-segment
arrays are cached by segment id and shared across searchers and threads.

This reads the block attributes of whoosh3's `W3LeafMatcher` (`_data`,
`_blocklength`, `_byteids`, `_next_block`), so it is tied to the pinned whoosh3
version; tests compare every term's arrays with Whoosh's own matcher.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.searching import Searcher
from whoosh.util.numeric import byte_to_length

from .flatpostings import FlatPostings
from .writtenpairs import WrittenPairs

# Whoosh stores each field length as one byte (a lossy log scale); scoring sees
# the decoded value, so decode through the same table.
_LENGTH_OF_BYTE = np.array([byte_to_length(b) for b in range(256)], dtype=np.float64)
_EMPTY_IDS = np.zeros(0, dtype=np.int64)
_EMPTY_TF = np.zeros(0, dtype=np.float64)


@dataclass(frozen=True)
class Postings:
    ids: np.ndarray  # global docnums, ascending (deleted documents included)
    tf: np.ndarray  # term frequency (Whoosh's posting weight) per docnum


def _size(value) -> int:
    """Bytes an entry holds, counting at least the entry itself (empty arrays for absent terms)."""
    data = sum(getattr(v, "nbytes", 64) for v in value) if isinstance(value, tuple) else value.nbytes
    return max(data, 256)


class _SegmentCache:
    """Per-segment values keyed by (kind, segment id, ...), bounded by their total size in bytes."""

    def __init__(self, max_bytes: int, size=None) -> None:
        self._lock = threading.Lock()
        self._items: OrderedDict[tuple, tuple] = OrderedDict()
        self._bytes = 0
        self.max_bytes = max_bytes
        self._size = size or _size

    def get(self, key: tuple, build):
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
                return value
        value = build()
        size = self._size(value)
        with self._lock:
            if key not in self._items:
                self._items[key] = value
                self._bytes += size
            while self._bytes > self.max_bytes and len(self._items) > 1:
                _key, old = self._items.popitem(last=False)
                self._bytes -= self._size(old)
        return value


# Shared by every searcher and thread of the process.  Lengths and facet codes
# are a few bytes per document and field; postings of frequent syllables are
# re-read by many queries (`của`, `việt nam`), so they are worth keeping too.
_SEGMENTS = _SegmentCache(max_bytes=64 << 20)
_POSTINGS = _SegmentCache(max_bytes=256 << 20)
# Whole-index document frequencies kept per searcher (about 150 bytes an entry).
_MAX_FREQUENCIES = 200_000
# Document frequencies per segment and term, as 1-tuples (about 200 bytes an entry).
_FREQUENCIES = _SegmentCache(max_bytes=16 << 20, size=lambda value: 200)
# Term sets for did-you-mean; about 80 bytes a term.
_VOCABULARIES = _SegmentCache(max_bytes=128 << 20, size=lambda terms: 80 * len(terms) + 256)


# Memory maps of segments' flat postings (flatpostings.py) and written-pair tables
# (writtenpairs.py); an entry is a few small objects.
_FLAT = _SegmentCache(max_bytes=1 << 20, size=lambda value: 1024)


def _open_beside(leaf, kind):
    """`kind` (FlatPostings or WrittenPairs) of the leaf's segment, or None (in memory, or not written)."""
    segment, folder = leaf.segment(), getattr(leaf.storage(), "folder", None)
    if segment is None or folder is None:
        return None
    return kind.open(folder, segment.segment_id())


def segment_flat_postings(leaf) -> FlatPostings | None:
    """The leaf's segment's flat postings, memory-mapped once per process (None: not written)."""
    return _FLAT.get(("flat", _segment_key(leaf)), lambda: (_open_beside(leaf, FlatPostings),))[0]


def _flat_postings(flat: FlatPostings, fieldname: str, btext: bytes) -> tuple[np.ndarray, np.ndarray]:
    found = flat.postings(fieldname, btext)
    return found if found is not None else (_EMPTY_IDS, _EMPTY_TF)


def _segment_key(leaf) -> str:
    """Which segment of which index folder (segment ids are only unique within an index)."""
    segment = leaf.segment()
    folder = getattr(leaf.storage(), "folder", "")
    return f"{folder}/{segment.segid}" if segment is not None else f"mem/{id(leaf)}"


class IndexArrays:
    """Arrays for one searcher (one index version).  Build one per searcher and keep it."""

    def __init__(self, searcher: Searcher) -> None:
        self.searcher = searcher
        self.reader = searcher.reader()
        self.leaves = list(self.reader.leaf_readers()) if not self.reader.is_atomic() else [(self.reader, 0)]
        self._keys = [_segment_key(leaf) for leaf, _offset in self.leaves]
        self._flat = [segment_flat_postings(leaf) for leaf, _offset in self.leaves]
        self._written_pairs = [_FLAT.get(("pairs", key), lambda leaf=leaf: (_open_beside(leaf, WrittenPairs),))[0]
                               for (leaf, _offset), key in zip(self.leaves, self._keys)]
        self.doc_count = self.reader.doc_count_all()
        # Whole-index document frequencies asked already (IDF, accent restoration).
        self._frequencies: dict[tuple[str, str], int] = {}
        self._lengths: dict[str, np.ndarray] = {}
        self._codes: dict[str, tuple[np.ndarray, list]] = {}
        self._numbers: dict[str, np.ndarray] = {}
        self.live = self._live_mask()

    def _live_mask(self) -> np.ndarray:
        live = np.ones(self.doc_count, dtype=bool)
        for leaf, offset in self.leaves:
            deleted = leaf.deleted_docs_set if leaf.has_deletions() else ()
            if deleted:
                live[np.fromiter(deleted, dtype=np.int64, count=len(deleted)) + offset] = False
        return live

    # -- field lengths -------------------------------------------------------

    def lengths(self, fieldname: str) -> np.ndarray:
        """Decoded length of `fieldname` per docnum (0 where a document has none)."""
        cached = self._lengths.get(fieldname)
        if cached is not None:
            return cached
        parts = [
            _SEGMENTS.get(("len", key, fieldname), lambda leaf=leaf: _segment_lengths(leaf, fieldname))
            for (leaf, _offset), key in zip(self.leaves, self._keys)
        ]
        out = np.concatenate(parts) if parts else np.zeros(0)
        self._lengths[fieldname] = out
        return out

    # -- postings ------------------------------------------------------------

    def postings(self, fieldname: str, text: str) -> Postings:
        """Every posting of one term across segments (deleted documents included: see `live`)."""
        field = self.reader.schema[fieldname]
        btext = field.to_bytes(text)
        ids: list[np.ndarray] = []
        tfs: list[np.ndarray] = []
        for (leaf, offset), key, flat in zip(self.leaves, self._keys, self._flat):
            # Absent terms are cached too (as empty arrays): looking a term up in a
            # segment's term index was a third of the time of a whole search at 84k.
            block_ids, block_tf = _POSTINGS.get(
                (key, fieldname, btext),
                lambda leaf=leaf, flat=flat: _flat_postings(flat, fieldname, btext) if flat is not None
                else _leaf_postings(leaf, fieldname, btext, field.format) if (fieldname, btext) in leaf
                else (_EMPTY_IDS, _EMPTY_TF),
            )
            if not len(block_ids):
                continue
            ids.append(block_ids + offset if offset else block_ids)
            tfs.append(block_tf)
        if not ids:
            return Postings(_EMPTY_IDS, _EMPTY_TF)
        if len(ids) == 1:
            return Postings(ids[0], tfs[0])
        return Postings(np.concatenate(ids), np.concatenate(tfs))

    def positions(self, fieldname: str, text: str, docs: np.ndarray) -> dict[int, frozenset[int]]:
        """Positions of the term in each of `docs` (global docnums, ascending) that holds it.

        Through the term's matcher, skipping to each document: only the posting blocks
        around `docs` are read, not the whole list (a common syllable's list is long).
        """
        field = self.reader.schema[fieldname] if fieldname in self.reader.schema else None
        found: dict[int, frozenset[int]] = {}
        if field is None or not field.format.supports("positions"):
            return found
        btext = field.to_bytes(text)
        for leaf, offset in self.leaves:
            lo, hi = np.searchsorted(docs, [offset, offset + leaf.doc_count_all()])
            if lo == hi or (fieldname, btext) not in leaf:
                continue
            m = leaf._terms.matcher(fieldname, btext, field.format)
            for doc in docs[lo:hi]:
                local = int(doc) - offset
                if m.is_active() and m.id() < local:
                    m.skip_to(local)
                if not m.is_active():
                    break
                if m.id() == local:
                    found[int(doc)] = frozenset(m.value_as("positions"))
        return found

    # -- vocabulary ----------------------------------------------------------

    def doc_frequency(self, fieldname: str, text: str) -> int:
        """Documents holding the term (deleted ones included, as Whoosh counts), from each
        segment's term index, remembered per segment: accent restoration asks about
        dozens of spellings and pairs per query, most of them absent."""
        known = self._frequencies.get((fieldname, text))
        if known is not None:
            return known
        if fieldname not in self.reader.schema:
            return 0
        btext = self.reader.schema[fieldname].to_bytes(text)
        n = sum(
            flat.doc_frequency(fieldname, btext) if flat is not None else
            _FREQUENCIES.get((key, fieldname, btext),
                             lambda leaf=leaf: (leaf.doc_frequency(fieldname, btext),))[0]
            for (leaf, _offset), key, flat in zip(self.leaves, self._keys, self._flat)
        )
        if len(self._frequencies) >= _MAX_FREQUENCIES:
            self._frequencies.clear()
        self._frequencies[(fieldname, text)] = n
        return n

    def written_pair_count(self, pair: str) -> int | None:
        """Documents writing the exact pair term `pair` (`hồ_chí`), deleted ones included,
        from each segment's written-pair table; None when a segment has none."""
        if any(table is None for table in self._written_pairs):
            return None
        return sum(table.count(pair) for table in self._written_pairs)

    def _vocabularies(self, fieldname: str) -> list[frozenset[str]]:
        return [
            _VOCABULARIES.get(("vocab", key, fieldname), lambda leaf=leaf: _segment_vocabulary(leaf, fieldname))
            for (leaf, _offset), key in zip(self.leaves, self._keys)
        ]

    def terms_within_one_edit(self, fieldname: str, word: str) -> list[str]:
        """Indexed terms of `fieldname` one insertion, deletion, substitution or swap of
        neighbouring letters away from `word` (ASCII letters and digits, as folded terms are).

        Whoosh's `terms_within(fieldname, word, 1)` walks a Levenshtein automaton over
        the lexicon (~0.6 s per misspelt word at 5k articles) and counts a swap as one
        edit on a multi-segment reader but not on a single segment; here the ~36 x (2n + 1)
        edits of the word are looked up in each segment's term set.
        """
        vocabularies = self._vocabularies(fieldname)
        return sorted(c for c in _edits1(word) if any(c in v for v in vocabularies))

    # -- columns -------------------------------------------------------------

    def codes(self, column: str) -> tuple[np.ndarray, list]:
        """(code per docnum, value per code) for a sortable field; code 0 means no value."""
        cached = self._codes.get(column)
        if cached is None:
            cached = self._codes[column] = self._build_codes(column)
        return cached

    def numbers(self, column: str) -> np.ndarray:
        """A numeric sortable field's raw column values per docnum (DATETIME: Whoosh's long form;
        a document without a value has the column's default, 2**64 - 1 for dates)."""
        cached = self._numbers.get(column)
        if cached is None:
            default = self.missing(column)
            parts = [
                _SEGMENTS.get(("num", key, column), lambda leaf=leaf: _segment_numbers(leaf, column, default))
                for (leaf, _offset), key in zip(self.leaves, self._keys)
            ]
            cached = self._numbers[column] = np.concatenate(parts) if parts else np.zeros(0, dtype=np.uint64)
        return cached

    def missing(self, column: str) -> int:
        """The value `numbers(column)` holds for a document without one."""
        return self.reader.schema[column].column_type._default

    def phrase_checks(self, segment: int, fieldname: str, words: tuple[str, ...]) -> dict[int, bool]:
        """The remembered position checks of `words` in `fieldname` of the `segment`-th
        leaf (docnum within the segment -> in a row?); callers fill it in."""
        return _PHRASE_CHECKS.get((self._keys[segment], fieldname, words))

    def _build_codes(self, column: str) -> tuple[np.ndarray, list]:
        values: list = [None]
        index: dict = {}
        parts = []
        for (leaf, _offset), key in zip(self.leaves, self._keys):
            local_codes, local_values = _SEGMENTS.get(("codes", key, column),
                                                      lambda leaf=leaf: _segment_codes(leaf, column))
            remap = np.zeros(len(local_values), dtype=np.int32)
            for i, v in enumerate(local_values):
                if v in (None, "", b""):
                    continue
                if v not in index:
                    index[v] = len(values)
                    values.append(v)
                remap[i] = index[v]
            parts.append(remap[local_codes])
        return (np.concatenate(parts) if parts else np.zeros(0, dtype=np.int32)), values


def _segment_codes(leaf, column: str) -> tuple[np.ndarray, list]:
    """One segment's column as (code per document, distinct values in first-seen order)."""
    size = leaf.doc_count_all()
    column_values = list(leaf.column_reader(column)) if leaf.has_column(column) else []
    if len(column_values) != size:  # a segment where no document had this field has no column
        column_values = [None] * size
    index: dict = {}
    codes = np.fromiter((index.setdefault(v, len(index)) for v in column_values), dtype=np.int32, count=size)
    return codes, list(index)


class _PhraseChecks:
    """Position checks already made, per (segment, field, words): docnum -> in a row?

    A phrase of common syllables (`"tai nạn giao thông"`) has its positions
    checked in a thousand documents; popular phrases are searched again and
    again, and segments do not change, so each answer is kept.  Bounded by the
    number of documents remembered over all phrases (least recently used first).
    """

    def __init__(self, max_entries: int) -> None:
        self._lock = threading.Lock()
        self._items: OrderedDict[tuple, dict[int, bool]] = OrderedDict()
        self._entries = 0
        self._sizes: dict[tuple, int] = {}
        self.max_entries = max_entries

    def get(self, key: tuple) -> dict[int, bool]:
        with self._lock:
            found = self._items.get(key)
            if found is None:
                found = self._items[key] = {}
                self._sizes[key] = 0
            self._items.move_to_end(key)
            # Account for what was added since the last look.
            self._entries += len(found) - self._sizes[key]
            self._sizes[key] = len(found)
            while self._entries > self.max_entries and len(self._items) > 1:
                old_key, _old = self._items.popitem(last=False)
                self._entries -= self._sizes.pop(old_key)
            return found


_PHRASE_CHECKS = _PhraseChecks(max_entries=1_000_000)


_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"


def _edits1(word: str) -> set[str]:
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    deletes = {a + b[1:] for a, b in splits if b}
    replaces = {a + c + b[1:] for a, b in splits if b for c in _ALPHABET}
    inserts = {a + c + b for a, b in splits for c in _ALPHABET}
    swaps = {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}  # `khao` for `khoa`
    return (deletes | replaces | inserts | swaps) - {word}


def _segment_vocabulary(leaf, fieldname: str) -> frozenset[str]:
    """Every term of one segment's field."""
    return frozenset(leaf.field_terms(fieldname)) if fieldname in leaf.schema else frozenset()


def _segment_numbers(leaf, column: str, default: int) -> np.ndarray:
    size = leaf.doc_count_all()
    if not leaf.has_column(column):
        return np.full(size, default, dtype=np.uint64)
    values = np.fromiter(leaf.column_reader(column, translate=False), dtype=np.uint64, count=size)
    return values


def _segment_lengths(leaf, fieldname: str) -> np.ndarray:
    size = leaf.doc_count_all()
    perdoc = leaf._perdoc  # whoosh3 keeps length columns in the per-document reader, not the schema
    lenfield = f"_{fieldname}_len"
    if not perdoc.has_column(lenfield):
        return np.zeros(size)
    from whoosh.codec.whoosh3 import LENGTHS_COLUMN

    raw = np.frombuffer(bytes(perdoc.column_reader(lenfield, LENGTHS_COLUMN).load()), dtype=np.uint8)
    if len(raw) < size:  # trailing documents without the field have no byte written
        raw = np.concatenate([raw, np.zeros(size - len(raw), dtype=np.uint8)])
    return _LENGTH_OF_BYTE[raw[:size]]


def _leaf_postings(leaf, fieldname: str, btext: bytes, fmt) -> tuple[np.ndarray, np.ndarray]:
    """All postings of one term in one segment, deleted documents included."""
    m = leaf._terms.matcher(fieldname, btext, fmt)
    if type(m) is not W3LeafMatcher:  # another codec: the generic (slow) way
        ids, tfs = [], []
        while m.is_active():
            ids.append(m.id())
            tfs.append(m.weight())
            m.next()
        return np.array(ids, dtype=np.int64), np.array(tfs, dtype=np.float64)
    id_blocks: list[np.ndarray] = []
    tf_blocks: list[np.ndarray] = []
    while m.is_active():
        if m._data is None:
            m._read_data()
        raw_ids, raw_weights = m._data[0], m._data[1]
        n = m._blocklength
        block_ids = np.asarray(raw_ids, dtype=np.int64)
        if not m._byteids:
            block_ids = np.cumsum(block_ids)  # stored as deltas from the previous id (the first from 0)
        id_blocks.append(block_ids)
        if raw_weights is None:
            tf_blocks.append(np.ones(n))
        elif isinstance(raw_weights, float):
            tf_blocks.append(np.full(n, raw_weights))
        else:
            tf_blocks.append(np.asarray(raw_weights, dtype=np.float64))
        m._next_block()
    if not id_blocks:
        return _EMPTY_IDS, _EMPTY_TF
    return np.concatenate(id_blocks), np.concatenate(tf_blocks)
