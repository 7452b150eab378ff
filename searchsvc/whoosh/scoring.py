"""The BM25F model the Whoosh backend scores with, from the ranking parameters."""

from __future__ import annotations

from whoosh import scoring

from ..search.ranking import Ranking, idf_field, probabilistic_idf


class SyllableBM25F(scoring.BM25F):
    """BM25F with the probabilistic IDF (search/ranking.probabilistic_idf), each field's
    document frequencies taken from the field ranking.idf_field names (with
    `shared_idf`, titles and plain fields count in the body fields)."""

    def __init__(self, ranking: Ranking, **per_field_b: float) -> None:
        super().__init__(B=ranking.b, K1=ranking.k1, **per_field_b)
        self.ranking = ranking

    def idf(self, searcher, fieldname: str, text: str) -> float:
        parent = searcher.get_parent()
        n = parent.doc_frequency(self.idf_field(fieldname), text)
        return self.idf_of(n, parent.doc_count_all())

    def idf_field(self, fieldname: str) -> str:
        """The field whose document frequency weighs a term of `fieldname`."""
        return idf_field(fieldname, self.ranking)

    idf_of = staticmethod(probabilistic_idf)


def weighting(ranking: Ranking) -> scoring.BM25F:
    """BM25F per field: weaker length normalisation in titles (ranking.title_b), none in
    the plain fields — they hold only documents typed without diacritics, so their
    average length says nothing about a document."""
    per_field = {"title_exact_B": ranking.title_b, "title_folded_B": ranking.title_b,
                 "title_pairs_B": ranking.title_b, "plain_B": 0.0, "title_plain_B": 0.0}
    if not ranking.probabilistic_idf:
        return scoring.BM25F(B=ranking.b, K1=ranking.k1, **per_field)
    return SyllableBM25F(ranking, **per_field)
