"""Compile a neutral plan (search/plan.py) into the OpenSearch query DSL.

The tree keeps its shape, clause for clause, so a document matches here exactly
when it matches in the Whoosh backend (whoosh/compile.py):

* `Term` -> `term` (the field holds searchsvc's own terms, so no analysis is involved);
* `Phrase` -> `match_phrase` split on spaces only;
* `Sequence` (an unscored position check across fields that share positions: the
  exact and folded views of one text) -> `span_near` over `field_masking_span`s;
* `Bool` -> `bool`; without a `must`, at least one `should` must match, as in the plan;
* `CommonTerms` -> the rarest clauses required (any of them), the others scoring
  only.  Which are rarest is decided from the whole index's document frequencies,
  estimated clause by clause as the Whoosh backend does (`doc_frequency` below), in
  one request for all the terms of the query.

Scores are Lucene's BM25 per field, with each scored term's boost scaled so that its
IDF is the one the Whoosh backend weighs it with (`idf_scale`): Lucene takes a
term's IDF from its own field, counting the documents that have that field, while
searchsvc weighs title and plain terms by their body document frequency over the
whole index (search/ranking.idf_field).  Without it a question's `bao nhiêu`, rare
among headlines, outweighed the name it asked about (XQuAD MRR@10 0.67 against 0.85).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import singledispatch
from typing import Any

from ..search.plan import Bool, CommonTerms, Node, Phrase, Sequence, Term, split_common
from ..search.ranking import DEFAULT_RANKING, Ranking, idf, idf_field, probabilistic_idf
from .mapping import TERMS_ANALYZER

Dsl = dict[str, Any]
# (field, term) -> documents holding it.
Frequencies = dict[tuple[str, str], int]


def plan_terms(node: Node, scored_only: bool = False) -> Iterable[tuple[str, str]]:
    """Every (field, term) of `node`: all of them (what a CommonTerms node's clauses need
    counted), or with `scored_only` those whose score counts (not those only filtering,
    checking positions or excluding)."""
    if isinstance(node, Term):
        yield node.field, node.text
    elif isinstance(node, Phrase):
        for word in node.words:
            yield node.field, word
    elif isinstance(node, Sequence) and not scored_only:
        for term in node.terms:
            yield term.field, term.text
    elif isinstance(node, Bool):
        children = node.must + node.should + (() if scored_only else node.filter + node.must_not)
        for child in children:
            yield from plan_terms(child, scored_only)
    elif isinstance(node, CommonTerms):
        for child in node.clauses:
            yield from plan_terms(child, scored_only)


def common_terms_in(node: Node) -> Iterable[CommonTerms]:
    if isinstance(node, CommonTerms):
        yield node
    elif isinstance(node, Bool):
        for child in node.must + node.should + node.filter + node.must_not:
            yield from common_terms_in(child)


def doc_frequency(node: Node, df: Frequencies) -> int:
    """How many documents `node` can match, roughly (as whoosh/compile._doc_frequency):
    a term's count, the rarest of what must all match, the most frequent alternative."""
    if isinstance(node, Term):
        return df.get((node.field, node.text), 0)
    if isinstance(node, Phrase):
        return min(df.get((node.field, w), 0) for w in node.words)
    if isinstance(node, Sequence):
        return min(df.get((t.field, t.text), 0) for t in node.terms)
    if isinstance(node, Bool):
        if node.must:
            return min(doc_frequency(c, df) for c in node.must + node.filter)
        return max((doc_frequency(c, df) for c in node.should), default=0)
    if isinstance(node, CommonTerms):
        return max((doc_frequency(c, df) for c in node.clauses), default=0)
    raise TypeError(f"no document frequency for {node!r}")


def _split(node: CommonTerms, df: Frequencies, doc_count: int) -> tuple[list[Node], list[Node]]:
    """(clauses that find candidates, clauses that only add score): plan.split_common."""
    sizes = [doc_frequency(c, df) for c in node.clauses]
    rare, common = split_common(sizes, node.budget, node.ignore, doc_count)
    return [node.clauses[i] for i in rare], [node.clauses[i] for i in common]


class Compiler:
    """Compiles plans for one index, given its document count, its term frequencies and
    how many documents have each field (Lucene's N in a field's IDF)."""

    def __init__(self, doc_count: int, frequencies: Callable[[list[tuple[str, str]]], Frequencies],
                 field_docs: Callable[[], dict[str, int]], ranking: Ranking = DEFAULT_RANKING) -> None:
        self.doc_count = max(doc_count, 1)
        self.frequencies = frequencies
        self.field_docs = field_docs
        self.ranking = ranking

    def compile(self, node: Node) -> Dsl:
        wanted = {ft for common in common_terms_in(node) for ft in plan_terms(common)}
        for field, text in plan_terms(node, scored_only=True):
            wanted |= {(field, text), (idf_field(field, self.ranking), text)}
        df = self.frequencies(sorted(wanted)) if wanted else {}
        return _compile(node, self, df)

    def idf_scale(self, field: str, words: Iterable[str], df: Frequencies) -> float:
        """What turns Lucene's IDF of `words` in `field` into searchsvc's (the sum of the
        words' IDFs: a phrase's, as Lucene weighs it).  1 where nothing is known."""
        in_field = self.field_docs().get(field, 0)
        ours = lucene = 0.0
        for word in words:
            n = df.get((field, word), 0)
            if not n or not in_field:
                return 1.0  # the term matches nothing here: its weight does not matter
            ours += idf(df.get((idf_field(field, self.ranking), word), 0), self.doc_count, self.ranking)
            lucene += probabilistic_idf(n, in_field)
        return ours / lucene if lucene > 0 else 1.0


@singledispatch
def _compile(node: Node, compiler: Compiler, df: Frequencies) -> Dsl:
    raise TypeError(f"no OpenSearch query for plan node {node!r}")


@_compile.register
def _(node: Term, compiler: Compiler, df: Frequencies) -> Dsl:
    boost = node.boost * compiler.idf_scale(node.field, [node.text], df)
    return {"term": {node.field: {"value": node.text, "boost": boost}}}


@_compile.register
def _(node: Phrase, compiler: Compiler, df: Frequencies) -> Dsl:
    boost = node.boost * compiler.idf_scale(node.field, node.words, df)
    return {"match_phrase": {node.field: {"query": " ".join(node.words), "analyzer": TERMS_ANALYZER,
                                          "boost": boost}}}


@_compile.register
def _(node: Sequence, compiler: Compiler, df: Frequencies) -> Dsl:
    # Span queries must name one field; the masked ones share the first one's positions.
    first = node.terms[0].field
    clauses = [{"span_term": {t.field: t.text}} if t.field == first
               else {"field_masking_span": {"query": {"span_term": {t.field: t.text}}, "field": first}}
               for t in node.terms]
    return {"span_near": {"clauses": clauses, "slop": 0, "in_order": True}}


@_compile.register
def _(node: Bool, compiler: Compiler, df: Frequencies) -> Dsl:
    body: Dsl = {}
    for name in ("must", "should", "filter", "must_not"):
        clauses = getattr(node, name)
        if clauses:
            body[name] = [_compile(c, compiler, df) for c in clauses]
    if node.should and not node.must:
        body["minimum_should_match"] = 1
    return {"bool": body}


@_compile.register
def _(node: CommonTerms, compiler: Compiler, df: Frequencies) -> Dsl:
    rare, common = _split(node, df, compiler.doc_count)
    if not rare:
        return {"match_none": {}}
    required = {"bool": {"should": [_compile(c, compiler, df) for c in rare], "minimum_should_match": 1}}
    if not common:
        return required
    return {"bool": {"must": [required], "should": [_compile(c, compiler, df) for c in common]}}
