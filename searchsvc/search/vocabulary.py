"""What accent restoration asks of the index (`suggest.Vocabulary`), answered from
one searcher's segments.

How often the corpus writes two spellings side by side (`hồ chí` vs `họ chỉ`) is
read from positions, not from a field of accented pairs (which nearly doubled
the index: 458 -> 835 MB at 20k articles).  The folded pair (`ho_chi`) is
indexed already; among the first documents holding it, the exact spellings'
positions say which accented pair they hold, and the share found is scaled to
all documents holding the folded pair.
"""

from __future__ import annotations

import numpy as np
from whoosh.searching import Searcher

from ..analysis import fold
from .arrays import IndexArrays
from .evaluate import Evaluator

# Documents holding a folded pair whose positions are read per candidate pair.
SAMPLE = 64


class IndexVocabulary:
    def __init__(self, searcher: Searcher, arrays: IndexArrays) -> None:
        self.searcher = searcher
        self.arrays = arrays
        self._positions = Evaluator(searcher, arrays, scored=False)
        self._samples: dict[str, tuple[np.ndarray, int]] = {}

    def doc_frequency(self, fieldname: str, text: str) -> int:
        return self.arrays.doc_frequency(fieldname, text)

    def present(self, fieldname: str, words) -> list[str]:
        return self.arrays.present(fieldname, words)

    def terms_within_one_edit(self, fieldname: str, word: str) -> list[str]:
        return self.arrays.terms_within_one_edit(fieldname, word)

    def adjacent(self, first: str, second: str) -> float:
        """About how many documents hold `first` then `second` with only spaces between."""
        sample, total = self._sample(f"{fold(first)}_{fold(second)}")
        if not len(sample):
            return 0.0
        schema = self.searcher.schema
        slots = [("exact", schema["exact"], schema["exact"].to_bytes(w)) for w in (first, second)]
        found = 0
        for leaf, offset in self.arrays.leaves:
            lo, hi = np.searchsorted(sample, [offset, offset + leaf.doc_count_all()])
            if lo == hi or not all(("exact", b) in leaf for _, _, b in slots):
                continue
            docs = [int(d) - offset for d in sample[lo:hi]]
            found += sum(self._positions._check_positions(leaf, slots, docs).values())
        return found * total / len(sample)

    def _sample(self, folded_pair: str) -> tuple[np.ndarray, int]:
        """The first SAMPLE live documents holding the folded pair, and how many hold it."""
        cached = self._samples.get(folded_pair)
        if cached is None:
            ids = self.arrays.postings("pairs", folded_pair).ids
            ids = ids[self.arrays.live[ids]]
            cached = self._samples[folded_pair] = (ids[:SAMPLE], len(ids))
        return cached
