"""How many documents of a segment write two exact syllables side by side, beside the segment.

Did-you-mean restores accents by asking how often the corpus writes each accented
reading of a folded pair (`hồ chí` against `họ chỉ`, search/suggest.py).  An index
field of accented pairs would answer that but nearly doubled the index (458 -> 835
MB at 20k articles); reading the positions of every candidate spelling in sample
documents answered it approximately and was a third of the time of a cold query at
84k articles.  A count per pair is all it needs, so the bulk writer (writer.py)
keeps one per segment:

    <segment>.pairkeys.npy     uint64, sorted: a 64-bit hash of the pair term (`hồ_chí`)
    <segment>.paircounts.npy   uint8: documents writing the pair, 255 standing for 255 or more
    <segment>.pairbig.npy      uint32 (n x 2): where a count of 255 or more is, and what it is

Counts include documents deleted since the segment was written until a merge
rewrites the segment, which subtracts them (as Whoosh's document frequencies do).
A segment without the
files (written by Whoosh's own writer, or merged from one) has no table; callers
then fall back to estimating from positions.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from .flatpostings import bytes_with_big, map_beside_segment, term_key, with_big

# Bytes per distinct pair while counting (a str key and a dict entry): 6,000 VNTC articles
# wrote 486k distinct pairs and raised the indexer's peak RSS by 73 MB.
_PAIR_BYTES = 150

SUFFIXES = {"keys": ".pairkeys.npy", "counts": ".paircounts.npy", "big": ".pairbig.npy"}
# The hash's "field": pair terms are hashed apart from every field's terms.
_NAMESPACE = "written_pairs"


class WrittenPairsWriter:
    """Counts one segment's written pairs, document by document, then saves them."""

    def __init__(self) -> None:
        self._counts: dict[str, int] = {}
        self._merged: list[WrittenPairs] = []
        self.complete = True  # False once a merged-in segment had no table

    def add_document(self, pairs: Iterable[str]) -> None:
        counts = self._counts
        for pair in pairs:
            counts[pair] = counts.get(pair, 0) + 1

    def memory_estimate(self) -> int:
        return _PAIR_BYTES * len(self._counts)

    def remove_document(self, pairs: Iterable[str]) -> None:
        """A deleted document of a merged-in segment: its pairs no longer count."""
        counts = self._counts
        for pair in pairs:
            counts[pair] = counts.get(pair, 0) - 1

    def add_table(self, table: WrittenPairs | None) -> None:
        """A merged segment's counts (hashes only: they are summed as hashes at save)."""
        if table is None:
            self.complete = False
            return
        self._merged.append(table)

    def save(self, folder: str, segment_name: str) -> None:
        if not self.complete:
            return
        keys = np.fromiter((term_key(_NAMESPACE, p.encode("utf-8")) for p in self._counts),
                           dtype=np.uint64, count=len(self._counts))
        counts = np.fromiter(self._counts.values(), dtype=np.int64, count=len(self._counts))
        if len(np.unique(keys)) != len(keys):
            return  # a hash collision: leave the segment without a table
        for table in self._merged:
            keys = np.concatenate([keys, np.asarray(table.keys)])
            counts = np.concatenate([counts, with_big(table.counts, table.big)])
        keys, where = np.unique(keys, return_inverse=True)
        summed = np.zeros(len(keys), dtype=np.int64)
        np.add.at(summed, where, counts.astype(np.int64))
        kept = summed > 0  # pairs written only by documents deleted before the merge
        counts, big = bytes_with_big(np.minimum(summed[kept], np.iinfo(np.uint32).max))
        arrays = {"counts": counts, "big": big, "keys": keys[kept]}
        # `keys` last: a segment whose keys file exists has its counts complete.
        for kind in ("counts", "big", "keys"):
            np.save(os.path.join(folder, segment_name + SUFFIXES[kind]), arrays[kind], allow_pickle=False)


@dataclass(frozen=True)
class WrittenPairs:
    """One segment's table, memory-mapped."""

    keys: np.ndarray
    counts: np.ndarray
    big: np.ndarray

    @classmethod
    def open(cls, folder: str, segment_name: str) -> WrittenPairs | None:
        arrays = map_beside_segment(folder, segment_name, SUFFIXES)
        return None if arrays is None else cls(**arrays)

    def count(self, pair: str) -> int:
        """Documents of the segment writing `pair` (a `written_pairs` term)."""
        key = np.uint64(term_key(_NAMESPACE, pair.encode("utf-8")))
        i = int(np.searchsorted(self.keys, key))
        if i == len(self.keys) or self.keys[i] != key:
            return 0
        return int(with_big(self.counts[i:i + 1], self.big, i)[0])
