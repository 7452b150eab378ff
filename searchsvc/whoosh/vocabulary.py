"""What accent restoration asks of the index (`suggest.Vocabulary`), answered from
one searcher's segments.

How often the corpus writes two spellings side by side (`hồ chí` vs `họ chỉ`) is
read from each segment's written-pair table (writtenpairs.py), one lookup per
candidate pair.  A segment without a table (one written by Whoosh's own writer)
falls back to an estimate from what is indexed already: the folded pair
(`ho_chi`) is in the pairs field; in the first documents holding it, the
positions of each candidate spelling say which accented pair the document writes
(each document counts once, shared among the pairs it writes), and the counts
are scaled to all documents holding the folded pair.  The estimate reads
positions, which made it a third of a cold query's time at 84k articles.
"""

from __future__ import annotations

from whoosh.searching import Searcher

from ..analysis import fold, pair_term
from .postings import IndexArrays

# Documents holding a folded pair whose positions are read.
SAMPLE = 64


class IndexVocabulary:
    """Keep one per searcher: counts already worked out are remembered."""

    def __init__(self, searcher: Searcher, arrays: IndexArrays) -> None:
        self.searcher = searcher
        self.arrays = arrays
        self._counts: dict[tuple[str, tuple[str, ...], tuple[str, ...]], dict[tuple[str, str], float]] = {}

    def doc_frequency(self, fieldname: str, text: str) -> int:
        return self.arrays.doc_frequency(fieldname, text)

    def terms_within_one_edit(self, fieldname: str, word: str) -> list[str]:
        return self.arrays.terms_within_one_edit(fieldname, word)

    def adjacent(self, firsts: list[str], seconds: list[str]) -> dict[tuple[str, str], float]:
        """How many documents write each (first, second) side by side (estimated
        where a segment has no written-pair table)."""
        counts: dict[tuple[str, str], float] = {}
        for fa, group_a in _by_fold(firsts).items():
            for fb, group_b in _by_fold(seconds).items():
                key = (pair_term(fa, fb), group_a, group_b)
                found = self._counts.get(key)
                if found is None:
                    found = self._counted(list(group_a), list(group_b))
                    if found is None:
                        found = self._estimate(key[0], list(group_a), list(group_b))
                    self._counts[key] = found
                counts.update(found)
        return counts

    def _counted(self, firsts: list[str], seconds: list[str]) -> dict[tuple[str, str], float] | None:
        """Exact counts from the written-pair tables, or None without them."""
        counts: dict[tuple[str, str], float] = {}
        for a in firsts:
            for b in seconds:
                n = self.arrays.written_pair_count(pair_term(a, b))
                if n is None:
                    return None
                counts[(a, b)] = float(n)
        return counts

    def _estimate(self, pair: str, firsts: list[str], seconds: list[str]) -> dict[tuple[str, str], float]:
        ids = self.arrays.postings("pairs", pair).ids
        ids = ids[self.arrays.live[ids]]
        counts = {(a, b): 0.0 for a in firsts for b in seconds}
        if not len(ids):
            return counts
        sample = ids[:SAMPLE]
        at_a = {a: self.arrays.positions("exact", a, sample) for a in firsts}
        at_b = {b: self.arrays.positions("exact", b, sample) for b in seconds}
        for doc in map(int, sample):
            written = [(a, b) for a in firsts if doc in at_a[a] for b in seconds if doc in at_b[b]
                       and any(p + 1 in at_b[b][doc] for p in at_a[a][doc])]
            for key in written:
                counts[key] += 1.0 / len(written)
        scale = len(ids) / len(sample)
        return {key: n * scale for key, n in counts.items()}


def _by_fold(forms: list[str]) -> dict[str, tuple[str, ...]]:
    groups: dict[str, list[str]] = {}
    for form in forms:
        groups.setdefault(fold(form), []).append(form)
    return {f: tuple(g) for f, g in groups.items()}
