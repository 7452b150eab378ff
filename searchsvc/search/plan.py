"""Turn a ParsedQuery into a plan: what must match, and what only adds score.

The plan is a small tree of neutral nodes (terms, phrases, position checks,
boolean must / should / filter / must-not, common-terms groups) over the index's
term views; each backend compiles it to its own queries (whoosh/compile.py).
All the meaning is decided here, once.

What matches follows what was typed, syllable by syllable:
  * a syllable typed without marks matches every accented form (folded fields),
  * a syllable typed with marks matches only that syllable (exact fields), or
    its folded form in a document typed without diacritics (plain fields),
  * quoted phrases follow the same rule at every position,
  * document codes and dates match their folded terms, as typed or spelled out.
`build_plan(parsed, strict=False)` is the accent-blind reading of the same query:
the approximate matches the service may list after the strict ones.

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
from typing import Union

from ..analysis import Token, pair_term
from ..analysis.tokenize import EXTRA_KINDS, SYLLABLE_KINDS
from .query import ParsedQuery, Part
from .ranking import DEFAULT_RANKING, Ranking


@dataclass(frozen=True)
class Term:
    """`text` in `field`, scored by the backend's BM25F, times `boost`."""

    field: str
    text: str
    boost: float = 1.0


@dataclass(frozen=True)
class Phrase:
    """`words` at successive positions of `field`, scored as a phrase."""

    field: str
    words: tuple[str, ...]
    boost: float = 1.0


@dataclass(frozen=True)
class Sequence:
    """An unscored check: `terms` at successive positions.  The terms may be in
    different fields that share positions (exact and folded views of one text)."""

    terms: tuple[Term, ...]


@dataclass(frozen=True)
class Bool:
    """`must`: all match, their scores add; `filter`: all match, no score;
    `should`: add their scores, and when there is no `must`, at least one must match;
    `must_not`: none may match."""

    must: tuple[Node, ...] = ()
    should: tuple[Node, ...] = ()
    filter: tuple[Node, ...] = ()
    must_not: tuple[Node, ...] = ()


@dataclass(frozen=True)
class CommonTerms:
    """Any clause qualifies a document — but only the rarest make it a candidate.

    Clauses are taken rarest first (names, numbers, unusual word pairs) while their
    document frequencies add up to at most `budget` of the index (always at least
    one clause).  The others (`của`, `bao nhiêu`, `năm`) still add their score, but
    only to those candidates, as in Lucene's CommonTermsQuery.  Clauses in more than
    `ignore` of the documents are left out altogether.  The split uses the whole
    index's statistics, so every part of the index splits alike.
    """

    clauses: tuple[Node, ...]
    budget: float = 1.0
    ignore: float = 1.0


Node = Union[Term, Phrase, Sequence, Bool, CommonTerms]


def split_common(sizes: list[int], budget: float, ignore: float, doc_count: int) -> tuple[list[int], list[int]]:
    """Which clauses of a CommonTerms group find candidates, and which only add score:
    (indexes of the candidate clauses, indexes of the score-only ones), in clause order,
    given each clause's document frequency in an index of `doc_count` documents.

    >>> split_common([50, 5, 900, 10], budget=0.02, ignore=0.5, doc_count=1000)
    ([1, 3], [0])
    """
    if budget >= 1.0 and ignore >= 1.0:
        return list(range(len(sizes))), []
    chosen: set[int] = set()
    total = 0
    for size, i in sorted((size, i) for i, size in enumerate(sizes)):
        if chosen and total + size > budget * doc_count:
            break
        chosen.add(i)
        total += size
    rare = [i for i in range(len(sizes)) if i in chosen]
    common = [i for i in range(len(sizes)) if i not in chosen and sizes[i] <= ignore * doc_count]
    return rare, common


def any_of(clauses: list[Node]) -> Node:
    return clauses[0] if len(clauses) == 1 else Bool(should=tuple(clauses))


def all_of(clauses: list[Node]) -> Node:
    return clauses[0] if len(clauses) == 1 else Bool(must=tuple(clauses))


def checked(scored: Node, check: Node) -> Node:
    """`scored`, matching only where `check` also matches (which adds no score)."""
    return Bool(must=(scored,), filter=(check,))

def _accented(tok: Token) -> bool:
    return tok.term != tok.folded


def _fields(title_only: bool, body: str) -> list[str]:
    """The body field and its title twin (`folded` -> folded, title_folded), or the title alone."""
    return [f"title_{body}"] if title_only else [body, f"title_{body}"]


def _terms(title_only: bool, body: str, text: str, boost: float, r: Ranking) -> list[Node]:
    """`text` in the body field and its title twin, the title's weighted by `title_boost`."""
    return [Term(f, text, boost=boost * (r.title_boost if f.startswith("title_") else 1.0))
            for f in _fields(title_only, body)]


def _syllable(tok: Token, title_only: bool, r: Ranking, strict: bool = True) -> Node:
    """One syllable: folded text matches it unless it was typed with marks (see module doc).

    Typed with marks, its exact form scores extra, so that the accent-blind
    reading ranks exact matches first and a strict match scores the same in both.
    """
    if not _accented(tok):
        return any_of(_terms(title_only, "folded", tok.folded, 1.0, r))
    folded = _terms(title_only, "folded", tok.folded, r.folded_accented_boost, r)
    exact = _terms(title_only, "exact", tok.term, r.exact_boost, r)
    if not strict:
        return Bool(should=tuple(folded + exact))
    # Documents typed without diacritics score their bare form as an exact match.
    plain = _terms(title_only, "plain", tok.folded, r.exact_boost, r)
    # The marks decide whether it matches (exact or plain, unscored); the score is
    # what the accent-blind reading gives the same document.
    return checked(Bool(should=tuple(folded + exact + plain)),
                   Bool(should=tuple(Term(t.field, t.text) for t in exact + plain)))


def _covered(extra: Token, syllables: list[Token]) -> list[Token]:
    return [t for t in syllables if t.start >= extra.start and t.end <= extra.end]


def _code_alternative(extra: Token, title_only: bool, r: Ranking) -> Node:
    clauses: list[Node] = [Term("title_folded", extra.folded, boost=r.code_boost * r.title_boost)]
    if not title_only:
        clauses.insert(0, Term("folded", extra.folded, boost=r.code_boost))
    return any_of(clauses)


def _word_clauses(part: Part, r: Ranking, strict: bool = True) -> list[Node]:
    """One clause per syllable; a code or date replaces its components by `any(all(components), code)`."""
    syllables = part.syllables
    extras = [t for t in part.tokens if t.kind in EXTRA_KINDS]
    covered_by: dict[int, Token] = {}
    for extra in extras:
        for tok in _covered(extra, syllables):
            covered_by.setdefault(id(tok), extra)
    clauses: list[Node] = []
    done_extras: set[int] = set()
    for tok in syllables:
        extra = covered_by.get(id(tok))
        if extra is None:
            clauses.append(_syllable(tok, part.title_only, r, strict))
        elif id(extra) not in done_extras:
            done_extras.add(id(extra))
            components = [_syllable(t, part.title_only, r, strict) for t in _covered(extra, syllables)]
            clauses.append(Bool(should=(Bool(must=tuple(components)), _code_alternative(extra, part.title_only, r))))
    for extra in extras:  # codes with no component syllables in this part (e.g. `nq57` typed as one word)
        if id(extra) not in done_extras and not _covered(extra, syllables):
            clauses.append(_code_alternative(extra, part.title_only, r))
    return clauses


def _words_required(part: Part, r: Ranking, strict: bool = True) -> Node:
    return all_of(_word_clauses(part, r, strict))


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
        if tok.kind not in SYLLABLE_KINDS:
            continue
        if prev is not None and tok.joined:
            pairs.append(pair_term(prev.folded, tok.folded))
        prev = tok
    return pairs


# The pairs field holding each positional field's adjacent-syllable pairs.
PAIRS_FIELD = {"folded": "pairs", "exact": "pairs", "title_folded": "title_pairs", "title_exact": "title_pairs"}


def phrase(field: str, syllables: list[Token], words: list[str], boost: float = 1.0) -> Node:
    """A phrase: `words` at successive positions of `field`.

    Where the user typed two syllables with only a space between, the document must
    have them the same way (their pair is in the pairs field): `"khí hậu"` does not
    match `khí. Hậu`.  Besides reading as a phrase should, this lets a phrase of
    common syllables (`"Bộ Chính trị"`) be found from the few documents that hold
    its pairs, instead of checking positions in every document holding its words.
    A hyphen or other punctuation typed inside the quotes lifts the requirement
    there (`"Bà Rịa-Vũng Tàu"` also matches `Bà Rịa Vũng Tàu`).
    """
    q = Phrase(field, tuple(words), boost=boost)
    pairs = list(dict.fromkeys(pair_term(a.folded, b.folded) for a, b in zip(syllables, syllables[1:]) if b.joined))
    if not pairs:
        return q
    pairs_field = PAIRS_FIELD[field]
    return checked(q, all_of([Term(pairs_field, pair) for pair in pairs]))


def _phrase_required(part: Part, r: Ranking, strict: bool = True) -> Node:
    syllables = part.syllables
    if len(syllables) == 1:
        return _syllable(syllables[0], part.title_only, r, strict)
    folded = [t.folded for t in syllables]
    options: list[Node] = [phrase("title_folded", syllables, folded, boost=r.title_boost)]
    if not part.title_only:
        options.insert(0, phrase("folded", syllables, folded))
    codes = [_code_alternative(c, part.title_only, r) for c in part.tokens if c.kind in EXTRA_KINDS]
    options.extend(codes)
    if not strict or not any(_accented(t) for t in syllables):
        return Bool(should=tuple(options))
    # The folded phrase scores (as in the accent-blind reading); the marks decide.
    return checked(Bool(should=tuple(options)), Bool(should=tuple(_as_typed(part) + codes)))


def _as_typed(part: Part) -> list[Node]:
    """Unscored checks that a folded phrase match is the phrase as typed: each syllable
    typed with marks has them at its position (exact and folded fields share positions),
    or the document was typed without diacritics."""
    checks: list[Node] = []
    for prefix in ([""] if not part.title_only else []) + ["title_"]:
        checks.append(Sequence(tuple(
            Term(f"{prefix}exact", t.term) if _accented(t) else Term(f"{prefix}folded", t.folded)
            for t in part.syllables
        )))
        checks.append(Term(f"{prefix}plain", part.syllables[0].folded))
    return checks


def _scoring(part: Part, r: Ranking) -> list[Node]:
    """Optional clauses: they never decide whether a document matches, only its rank."""
    clauses: list[Node] = []
    for pair in _pairs(part.tokens):
        if not part.title_only:
            clauses.append(Term("pairs", pair, boost=r.pair_boost))
        clauses.append(Term("title_pairs", pair, boost=r.title_pair_boost))
    syllables = part.syllables
    if part.phrase and len(syllables) > 1 and any(_accented(t) for t in syllables):
        field = "title_exact" if part.title_only else "exact"
        clauses.append(phrase(field, syllables, [t.term for t in syllables], boost=r.phrase_exact_boost))
    return clauses


def build_plan(parsed: ParsedQuery, ranking: Ranking = DEFAULT_RANKING, strict: bool = True) -> Node:
    question = parsed.text.rstrip().endswith("?")
    alternatives: list[Node] = []
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
            required: list[Node] = [CommonTerms(tuple(optional), budget=ranking.candidate_budget,
                                                ignore=ranking.ignore_df)]
            optional = []
        else:
            # Quoted phrases, title: parts and short runs of words must match; a long
            # run of words next to them only ranks.
            required = [_phrase_required(p, ranking, strict) if p.phrase else _words_required(p, ranking, strict)
                        for p in must]
        # What the user excluded is excluded as typed, in either reading.
        excluded = [_phrase_required(p, ranking) if p.phrase else _words_required(p, ranking)
                    for p in negative]
        if not optional and not excluded:
            alternatives.append(all_of(required))
        else:
            alternatives.append(Bool(must=tuple(required), should=tuple(optional), must_not=tuple(excluded)))
    return any_of(alternatives)
