"""Compile a neutral plan (search/plan.py) into Whoosh queries.

The tree keeps its shape: `Bool` becomes And / Or / Require / AndMaybe / AndNot,
`CommonTerms` a selective Or.  The NumPy evaluator (evaluate.py) and Whoosh's own
matchers both run the result, and tests hold the two to the same scores.
"""

from __future__ import annotations

from functools import singledispatch

from whoosh import query as Q
from whoosh.matching import NullMatcher, WrappingMatcher

from ..search.plan import Bool, CommonTerms, Node, Phrase, Sequence, Term, split_common


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
    """Or for long free-text queries (plan.CommonTerms): only the rarest clauses
    make a document a candidate; the others add score to those candidates.
    Without this, pure-Python Whoosh scores nearly every document for every question."""

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
        sizes = [_doc_frequency(q, reader) for q in self.subqueries]
        rare, common = split_common(sizes, self.budget, self.ignore, doc_count)
        return [self.subqueries[i] for i in rare], [self.subqueries[i] for i in common]

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


@singledispatch
def compile_plan(node: Node) -> Q.Query:
    raise TypeError(f"no Whoosh query for plan node {node!r}")


@compile_plan.register
def _(node: Term) -> Q.Query:
    return Q.Term(node.field, node.text, boost=node.boost)


@compile_plan.register
def _(node: Phrase) -> Q.Query:
    return Q.Phrase(node.field, list(node.words), boost=node.boost)


@compile_plan.register
def _(node: Sequence) -> Q.Query:
    return Q.Sequence([compile_plan(t) for t in node.terms])


@compile_plan.register
def _(node: CommonTerms) -> Q.Query:
    return _Selective([compile_plan(c) for c in node.clauses], budget=node.budget, ignore=node.ignore)


def _one_or(clauses: tuple[Node, ...]) -> Q.Query:
    compiled = [compile_plan(c) for c in clauses]
    return compiled[0] if len(compiled) == 1 else _Or(compiled)


@compile_plan.register
def _(node: Bool) -> Q.Query:
    if not node.must:
        if node.filter or node.must_not:
            raise ValueError("a Bool with filter or must_not needs a must clause")
        return _one_or(node.should)
    musts = [compile_plan(c) for c in node.must]
    query = musts[0] if len(musts) == 1 else Q.And(musts)
    if node.filter:
        # Require scores from its first part only: the check adds no score.
        checks = [compile_plan(c) for c in node.filter]
        query = Q.Require(query, checks[0] if len(checks) == 1 else Q.And(checks))
    if node.should:
        query = Q.AndMaybe(query, _one_or(node.should))
    if node.must_not:
        query = Q.AndNot(query, _one_or(node.must_not))
    return query
