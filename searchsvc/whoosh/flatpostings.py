"""Posting lists as flat NumPy arrays beside each segment, read by memory-mapping.

Whoosh keeps a posting list as pickled blocks of 128 postings; reading a common
syllable's list cold means one unpickle per block (hundreds per term at 84k
articles) before NumPy sees a number.  The bulk writer (writer.py) therefore also
writes, for each segment it writes, the same postings as arrays:

    <segment>.flatkeys.npy   uint64, sorted: a 64-bit hash of (field, term) per term
    <segment>.flatstarts.npy uint32 (terms + 1): where each term's postings start, in key
                             order, and where the last ends (a term's count is the difference)
    <segment>.flatids.npy    docnums within the segment, ascending per term: uint16 when the
                             segment has at most 65,536 documents (most do), else uint32
    <segment>.flattf.npy     the posting weights: frequencies as uint8, 255 standing for 255
                             or more; float32 (as Whoosh stores them) if a field is boosted
    <segment>.flattfbig.npy  uint32 (n x 2): where a frequency of 255 or more is, and what it is
                             (a few dozen postings in 84k articles: they would double flattf)
    <segment>.flatfield.npy  uint8: which field each key's term is of, as a position in
    <segment>.flatnames.npy  the field names (unicode)

so a cold posting list costs a binary search and a page-in.  Some fields' postings
are only here (writer.FLAT_ONLY_FIELDS); a segment merge reads them back by field.  The files carry the
segment's name, so Whoosh deletes them with the segment (index.clean_files).  A
segment without them (written by Whoosh's own writer) is read the Whoosh way.

A hash stands for the term: two terms of one segment with the same 64-bit hash
would need ~4 billion terms for an even chance; the writer checks there is none
in what it writes, and a looked-up term that is absent but shares a hash with a
present one has a chance of about (terms / 2**64) per lookup.
"""

from __future__ import annotations

import hashlib
import os
from array import array
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

SUFFIXES = {"keys": ".flatkeys.npy", "starts": ".flatstarts.npy", "ids": ".flatids.npy", "tf": ".flattf.npy",
            "tfbig": ".flattfbig.npy",
            "field": ".flatfield.npy", "names": ".flatnames.npy"}


def term_key(fieldname: str, tbytes: bytes) -> int:
    """The 64-bit hash standing for a term of a field."""
    digest = hashlib.blake2b(tbytes, digest_size=8, person=fieldname.encode("utf-8")[:16]).digest()
    return int.from_bytes(digest, "little")


class FlatPostingsWriter:
    """Collects one segment's postings, field by field and term by term, then saves them."""

    def __init__(self) -> None:
        self._keys = array("Q")
        self._field = array("B")
        self._names: dict[str, int] = {}
        self._starts = array("I")
        self._counts = array("I")
        self._ids = array("I")
        self._tf = array("f")

    def add(self, fieldname: str, tbytes: bytes, flat: list) -> None:
        """One term's postings as the bulk writer pools them: [docnum, weight, value, ...]."""
        self._start(fieldname, term_key(fieldname, tbytes), len(flat) // 3)
        self._ids.extend(flat[0::3])
        self._tf.extend(flat[1::3])

    def add_arrays(self, fieldname: str, key: int, ids: np.ndarray, tf: np.ndarray) -> None:
        """One term's postings by its key (read back from a merged segment), docnums ascending."""
        self._start(fieldname, key, len(ids))
        self._ids.frombytes(np.ascontiguousarray(ids, dtype=np.uint32).tobytes())
        self._tf.frombytes(np.ascontiguousarray(tf, dtype=np.float32).tobytes())

    def _start(self, fieldname: str, key: int, count: int) -> None:
        code = self._names.get(fieldname)
        if code is None:
            code = self._names[fieldname] = len(self._names)
        self._keys.append(key)
        self._field.append(code)
        self._starts.append(len(self._ids))
        self._counts.append(count)

    def save(self, folder: str, segment_name: str) -> bool:
        """Write the files; False (nothing written) when two terms share a key."""
        keys = np.frombuffer(self._keys, dtype=np.uint64)
        order = np.argsort(keys, kind="stable")
        keys = keys[order]
        if len(keys) > 1 and bool((keys[1:] == keys[:-1]).any()):
            return False  # a hash collision within the segment
        # Postings laid out in key order, so that one start per term (and an end) says where
        # every term's postings are.
        counts = np.frombuffer(self._counts, dtype=np.uint32)[order].astype(np.int64)
        starts = np.zeros(len(keys) + 1, dtype=np.int64)
        np.cumsum(counts, out=starts[1:])
        # A segment's close is its writer's peak of memory: index with int32 where it fits, half the bytes.
        total = int(starts[-1])
        index_type = np.int32 if total < 2**31 else np.int64
        gather = np.repeat((np.frombuffer(self._starts, dtype=np.uint32)[order] - starts[:-1]).astype(index_type),
                           counts)
        gather += np.arange(total, dtype=index_type)
        ids = np.frombuffer(self._ids, dtype=np.uint32)[gather]
        tf = np.frombuffer(self._tf, dtype=np.float32)[gather]
        del gather
        self._ids, self._tf = array("I"), array("f")  # gathered: the writer is done with them
        tf, tfbig = _weights_with_big(tf)
        arrays = {"keys": keys, "starts": starts.astype(np.uint32), "ids": narrowest(ids), "tf": tf, "tfbig": tfbig,
                  "field": np.frombuffer(self._field, dtype=np.uint8)[order],
                  "names": np.array(list(self._names), dtype=str)}
        # `keys` last: a segment whose keys file exists has the others complete.
        for kind in ("starts", "ids", "tf", "tfbig", "field", "names", "keys"):
            np.save(os.path.join(folder, segment_name + SUFFIXES[kind]), arrays[kind], allow_pickle=False)
        return True


def narrowest(values: np.ndarray) -> np.ndarray:
    """Unsigned ints in the narrowest of uint8/16/32 that holds them all (readers widen on read)."""
    top = int(values.max()) if len(values) else 0
    for dtype in (np.uint8, np.uint16):
        if top <= np.iinfo(dtype).max:
            return values.astype(dtype)
    return values.astype(np.uint32)


_BIG = 255


def bytes_with_big(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Non-negative ints as uint8, 255 where the value is 255 or more, and the (index, value)
    rows (uint32, by index) of those: most counts fit a byte, a few would widen every one."""
    where = np.flatnonzero(values >= _BIG)
    big = np.stack([where, values[where]], axis=1).astype(np.uint32) if len(where) else np.zeros((0, 2), np.uint32)
    return np.minimum(values, _BIG).astype(np.uint8), big


def with_big(values: np.ndarray, big: np.ndarray, start: int = 0) -> np.ndarray:
    """values[start:start + len(values)] of a bytes_with_big pair, as int64 (float64 kept)."""
    out = values.astype(np.float64 if values.dtype.kind == "f" else np.int64)
    if len(big):
        lo, hi = np.searchsorted(big[:, 0], [start, start + len(values)])
        if lo < hi:
            out[big[lo:hi, 0].astype(np.int64) - start] = big[lo:hi, 1]
    return out


def _weights_with_big(tf: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    whole = tf.astype(np.uint32)
    if not np.array_equal(whole, tf):  # a boosted field: Whoosh's float32 weights
        return tf, np.zeros((0, 2), np.uint32)
    return bytes_with_big(whole)


def map_beside_segment(folder: str, segment_name: str, suffixes: dict[str, str]) -> dict[str, np.ndarray] | None:
    """The arrays saved beside a segment (kind -> `<segment><suffix>`), memory-mapped; None
    when the `keys` file, written last, is missing."""
    paths = {kind: os.path.join(folder, segment_name + suffix) for kind, suffix in suffixes.items()}
    if not os.path.exists(paths["keys"]):
        return None
    # Plain arrays over the mapped files: slicing a np.memmap makes a memmap object
    # per slice, which cost more than the postings it held in a profile of cold queries.
    return {kind: np.asarray(np.load(path, mmap_mode="r", allow_pickle=False)) for kind, path in paths.items()}


@dataclass(frozen=True)
class FlatPostings:
    """One segment's flat postings, memory-mapped (pages are read when a term is)."""

    keys: np.ndarray
    starts: np.ndarray
    ids: np.ndarray
    tf: np.ndarray
    tfbig: np.ndarray
    field: np.ndarray
    names: np.ndarray

    @classmethod
    def open(cls, folder: str, segment_name: str) -> FlatPostings | None:
        arrays = map_beside_segment(folder, segment_name, SUFFIXES)
        return None if arrays is None else cls(**arrays)

    def _find(self, fieldname: str, tbytes: bytes) -> int | None:
        key = np.uint64(term_key(fieldname, tbytes))
        i = int(np.searchsorted(self.keys, key))
        return i if i < len(self.keys) and self.keys[i] == key else None

    def postings(self, fieldname: str, tbytes: bytes) -> tuple[np.ndarray, np.ndarray] | None:
        """(docnums as int64, weights as float64) of the term, or None when the segment lacks it."""
        i = self._find(fieldname, tbytes)
        if i is None:
            return None
        start, end = int(self.starts[i]), int(self.starts[i + 1])
        return self.ids[start:end].astype(np.int64), self._tf(start, end)

    def doc_frequency(self, fieldname: str, tbytes: bytes) -> int:
        """Documents holding the term, deleted ones included (as Whoosh counts)."""
        i = self._find(fieldname, tbytes)
        return 0 if i is None else int(self.starts[i + 1]) - int(self.starts[i])

    def field_postings(self, fieldname: str) -> Iterator[tuple[int, np.ndarray, np.ndarray]]:
        """(key, docnums, weights) of every term of one field, in key order (for merges)."""
        codes = np.flatnonzero(self.names == fieldname)
        if not len(codes):
            return
        for i in np.flatnonzero(self.field == codes[0]):
            start, end = int(self.starts[i]), int(self.starts[i + 1])
            yield int(self.keys[i]), self.ids[start:end], self._tf(start, end)

    def _tf(self, start: int, end: int) -> np.ndarray:
        return with_big(self.tf[start:end], self.tfbig, start).astype(np.float64)
