"""Relevance regression on a small committed subset of the relevance harness (bench/relevance.py).

tests/fixtures/relevance/ holds 420 documents and 120 queries derived by
bench/relevance_fixture.py: XQuAD-vi questions -> their passage, and VnExpress /
Tuổi Trẻ headlines -> their article, among VNTC distractors.  Each query runs as
written and with every diacritic removed.  Thresholds sit a little below the
figures measured when they were set (see bench/README.md, "Relevance").

The index is one small segment, which is also where Whoosh's array union
matcher used to drop the best documents (see whoosh/compile.py, _Or): a regression there
shows up here as a collapse of MRR@10.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from pathlib import Path

import pytest

from searchsvc.indexing.indexer import index_documents
from searchsvc.ingest import Document
from searchsvc.open import open_target
from searchsvc.search import SearchRequest
from searchsvc.search.plan import Bool, CommonTerms, Phrase, Sequence, Term, build_plan
from searchsvc.search.query import parse_query
from searchsvc.search.service import SearchService
from searchsvc.settings import Settings
from tests.conftest import ROOT, open_search

FIXTURE = ROOT / "tests" / "fixtures" / "relevance"

# MRR@10 measured on this subset when the thresholds were set (xquad 0.922 both ways,
# headline 1.000 both ways; default Ranking and SyllableBM25F), minus ~0.03.
THRESHOLDS = {
    ("xquad", "accented"): 0.89,
    ("xquad", "unaccented"): 0.89,
    ("headline", "accented"): 0.97,
    ("headline", "unaccented"): 0.97,
}


def _load(name: str) -> list[dict]:
    with open(FIXTURE / name, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


def without_marks(text: str) -> str:
    """What a phone without a Vietnamese input method types: every mark gone, đ -> d."""
    bare = re.sub(r"[\u0300-\u036f]", "", unicodedata.normalize("NFD", text))
    return unicodedata.normalize("NFC", bare.replace("đ", "d").replace("Đ", "D"))


@pytest.fixture(scope="module")
def relevance_engine(tmp_path_factory) -> SearchService:
    """The fixture documents as the harness indexes them: read already (an untitled
    passage stays untitled, which no corpus file can say), through the same writer."""
    index_dir = tmp_path_factory.mktemp("relevance") / "index"
    docs = [relevance_document(row) for row in _load("docs.jsonl")]
    assert index_documents(docs, index_dir, open_target(Settings(index_dir=index_dir))) == len(docs)
    engine = open_search(index_dir, result_cache=0)
    yield engine
    engine.close()


def relevance_document(row: dict) -> Document:
    raw = f"{row['title']}\n{row['body']}".encode("utf-8")
    return Document(id=row["id"], title=row["title"], body=row["body"], date=None, source=row["source"],
                    category="", url=None, content_hash=hashlib.sha1(raw).hexdigest(), encoding="utf-8",
                    size=len(raw))


def mrr_at_10(engine: SearchService, queries: list[dict], variant: str) -> float:
    total = 0.0
    for q in queries:
        text = q["query"] if variant == "accented" else without_marks(q["query"])
        hits = engine.search(SearchRequest(q=text, per_page=10, facets=False, suggest=False)).hits
        ids = [h.id for h in hits]
        if q["relevant"] in ids:
            total += 1 / (ids.index(q["relevant"]) + 1)
    return total / len(queries)


@pytest.mark.parametrize("query_set, variant", sorted(THRESHOLDS))
def test_mrr_at_10_stays_above_threshold(relevance_engine, query_set, variant):
    queries = [q for q in _load("queries.jsonl") if q["set"] == query_set]
    assert len(queries) >= 50
    mrr = mrr_at_10(relevance_engine, queries, variant)
    assert mrr >= THRESHOLDS[(query_set, variant)], f"MRR@10 {mrr:.3f} on {query_set}/{variant}"


def test_unaccented_questions_stay_close_to_accented(relevance_engine):
    queries = [q for q in _load("queries.jsonl") if q["set"] == "xquad"]
    accented = mrr_at_10(relevance_engine, queries, "accented")
    unaccented = mrr_at_10(relevance_engine, queries, "unaccented")
    assert unaccented >= accented * 0.97, (accented, unaccented)  # the target: within 3%


def test_question_mark_makes_a_short_question_match_any_syllable():
    # `Tesla chết năm nào?`: the passage that answers it never says `nào`.
    plain = build_plan(parse_query("Tesla chết năm nào"))
    question = build_plan(parse_query("Tesla chết năm nào?"))
    assert isinstance(plain, Bool) and len(plain.must) == 1 and len(plain.must[0].must) == 4  # all four required
    assert isinstance(question, CommonTerms)  # any of them qualifies


def test_a_quoted_phrase_is_required_in_order_and_word_pairs_add_score():
    plan = build_plan(parse_query('Ai đã viết bài thơ "Cái mặt nạ của Tình trạng vô chính phủ" năm nào'))
    assert isinstance(plan, Bool)
    words = ("cái", "mặt", "nạ", "của", "tình", "trạng", "vô", "chính", "phủ")
    required = [n for part in plan.must for n in _walk(part)]
    # In order, without marks (the folded phrase) and with them (the position check).
    assert any(isinstance(n, Phrase) and n.words == tuple(without_marks(w) for w in words) for n in required)
    assert any(isinstance(n, Sequence) and tuple(t.text for t in n.terms) == words for n in required)
    # Pairs of neighbouring syllables across the whole query add score.
    assert {"pairs", "title_pairs"} <= {n.field for n in plan.should if isinstance(n, Term)}


def _walk(node) -> list:
    found = [node]
    if isinstance(node, Bool):
        for part in node.must + node.should + node.filter + node.must_not:
            found += _walk(part)
    if isinstance(node, CommonTerms):
        for part in node.clauses:
            found += _walk(part)
    return found
