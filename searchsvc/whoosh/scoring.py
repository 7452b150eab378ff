"""The BM25F model the Whoosh backend scores with, from the ranking parameters."""

from __future__ import annotations

from math import log

from whoosh import scoring

from ..search.ranking import Ranking


class SyllableBM25F(scoring.BM25F):
    """BM25F with the probabilistic IDF, log(1 + (N - n + 0.5) / (n + 0.5)).

    Whoosh's default IDF, log(N / (n + 1)) + 1, never falls below 1, so a
    syllable found in nearly every article (`của`, `có`, `là`) still weighs
    about an eighth of a rare name; questions are full of such syllables.
    Here a syllable in 90% of the documents weighs about a hundredth.

    With `shared_idf`, a title field takes its document frequency from the
    matching body field: titles are short, so nearly every term is rare among
    titles, and `bao nhiêu` in one headline would otherwise outweigh a name.
    """

    BODY_OF = {"title_exact": "exact", "title_folded": "folded", "title_pairs": "pairs",
               "plain": "folded", "title_plain": "folded"}

    def __init__(self, B: float = 0.75, K1: float = 1.2, shared_idf: bool = True, **kwargs: float) -> None:
        super().__init__(B=B, K1=K1, **kwargs)
        self.shared_idf = shared_idf

    def idf(self, searcher, fieldname: str, text: str) -> float:
        parent = searcher.get_parent()
        n = parent.doc_frequency(self.idf_field(fieldname), text)
        return self.idf_of(n, parent.doc_count_all())

    def idf_field(self, fieldname: str) -> str:
        """The field whose document frequency weighs a term of `fieldname`."""
        return self.BODY_OF.get(fieldname, fieldname) if self.shared_idf else fieldname

    @staticmethod
    def idf_of(n: int, total: int) -> float:
        """The IDF of a term in `n` of `total` documents."""
        return log(1 + (total - n + 0.5) / (n + 0.5))


def weighting(ranking: Ranking) -> scoring.BM25F:
    """BM25F per field: weaker length normalisation in titles (ranking.title_b), none in
    the plain fields — they hold only documents typed without diacritics, so their
    average length says nothing about a document."""
    per_field = {"title_exact_B": ranking.title_b, "title_folded_B": ranking.title_b,
                 "title_pairs_B": ranking.title_b, "plain_B": 0.0, "title_plain_B": 0.0}
    if not ranking.probabilistic_idf:
        return scoring.BM25F(B=ranking.b, K1=ranking.k1, **per_field)
    return SyllableBM25F(B=ranking.b, K1=ranking.k1, shared_idf=ranking.shared_idf, **per_field)
