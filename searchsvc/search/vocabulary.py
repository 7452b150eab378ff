"""What accent restoration asks of the index (`suggest.Vocabulary`), answered from
one searcher's segments.

How often the corpus writes two spellings side by side (`hồ chí` vs `họ chỉ`) is
estimated from what is indexed already, not from a field of accented pairs
(which nearly doubled the index: 458 -> 835 MB at 20k articles).  The folded
pair (`ho_chi`) is in the pairs field; in a sample of the documents holding it,
the spellings each document holds (from the exact field's postings) say which
accented pair it writes there: each sampled document counts once, shared among
the candidate pairs it holds both halves of.  The shares are scaled to all
documents holding the folded pair.
"""

from __future__ import annotations

import numpy as np
from whoosh.searching import Searcher

from ..analysis import fold
from .arrays import IndexArrays

# Documents holding a folded pair that are looked at.
SAMPLE = 200


class IndexVocabulary:
    """Keep one per searcher: counts already worked out are remembered."""

    def __init__(self, searcher: Searcher, arrays: IndexArrays) -> None:
        self.searcher = searcher
        self.arrays = arrays
        self._counts: dict[tuple[str, tuple[str, ...], tuple[str, ...]], dict[tuple[str, str], float]] = {}

    def doc_frequency(self, fieldname: str, text: str) -> int:
        return self.arrays.doc_frequency(fieldname, text)

    def present(self, fieldname: str, words) -> list[str]:
        return self.arrays.present(fieldname, words)

    def terms_within_one_edit(self, fieldname: str, word: str) -> list[str]:
        return self.arrays.terms_within_one_edit(fieldname, word)

    def adjacent(self, firsts: list[str], seconds: list[str]) -> dict[tuple[str, str], float]:
        """About how many documents write each (first, second) side by side."""
        counts: dict[tuple[str, str], float] = {}
        for fa, group_a in _by_fold(firsts).items():
            for fb, group_b in _by_fold(seconds).items():
                key = (f"{fa}_{fb}", group_a, group_b)
                found = self._counts.get(key)
                if found is None:
                    found = self._counts[key] = self._estimate(key[0], list(group_a), list(group_b))
                counts.update(found)
        return counts

    def _estimate(self, pair: str, firsts: list[str], seconds: list[str]) -> dict[tuple[str, str], float]:
        ids = self.arrays.postings("pairs", pair).ids
        ids = ids[self.arrays.live[ids]]
        counts = {(a, b): 0.0 for a in firsts for b in seconds}
        if not len(ids):
            return counts
        sample = ids[:: max(1, len(ids) // SAMPLE)][:SAMPLE]  # spread over the index
        holds_first = np.array([self._holds(a, sample) for a in firsts])  # forms x sample
        holds_second = np.array([self._holds(b, sample) for b in seconds])
        both = holds_first[:, None, :] & holds_second[None, :, :]  # firsts x seconds x sample
        per_doc = both.sum(axis=(0, 1))
        share = np.divide(1.0, per_doc, out=np.zeros(len(sample)), where=per_doc > 0)
        scale = len(ids) / len(sample)
        totals = (both * share).sum(axis=2) * scale
        for i, a in enumerate(firsts):
            for j, b in enumerate(seconds):
                counts[(a, b)] = float(totals[i, j])
        return counts

    def _holds(self, term: str, docs: np.ndarray) -> np.ndarray:
        """For each docnum in `docs`, whether it holds the exact term."""
        ids = self.arrays.postings("exact", term).ids
        if not len(ids):
            return np.zeros(len(docs), dtype=bool)
        at = np.minimum(np.searchsorted(ids, docs), len(ids) - 1)
        return ids[at] == docs


def _by_fold(forms: list[str]) -> dict[str, tuple[str, ...]]:
    groups: dict[str, list[str]] = {}
    for form in forms:
        groups.setdefault(fold(form), []).append(form)
    return {f: tuple(g) for f, g in groups.items()}
