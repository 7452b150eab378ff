"""How much each kind of evidence weighs: the parameters every backend ranks with.

The plan's boosts (search/plan.py) and the BM25F parameters of the scoring
model live in one frozen value, so a tuning run passes its own (bench/relevance_tune.py)
instead of patching code, and a result cache can key on it.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import log


@dataclass(frozen=True)
class Ranking:
    """Defaults tuned on the tuning half of the relevance harness
    (bench/relevance_tune.py; see bench/README.md, "Relevance")."""

    # Extra weight when a syllable typed with marks matches exactly, and the weight of
    # its folded form: an exact match scores 0.5 + 0.5, a differently accented one 0.5,
    # so typed accents put exact matches first without doubling common syllables.
    exact_boost: float = 0.5
    folded_accented_boost: float = 0.5
    title_boost: float = 2.0
    # Adjacent-syllable pairs are the word-level evidence (most words are two syllables).
    pair_boost: float = 2.5
    # A headline typed as it was published matches the title's pairs one after another.
    # 4.0 found every tuning headline first (2.0: MRR@10 0.987) at a cost on
    # question-like queries (XQuAD tuning MRR@10 0.843 -> 0.808); press releases are
    # looked up by their titles far more often than by questions.
    title_pair_boost: float = 4.0
    code_boost: float = 3.0
    phrase_exact_boost: float = 2.0
    # Runs of more syllables than this (and queries ending in `?`) match ANY
    # syllable, ranked by evidence, instead of requiring all: questions and
    # pasted sentences.
    long_query: int = 5
    # Long queries: the rarest clauses whose document frequencies add up to this
    # share of the index find the candidates; the rest only add score to them
    # (1.0: every clause finds candidates).  See plan.CommonTerms.  0.2 ranked the
    # tuning questions exactly as 1.0 did, with less work per query.
    candidate_budget: float = 0.2
    # Long queries: clauses in more than this share of the documents are dropped.
    ignore_df: float = 1.0

    # BM25F.  The probabilistic IDF, log(1 + (N - n + 0.5) / (n + 0.5)), rather than
    # Whoosh's log(N / (n + 1)) + 1, which never lets `của`, `là`, `năm` fall below an
    # eighth of a rare name: on the harness's tuning questions MRR@10 went from 0.74 to 0.89.
    probabilistic_idf: bool = True
    # Titles (and the plain fields) take their document frequencies from the body
    # fields: see idf_field.
    shared_idf: bool = True
    k1: float = 1.2
    b: float = 0.75
    # Titles are short and all about the same length: length normalisation there
    # mostly adds noise, so it is weaker than for bodies.
    title_b: float = 0.3


DEFAULT_RANKING = Ranking()


# The body field whose document frequency weighs a term of each other field (shared IDF).
# Titles are short, so nearly every term is rare among titles: `bao nhiêu` in one
# headline would otherwise outweigh a name.  The plain fields hold only the documents
# typed without diacritics, so their own counts say how rare a word is among those few.
IDF_FIELD_OF = {"title_exact": "exact", "title_folded": "folded", "title_pairs": "pairs",
                "plain": "folded", "title_plain": "folded"}


def idf_field(field: str, ranking: Ranking) -> str:
    """The field whose document frequency weighs a term of `field`.  (Sharing goes with the
    probabilistic IDF: with it off, Whoosh's own BM25F weighs each field on its own.)"""
    return IDF_FIELD_OF.get(field, field) if ranking.shared_idf and ranking.probabilistic_idf else field


def probabilistic_idf(n: int, total: int) -> float:
    """log(1 + (N - n + 0.5) / (n + 0.5)): the IDF of a term in `n` of `total` documents.

    Whoosh's default, log(N / (n + 1)) + 1, never falls below 1, so a syllable found
    in nearly every article (`của`, `có`, `là`) still weighs about an eighth of a rare
    name; questions are full of such syllables.  Here a syllable in 90% of the
    documents weighs about a hundredth.  (Lucene's BM25 uses this one too.)"""
    return log(1 + (total - n + 0.5) / (n + 0.5))


def whoosh_idf(n: int, total: int) -> float:
    """Whoosh's own IDF, log(N / (n + 1)) + 1 (Ranking.probabilistic_idf off)."""
    return log(total / (n + 1)) + 1


def idf(n: int, total: int, ranking: Ranking) -> float:
    """The IDF `ranking` weighs a term in `n` of `total` documents with."""
    return probabilistic_idf(n, total) if ranking.probabilistic_idf else whoosh_idf(n, total)
