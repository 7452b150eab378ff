"""Turn a ParsedQuery into a Whoosh query: what must match, and what only adds score.

What matches follows what was typed, syllable by syllable:
  * a syllable typed without marks matches every accented form (folded fields),
  * a syllable typed with marks matches only that syllable (exact fields), or
    its folded form in a document typed without diacritics (plain fields),
  * quoted phrases follow the same rule at every position,
  * document codes and dates match their folded terms, as typed or spelled out.
`build_query(parsed, strict=False)` is the accent-blind reading of the same query:
the approximate matches the engine may list after the strict ones.

Scoring adds, for what matches,
  * the folded and (for syllables typed with marks) exact forms of every syllable,
  * folded adjacent-syllable pairs (word-level and proximity evidence),
  * title fields,
  * document-code terms (`nq57`) as an alternative to their component syllables.
Strict and accent-blind readings give a document that matches both the same score.
The required part is kept lean — a few terms per syllable — because every
clause costs time on every matching document.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import log

from whoosh import query as Q
from whoosh import scoring
from whoosh.matching import NullMatcher, WrappingMatcher

from ..analysis import Token
from .query import ParsedQuery, Part


class _Or(Q.Or):
    """`Or` that always scores through Whoosh's binary tree of union matchers.

    On segments of at most 5,000 documents a plain `Or` of three or more clauses
    is evaluated by `ArrayUnionMatcher`, whose `max_quality()` is the max (not the
    sum) of its children's and reads children it has already drained.  The
    collector's `replace(minscore)` step trusts that bound and drops the rest of
    the segment once the top-N heap is full: the best document of a small index
    or of a fresh incremental segment could vanish from the results.
    """

    matcher_type = Q.Or.DEFAULT_MATCHER


def _doc_frequency(q: Q.Query, reader) -> int:
    """How many documents `q` can match, roughly: its most frequent alternative."""
    if isinstance(q, Q.Term):
        return reader.doc_frequency(q.fieldname, q.text)
    if isinstance(q, Q.Phrase):
        return min(reader.doc_frequency(q.fieldname, w) for w in q.words)
    counts = [_doc_frequency(c, reader) for c in q.children()]
    if not counts:
        return 0
    return min(counts) if isinstance(q, (Q.And, Q.Require)) else max(counts)


class _Selective(_Or):
    """Or for long free-text queries: only the rarest clauses make a document a candidate.

    Clauses are taken rarest first (names, numbers, unusual word pairs) while
    their document frequencies add up to at most `budget` of the index (always
    at least one clause).  The others (`của`, `bao nhiêu`, `năm`) still add
    their score, but only to those candidates, as in Lucene's CommonTermsQuery.
    Without this, pure-Python Whoosh scores nearly every document for every
    question.  Clauses in more than `ignore` of the documents weigh almost
    nothing under the probabilistic IDF and are left out altogether.
    The split uses the whole index's statistics, so every segment splits alike.
    """

    def __init__(self, subqueries, boost: float = 1.0, budget: float = 1.0, ignore: float = 1.0,
                 **kwargs) -> None:
        super().__init__(subqueries, boost=boost, **kwargs)
        self.budget = budget
        self.ignore = ignore

    def __eq__(self, other: object) -> bool:
        return (super().__eq__(other) and getattr(other, "budget", None) == self.budget
                and getattr(other, "ignore", None) == self.ignore)

    __hash__ = _Or.__hash__

    def normalize(self) -> Q.Query:
        norm = super().normalize()
        if isinstance(norm, _Selective):
            norm.budget, norm.ignore = self.budget, self.ignore
        return norm

    def split(self, reader, doc_count: int) -> tuple[list[Q.Query], list[Q.Query]]:
        """(candidate clauses, score-only clauses) for an index of `doc_count` documents."""
        if self.budget >= 1.0 and self.ignore >= 1.0:
            return list(self.subqueries), []
        sized = sorted(((_doc_frequency(q, reader), i) for i, q in enumerate(self.subqueries)))
        chosen: set[int] = set()
        total = 0
        for size, i in sized:
            if chosen and total + size > self.budget * doc_count:
                break
            chosen.add(i)
            total += size
        sizes = dict((i, size) for size, i in sized)
        rare = [q for i, q in enumerate(self.subqueries) if i in chosen]
        common = [q for i, q in enumerate(self.subqueries)
                  if i not in chosen and sizes[i] <= self.ignore * doc_count]
        return rare, common

    def expand(self, reader, doc_count: int) -> tuple[Q.Query, float]:
        """The plain query this stands for in an index of `doc_count` documents, and its boost.

        The rare clauses are required, the common ones only add score.
        """
        rare, common = self.split(reader, doc_count)
        if not common:
            return (_Or(rare, boost=self.boost) if rare else Q.NullQuery), 1.0
        required = rare[0] if len(rare) == 1 else _Or(rare)
        optional = common[0] if len(common) == 1 else _Or(common)
        return Q.AndMaybe(required, optional), self.boost

    def _matcher(self, subs, searcher, context):
        # (Overriding _matcher, not matcher, also tells set-based matching that
        # this Or does not match the union of its clauses.)
        parent = searcher.get_parent()
        query, boost = self.expand(parent.reader(), max(parent.doc_count_all(), 1))
        if query is Q.NullQuery:
            return NullMatcher()
        matcher = query.matcher(searcher, context)
        return matcher if boost == 1.0 else WrappingMatcher(matcher, boost)


@dataclass(frozen=True)
class Ranking:
    """Weights of the query plan.  Defaults tuned on the tuning half of the relevance
    harness (bench/relevance_tune.py; see bench/README.md, "Relevance")."""

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
    # (1.0: every clause finds candidates).  See _Selective.  0.2 ranked the
    # tuning questions exactly as 1.0 did, with less work per query.
    candidate_budget: float = 0.2
    # Long queries: clauses in more than this share of the documents are dropped.
    ignore_df: float = 1.0


DEFAULT_RANKING = Ranking()


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
        if self.shared_idf:
            fieldname = self.BODY_OF.get(fieldname, fieldname)
        n = parent.doc_frequency(fieldname, text)
        total = parent.doc_count_all()
        return log(1 + (total - n + 0.5) / (n + 0.5))


def _accented(tok: Token) -> bool:
    return tok.term != tok.folded


def _fields(title_only: bool, body: str) -> list[str]:
    """The body field and its title twin (`folded` -> folded, title_folded), or the title alone."""
    return [f"title_{body}"] if title_only else [body, f"title_{body}"]


def _any(clauses: list[Q.Query]) -> Q.Query:
    return clauses[0] if len(clauses) == 1 else _Or(clauses)


def _terms(title_only: bool, body: str, text: str, boost: float, r: Ranking) -> list[Q.Query]:
    """`text` in the body field and its title twin, the title's weighted by `title_boost`."""
    return [Q.Term(f, text, boost=boost * (r.title_boost if f.startswith("title_") else 1.0))
            for f in _fields(title_only, body)]


def _syllable(tok: Token, title_only: bool, r: Ranking, strict: bool = True) -> Q.Query:
    """One syllable: folded text matches it unless it was typed with marks (see module doc).

    Typed with marks, its exact form scores extra, so that the accent-blind
    reading ranks exact matches first and a strict match scores the same in both.
    """
    if not _accented(tok):
        return _any(_terms(title_only, "folded", tok.folded, 1.0, r))
    folded = _terms(title_only, "folded", tok.folded, r.folded_accented_boost, r)
    exact = _terms(title_only, "exact", tok.term, r.exact_boost, r)
    if not strict:
        return _Or(folded + exact)
    # Documents typed without diacritics score their bare form as an exact match.
    plain = _terms(title_only, "plain", tok.folded, r.exact_boost, r)
    # Require (scores from its first part only) rather than AndMaybe: inside an
    # And, Whoosh's AndMaybeMatcher can miss its optional part's score after a
    # skip, and the evaluator is checked against Whoosh's matchers.
    return Q.Require(_Or(folded + exact + plain), _Or([Q.Term(t.fieldname, t.text) for t in exact + plain]))


def _covered(extra: Token, syllables: list[Token]) -> list[Token]:
    return [t for t in syllables if t.start >= extra.start and t.end <= extra.end]


def _code_alternative(extra: Token, title_only: bool, r: Ranking) -> Q.Query:
    clauses: list[Q.Query] = [Q.Term("title_folded", extra.folded, boost=r.code_boost * r.title_boost)]
    if not title_only:
        clauses.insert(0, Q.Term("folded", extra.folded, boost=r.code_boost))
    return clauses[0] if len(clauses) == 1 else _Or(clauses)


def _word_clauses(part: Part, r: Ranking, strict: bool = True) -> list[Q.Query]:
    """One clause per syllable; a code or date replaces its components by `Or(And(components), code)`."""
    syllables = part.syllables
    extras = [t for t in part.tokens if t.kind in ("code", "date")]
    covered_by: dict[int, Token] = {}
    for extra in extras:
        for tok in _covered(extra, syllables):
            covered_by.setdefault(id(tok), extra)
    clauses: list[Q.Query] = []
    done_extras: set[int] = set()
    for tok in syllables:
        extra = covered_by.get(id(tok))
        if extra is None:
            clauses.append(_syllable(tok, part.title_only, r, strict))
        elif id(extra) not in done_extras:
            done_extras.add(id(extra))
            components = [_syllable(t, part.title_only, r, strict) for t in _covered(extra, syllables)]
            clauses.append(_Or([Q.And(components), _code_alternative(extra, part.title_only, r)]))
    for extra in extras:  # codes with no component syllables in this part (e.g. `nq57` typed as one word)
        if id(extra) not in done_extras and not _covered(extra, syllables):
            clauses.append(_code_alternative(extra, part.title_only, r))
    return clauses


def _words_required(part: Part, r: Ranking, strict: bool = True) -> Q.Query:
    clauses = _word_clauses(part, r, strict)
    return clauses[0] if len(clauses) == 1 else Q.And(clauses)


def _loose(part: Part, r: Ranking, question: bool) -> bool:
    """A run of words that should match any of its syllables rather than all.

    Questions and pasted sentences (more than `long_query` syllables, or a query
    ending in `?`): requiring every syllable of `Tesla chết năm nào?` finds
    nothing, since the answer does not say `nào`.
    """
    return not (part.phrase or part.title_only) and (question or len(part.syllables) > r.long_query)


def _pairs(tokens: list[Token]) -> list[str]:
    pairs = []
    prev: Token | None = None
    for tok in tokens:
        if tok.kind not in ("word", "number"):
            continue
        if prev is not None and tok.joined:
            pairs.append(f"{prev.folded}_{tok.folded}")
        prev = tok
    return pairs


# The pairs field holding each positional field's adjacent-syllable pairs.
PAIRS_FIELD = {"folded": "pairs", "exact": "pairs", "title_folded": "title_pairs", "title_exact": "title_pairs"}


def phrase(fieldname: str, syllables: list[Token], words: list[str], boost: float = 1.0) -> Q.Query:
    """A phrase: `words` at successive positions of `fieldname`, scored as Whoosh scores phrases.

    Where the user typed two syllables with only a space between, the document must
    have them the same way (their pair is in the pairs field): `"khí hậu"` does not
    match `khí. Hậu`.  Besides reading as a phrase should, this lets a phrase of
    common syllables (`"Bộ Chính trị"`) be found from the few documents that hold
    its pairs, instead of checking positions in every document holding its words.
    A hyphen or other punctuation typed inside the quotes lifts the requirement
    there (`"Bà Rịa-Vũng Tàu"` also matches `Bà Rịa Vũng Tàu`).
    """
    q = Q.Phrase(fieldname, words, boost=boost)
    pairs = list(dict.fromkeys(f"{a.folded}_{b.folded}" for a, b in zip(syllables, syllables[1:]) if b.joined))
    if not pairs:
        return q
    field = PAIRS_FIELD[fieldname]
    required = [Q.Term(field, pair) for pair in pairs]
    return Q.Require(q, required[0] if len(required) == 1 else Q.And(required))


def _phrase_required(part: Part, r: Ranking, strict: bool = True) -> Q.Query:
    syllables = part.syllables
    if len(syllables) == 1:
        return _syllable(syllables[0], part.title_only, r, strict)
    folded = [t.folded for t in syllables]
    options: list[Q.Query] = [phrase("title_folded", syllables, folded, boost=r.title_boost)]
    if not part.title_only:
        options.insert(0, phrase("folded", syllables, folded))
    codes = [_code_alternative(c, part.title_only, r) for c in part.tokens if c.kind in ("code", "date")]
    options.extend(codes)
    if not strict or not any(_accented(t) for t in syllables):
        return _Or(options)
    # The folded phrase scores (as in the accent-blind reading); the marks decide.
    return Q.Require(_Or(options), _Or(_as_typed(part) + codes))


def _as_typed(part: Part) -> list[Q.Query]:
    """Unscored checks that a folded phrase match is the phrase as typed: each syllable
    typed with marks has them at its position (exact and folded fields share positions),
    or the document was typed without diacritics."""
    checks: list[Q.Query] = []
    for prefix in ([""] if not part.title_only else []) + ["title_"]:
        checks.append(Q.Sequence([
            Q.Term(f"{prefix}exact", t.term) if _accented(t) else Q.Term(f"{prefix}folded", t.folded)
            for t in part.syllables
        ]))
        checks.append(Q.Term(f"{prefix}plain", part.syllables[0].folded))
    return checks


def _scoring(part: Part, r: Ranking) -> list[Q.Query]:
    """Optional clauses: they never decide whether a document matches, only its rank."""
    clauses: list[Q.Query] = []
    for pair in _pairs(part.tokens):
        if not part.title_only:
            clauses.append(Q.Term("pairs", pair, boost=r.pair_boost))
        clauses.append(Q.Term("title_pairs", pair, boost=r.title_pair_boost))
    syllables = part.syllables
    if part.phrase and len(syllables) > 1 and any(_accented(t) for t in syllables):
        field = "title_exact" if part.title_only else "exact"
        clauses.append(phrase(field, syllables, [t.term for t in syllables], boost=r.phrase_exact_boost))
    return clauses


def build_query(parsed: ParsedQuery, ranking: Ranking = DEFAULT_RANKING, strict: bool = True) -> Q.Query:
    question = parsed.text.rstrip().endswith("?")
    alternatives: list[Q.Query] = []
    for alt in parsed.alternatives:
        positive = [p for p in alt if not p.excluded]
        negative = [p for p in alt if p.excluded]
        must = [p for p in positive if not _loose(p, ranking, question)]
        loose = [p for p in positive if _loose(p, ranking, question)]
        scoring = [c for p in positive for c in _scoring(p, ranking)]
        optional = [c for p in loose for c in _word_clauses(p, ranking, strict)] + scoring
        if not must:
            # Any syllable or pair can qualify a document (the selective ones, in a
            # large index); everything adds score.
            query: Q.Query = _Selective(optional, budget=ranking.candidate_budget, ignore=ranking.ignore_df)
        else:
            # Quoted phrases, title: parts and short runs of words must match; a long
            # run of words next to them only ranks.
            required = [_phrase_required(p, ranking, strict) if p.phrase else _words_required(p, ranking, strict)
                        for p in must]
            query = required[0] if len(required) == 1 else Q.And(required)
            if optional:
                query = Q.AndMaybe(query, optional[0] if len(optional) == 1 else _Or(optional))
        if negative:
            # What the user excluded is excluded as typed, in either reading.
            excluded = [_phrase_required(p, ranking) if p.phrase else _words_required(p, ranking)
                        for p in negative]
            query = Q.AndNot(query, excluded[0] if len(excluded) == 1 else _Or(excluded))
        alternatives.append(query)
    return alternatives[0] if len(alternatives) == 1 else _Or(alternatives)
