"""Turn a ParsedQuery into a Whoosh query: what must match, and what only adds score.

Matching is done on folded syllables (so `bien doi` finds `biến đổi`); scoring adds
  * the exact (accented) form of every syllable the user typed with marks,
  * folded adjacent-syllable pairs (word-level and proximity evidence),
  * title fields,
  * document-code terms (`nq57`) as an alternative to their component syllables.
The required part is kept lean — one or two terms per syllable — because in
pure-Python Whoosh every clause costs time on every matching document.
"""

from __future__ import annotations

from dataclasses import dataclass

from whoosh import query as Q

from ..analysis import Token
from .query import ParsedQuery, Part


@dataclass(frozen=True)
class Ranking:
    exact_boost: float = 1.0  # extra weight when a typed accented syllable matches exactly
    title_boost: float = 2.0
    pair_boost: float = 1.5
    title_pair_boost: float = 2.0
    code_boost: float = 3.0
    phrase_exact_boost: float = 2.0
    # Queries with more syllables than this match ANY syllable (ranked by
    # evidence) instead of requiring all: questions and pasted sentences.
    long_query: int = 5
    long_query_minmatch: float = 0.0


DEFAULT_RANKING = Ranking()


def _accented(tok: Token) -> bool:
    return tok.term != tok.folded


def _syllable(tok: Token, title_only: bool, r: Ranking) -> Q.Query:
    """Match one syllable on folded text; score its exact form higher when typed with marks."""
    clauses: list[Q.Query] = []
    if not title_only:
        clauses.append(Q.Term("folded", tok.folded))
    clauses.append(Q.Term("title_folded", tok.folded, boost=r.title_boost))
    if _accented(tok):
        if not title_only:
            clauses.append(Q.Term("exact", tok.term, boost=r.exact_boost))
        clauses.append(Q.Term("title_exact", tok.term, boost=r.exact_boost * r.title_boost))
    return clauses[0] if len(clauses) == 1 else Q.Or(clauses)


def _covered(extra: Token, syllables: list[Token]) -> list[Token]:
    return [t for t in syllables if t.start >= extra.start and t.end <= extra.end]


def _code_alternative(extra: Token, title_only: bool, r: Ranking) -> Q.Query:
    clauses: list[Q.Query] = [Q.Term("title_folded", extra.folded, boost=r.code_boost * r.title_boost)]
    if not title_only:
        clauses.insert(0, Q.Term("folded", extra.folded, boost=r.code_boost))
    return clauses[0] if len(clauses) == 1 else Q.Or(clauses)


def _words_required(part: Part, r: Ranking, long_ok: bool) -> Q.Query:
    """One clause per syllable; a code or date replaces its components by `Or(components, code)`."""
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
            clauses.append(_syllable(tok, part.title_only, r))
        elif id(extra) not in done_extras:
            done_extras.add(id(extra))
            components = [_syllable(t, part.title_only, r) for t in _covered(extra, syllables)]
            clauses.append(Q.Or([Q.And(components), _code_alternative(extra, part.title_only, r)]))
    for extra in extras:  # codes with no component syllables in this part (e.g. `nq57` typed as one word)
        if id(extra) not in done_extras and not _covered(extra, syllables):
            clauses.append(_code_alternative(extra, part.title_only, r))
    if len(clauses) == 1:
        return clauses[0]
    if long_ok and len(clauses) > r.long_query:
        minmatch = int(len(clauses) * r.long_query_minmatch)
        return Q.Or(clauses, minmatch=minmatch) if minmatch > 1 else Q.Or(clauses)
    return Q.And(clauses)


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


def _phrase_required(part: Part, r: Ranking) -> Q.Query:
    syllables = part.syllables
    if len(syllables) == 1:
        return _syllable(syllables[0], part.title_only, r)
    folded = [t.folded for t in syllables]
    options: list[Q.Query] = [Q.Phrase("title_folded", folded, boost=r.title_boost)]
    if not part.title_only:
        options.insert(0, Q.Phrase("folded", folded))
    codes = [t for t in part.tokens if t.kind in ("code", "date")]
    options.extend(_code_alternative(c, part.title_only, r) for c in codes)
    return Q.Or(options)


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
        clauses.append(Q.Phrase(field, [t.term for t in syllables], boost=r.phrase_exact_boost))
    return clauses


def build_query(parsed: ParsedQuery, ranking: Ranking = DEFAULT_RANKING) -> Q.Query:
    alternatives: list[Q.Query] = []
    for alt in parsed.alternatives:
        positive = [p for p in alt if not p.excluded]
        negative = [p for p in alt if p.excluded]
        single_words = len(positive) == 1 and not positive[0].phrase
        required = [
            _phrase_required(p, ranking) if p.phrase else _words_required(p, ranking, long_ok=single_words)
            for p in positive
        ]
        query: Q.Query = required[0] if len(required) == 1 else Q.And(required)
        scoring = [c for p in positive for c in _scoring(p, ranking)]
        if scoring:
            query = Q.AndMaybe(query, Q.Or(scoring))
        if negative:
            excluded = [_phrase_required(p, ranking) if p.phrase else _words_required(p, ranking, False)
                        for p in negative]
            query = Q.AndNot(query, excluded[0] if len(excluded) == 1 else Q.Or(excluded))
        alternatives.append(query)
    return alternatives[0] if len(alternatives) == 1 else Q.Or(alternatives)
