"""Precision of accented queries: does searchsvc return what was typed, and count it exactly?

Queries are picked from the collection itself: accented syllables and adjacent
accented pairs whose folded form is in many more documents than the accented
one (`bão` vs `bao`), i.e. the words an accent-blind engine gets most wrong.
For each one the documents that hold it as typed are found by brute force over
the collection's own tokens (a syllable typed with marks: those marks, tone
placement aside, or any marks in a document typed without diacritics; a quoted
pair: the two in a row with only spaces between), then compared with
searchsvc's strict hits:

  top-10 precision   strict hits among the first 10 that hold the query as typed
  set precision      of all strict hits, the share that hold it
  set recall         of the documents that hold it, the share returned
  exact totals       queries whose `total` equals the brute-force count

The same figures for the accent-blind reading of each query (`build_plan(...,
strict=False)`: what every query matched before accents became strict, scored
the same way) come from the same index in the same run.  That reading is
evaluated directly on the Whoosh backend (its searcher and posting arrays); on the
OpenSearch backend only the as-typed rows are measured.

Run through bench/relevance.py --precision (it shares the collection and index).
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass

from searchsvc.analysis import normalize_text, tokenize, written_without_marks
from searchsvc.search import SearchRequest

# A query is confusable when its folded form is in at least this many times as
# many documents; and it must be in this many documents, so that sets are not tiny.
MIN_RATIO = 3.0
MIN_DF, MAX_DF = 5, 1000


@dataclass
class DocTerms:
    exact: set[str]
    folded: set[str]
    exact_pairs: set[tuple[str, str]]
    folded_pairs: set[tuple[str, str]]
    bare: bool


def doc_terms(title: str, body: str) -> DocTerms:
    tokens = [t for t in tokenize(normalize_text(f"{title}\n{body}")) if t.kind in ("word", "number")]
    exact_pairs, folded_pairs = set(), set()
    for a, b in zip(tokens, tokens[1:]):
        if b.joined:
            exact_pairs.add((a.term, b.term))
            folded_pairs.add((a.folded, b.folded))
    return DocTerms({t.term for t in tokens}, {t.folded for t in tokens}, exact_pairs, folded_pairs,
                    written_without_marks(tokens))


def holds(doc: DocTerms, words: list[tuple[str, str]], phrase: bool) -> bool:
    """`words`: (term, folded) as typed; terms typed with marks must match exactly unless the doc is bare."""
    def ok(term: str, folded: str) -> bool:
        return (folded in doc.folded) if (term == folded or doc.bare) else (term in doc.exact)
    if not phrase:
        return all(ok(t, f) for t, f in words)
    (t1, f1), (t2, f2) = words
    if doc.bare:
        return (f1, f2) in doc.folded_pairs
    if t1 != f1 and t2 != f2:
        return (t1, t2) in doc.exact_pairs
    # Mixed marks are not picked as queries here.
    return False


def pick_queries(docs: dict[str, DocTerms], per_kind: int, seed: int = 7) -> list[tuple[str, list, bool]]:
    exact_df: Counter[str] = Counter()
    folded_df: Counter[str] = Counter()
    pair_df: Counter[tuple[str, str]] = Counter()
    folded_pair_df: Counter[tuple[str, str]] = Counter()
    for d in docs.values():
        exact_df.update(d.exact)
        folded_df.update(d.folded)
        pair_df.update(d.exact_pairs)
        folded_pair_df.update(d.folded_pairs)
    from searchsvc.analysis import fold

    def confusable(n: int, folded_n: int) -> bool:
        return MIN_DF <= n <= MAX_DF and folded_n >= MIN_RATIO * n

    words = sorted(t for t, n in exact_df.items()
                   if t.isalpha() and t != fold(t) and confusable(n, folded_df[fold(t)]))
    pairs = sorted(p for p, n in pair_df.items()
                   if all(x.isalpha() and x != fold(x) for x in p)
                   and confusable(n, folded_pair_df[(fold(p[0]), fold(p[1]))]))
    rng = random.Random(seed)
    chosen_words = rng.sample(words, min(per_kind, len(words)))
    chosen_pairs = rng.sample(pairs, min(per_kind, len(pairs)))
    queries = [(w, [(w, fold(w))], False) for w in chosen_words]
    queries += [(f'"{a} {b}"', [(a, fold(a)), (b, fold(b))], True) for a, b in chosen_pairs]
    queries += [(f"{a} {b}", [(a, fold(a)), (b, fold(b))], False) for a, b in chosen_pairs]
    return queries


def strict_ids(service, q: str, total: int) -> list[str]:
    """Every strict hit of `q` (pages of 100), as Doc ids."""
    ids: list[str] = []
    page = 1
    while len(ids) < total and page <= 100:
        result = service.search(SearchRequest(q=q, page=page, per_page=100, facets=False, suggest=False,
                                              autocorrect=False))
        ids += [h.id for h in result.hits if not getattr(h, "approximate", False)]
        page += 1
    return ids


def accent_blind(service, q: str) -> tuple[list[str], list[str]] | None:
    """(top 10, all) Doc ids of the accent-blind reading of `q`, ranked by score.

    Whoosh backend internals: the service answers only the strict reading (plus
    approximate hits when there are few), so the loose plan is compiled and evaluated
    here on the backend's own searcher and arrays, scored with the service's Ranking."""
    import numpy as np

    from searchsvc.search.plan import build_plan
    from searchsvc.whoosh.compile import compile_plan
    from searchsvc.whoosh.evaluate import Evaluator

    view = service.backend.view()
    if not hasattr(view, "searcher"):
        return None  # another backend: only the as-typed rows
    searcher, arrays = view.searcher, view.arrays
    plan = build_plan(service.parse(q), service.ranking, strict=False)
    matches = Evaluator(searcher, arrays).run(compile_plan(plan))
    docs = np.flatnonzero(matches.mask & arrays.live)
    order = docs[np.lexsort((docs, -matches.score[docs]))]
    ids = [searcher.stored_fields(int(d))["id"] for d in docs]
    top = [searcher.stored_fields(int(d))["id"] for d in order[:10]]
    return top, ids


def _scores(top: list[str], got: list[str], truth: set[str]) -> tuple[float, float, float]:
    top_precision = sum(i in truth for i in top) / len(top) if top else 1.0
    precision = sum(i in truth for i in got) / len(got) if got else 1.0
    recall = sum(i in truth for i in set(got)) / len(truth) if truth else 1.0
    return top_precision, precision, recall


def measure(service, coll_docs, per_kind: int = 100) -> list[str]:
    """Lines of a report: precision and recall per kind of query.

    `service`: a SearchService (the accent-blind rows only on the Whoosh backend)."""
    docs = {d.id: doc_terms(d.title, d.body) for d in coll_docs}
    queries = pick_queries(docs, per_kind)
    rows: dict[str, list[tuple[float, float, float, bool, float]]] = {}
    for q, words, phrase in queries:
        kind = "quoted pair" if phrase else ("word" if len(words) == 1 else "two words")
        truth = {i for i, d in docs.items() if holds(d, words, phrase)}
        blind = accent_blind(service, q)
        if blind is not None:
            blind_top, blind_all = blind
            rows.setdefault(f"{kind}, accent-blind (before)", []).append(
                (*_scores(blind_top, blind_all, truth), len(blind_all) == len(truth), 0.0))
        first = service.search(SearchRequest(q=q, per_page=10, facets=False, suggest=False, autocorrect=False))
        top = [h.id for h in first.hits if not getattr(h, "approximate", False)]
        approximate_in_top = sum(getattr(h, "approximate", False) for h in first.hits)
        got = strict_ids(service, q, first.total)
        rows.setdefault(f"{kind}, as typed (now)", []).append(
            (*_scores(top, got, truth), first.total == len(truth), approximate_in_top / max(1, len(first.hits))))
    out = ["| queries | n | top-10 precision | set precision | set recall | total exact | approximate in top 10 |",
           "|---|---|---|---|---|---|---|"]
    for kind, values in sorted(rows.items()):
        n = len(values)
        mean = [sum(v[k] for v in values) / n for k in (0, 1, 2, 4)]
        exact = sum(v[3] for v in values)
        out.append(f"| {kind} | {n} | {mean[0]:.3f} | {mean[1]:.3f} | {mean[2]:.3f} | {exact}/{n} | {mean[3]:.3f} |")
    return out
