"""The NumPy evaluator must match and score exactly like Whoosh's own matchers.

Checked on real indexes: the fixture corpus (one segment), and the sample corpus
indexed in two runs with a file changed and one deleted in between, so the index
has several segments and deleted documents whose postings are still on disk.
"""

from __future__ import annotations

import datetime as dt
import shutil

import numpy as np
import pytest
from whoosh import query as Q

from searchsvc.search import SearchRequest
from searchsvc.search.plan import build_plan
from searchsvc.search.query import parse_query
from searchsvc.search.ranking import DEFAULT_RANKING
from searchsvc.search.service import SearchService
from searchsvc.whoosh import store
from searchsvc.whoosh.compile import compile_plan
from searchsvc.whoosh.evaluate import Evaluator
from searchsvc.whoosh.flatview import open_searcher
from searchsvc.whoosh.postings import IndexArrays
from searchsvc.whoosh.scoring import weighting

from .conftest import SAMPLE_CORPUS, index_corpus, open_search


def build_query(parsed):
    """The Whoosh query the backend runs for a parsed query (its strict reading)."""
    return compile_plan(build_plan(parsed, DEFAULT_RANKING))


@pytest.fixture(scope="module")
def engine(fixture_index):
    """The fixture corpus on the Whoosh backend only: these tests compare it with Whoosh itself."""
    eng = open_search(fixture_index)
    yield eng
    eng.close()


def searcher_of(service: SearchService):
    return service.backend.view().searcher

QUERIES = ["Hà Nội", "ha noi", '"khí hậu"', "nghị quyết 57", "NQ57", "của", "bien doi -khi",
           "bóng đá OR kinh tế", "title:Việt", "ủy ban nhân dân thành phố hà nội năm 2024", "zzqx",
           "Tesla chết năm nào?", "bien doi khi hau cao bang", '"Bộ Y tế" -"Hà Nội"', "57-NQ/TW",
           "thuỷ lợi", 'Ai đã viết bài thơ "Cái mặt nạ" năm nào', "khoa học công nghệ và đổi mới sáng tạo"]


def _whoosh(searcher, query) -> dict[int, float]:
    return {hit.docnum: hit.score for hit in searcher.search(query, limit=None)}


def _numpy(searcher, query) -> dict[int, float]:
    arrays = IndexArrays(searcher)
    matches = Evaluator(searcher, arrays).run(query)
    return {int(d): float(matches.score[d]) for d in np.flatnonzero(matches.mask & arrays.live)}


def _assert_same(searcher, q: str) -> None:
    query = build_query(parse_query(q))
    expected, got = _whoosh(searcher, query), _numpy(searcher, query)
    assert sorted(got) == sorted(expected), q
    for docnum, score in expected.items():
        assert got[docnum] == pytest.approx(score, rel=1e-9, abs=1e-12), (q, docnum)


@pytest.fixture(scope="module")
def churned_index(churned_index_dir):
    """A searcher over the sample corpus indexed twice (several segments, deletions)."""
    generation = store.current_generation(churned_index_dir)
    with open_searcher(str(generation), weighting=weighting(DEFAULT_RANKING)) as searcher:
        assert len(searcher.reader().leaf_readers()) > 1 and searcher.reader().has_deletions()
        yield searcher


@pytest.mark.parametrize("q", QUERIES)
def test_fixture_index_matches_and_scores_like_whoosh(engine, q):
    _assert_same(searcher_of(engine), q)


@pytest.mark.parametrize("q", QUERIES)
def test_segments_and_deletions_match_and_score_like_whoosh(churned_index, q):
    _assert_same(churned_index, q)


def test_every_term_of_a_field_reads_like_whoosh(churned_index):
    """Posting arrays (docnums and frequencies) equal Whoosh's matcher, term by term."""
    arrays = IndexArrays(churned_index)
    reader = churned_index.reader()
    terms = [t for t in reader.field_terms("title_folded")][:400]
    assert len(terms) > 100
    for text in terms:
        postings = arrays.postings("title_folded", text)
        m = reader.postings("title_folded", text)
        expected = list(m.items_as("weight"))
        live = arrays.live[postings.ids]
        assert list(zip(postings.ids[live].tolist(), postings.tf[live].tolist())) == expected, text


def test_unscored_evaluation_matches_whoosh_docs(churned_index):
    arrays = IndexArrays(churned_index)
    for q in QUERIES:
        query = build_query(parse_query(q))
        mask = Evaluator(churned_index, arrays, scored=False).run(query).mask & arrays.live
        assert np.flatnonzero(mask).tolist() == sorted(churned_index.docs_for_query(query)), q


@pytest.mark.parametrize("q", ["Hà Nội", "của", "bien doi -khi", "zzqx"])
@pytest.mark.parametrize("filters", [{}, {"source": "bao-chi"}, {"date_from": dt.date(2024, 1, 1)},
                                     {"category": "xa-hoi", "date_to": dt.date(2024, 12, 31)}])
def test_totals_pages_and_filters_equal_whoosh(engine, q, filters):
    """Total, hit order (with page boundaries) and filters against Whoosh's collector."""
    searcher = searcher_of(engine)
    clauses = []
    if "source" in filters:
        clauses.append(Q.Term("source", filters["source"]))
    if "category" in filters:
        clauses.append(Q.Term("category", filters["category"]))
    if "date_from" in filters or "date_to" in filters:
        start = dt.datetime.combine(filters["date_from"], dt.time()) if "date_from" in filters else None
        end = dt.datetime.combine(filters["date_to"], dt.time.max) if "date_to" in filters else None
        clauses.append(Q.DateRange("date", start, end))
    filter_q = Q.And(clauses) if clauses else None
    expected = searcher.search(build_query(parse_query(q)), limit=None, filter=filter_q)
    expected_ids = [hit["id"] for hit in expected]
    got = [engine.search_uncached(SearchRequest(q=q, page=p, per_page=3, **filters)) for p in (1, 2)]
    assert got[0].total == len(expected_ids)
    # (Approximate hits, which follow the strict ones when they are few, are not Whoosh's to check.)
    assert [h.id for r in got for h in r.hits if not h.approximate] == expected_ids[:6]


def test_facets_count_what_matches(engine):
    result = engine.search_uncached(SearchRequest(q="của"))
    searcher = searcher_of(engine)
    docs = searcher.docs_for_query(build_query(parse_query("của")))
    sources: dict[str, int] = {}
    for d in docs:
        source = searcher.stored_fields(d).get("source")
        if source:
            sources[source] = sources.get(source, 0) + 1
    assert {fv.value: fv.count for fv in result.facets["source"]} == sources


def test_a_fresh_engine_sees_deletions(tmp_path):
    corpus, index_dir = tmp_path / "corpus", tmp_path / "index"
    shutil.copytree(SAMPLE_CORPUS / "thong-cao", corpus)
    index_corpus(corpus, index_dir)
    engine = open_search(index_dir, refresh_interval=0, result_cache=0)
    before = engine.search(SearchRequest(q="Cao Bằng"))
    assert before.total >= 1
    for hit in before.hits:
        (corpus / hit.id).unlink()
    index_corpus(corpus, index_dir)
    after = engine.search(SearchRequest(q="Cao Bằng"))
    assert after.total == 0 and after.hits == []
    engine.close()


def _one_edit_apart(a: str, b: str) -> bool:
    """Damerau distance exactly 1 (insert, delete, substitute, swap neighbours), by brute force."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diff) == 1 or (len(diff) == 2 and diff[1] == diff[0] + 1
                                  and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]])
    short, long_ = sorted((a, b), key=len)
    return any(long_[:i] + long_[i + 1:] == short for i in range(len(long_)))


def test_one_edit_terms_are_every_term_one_typo_away(churned_index):
    """Did-you-mean's candidates, against a brute-force scan of the whole vocabulary."""
    arrays = IndexArrays(churned_index)
    vocabulary = [t for t in churned_index.reader().field_terms("folded") if t.isascii() and t.isalnum()]
    words = ["khoa", "hocc", "nghi", "quyt", "bng", "vietnam", "caobang", "tinhh", "xyzzy", "a1b"]
    words += vocabulary[::97][:40]
    for word in words:
        expected = sorted(t for t in vocabulary if _one_edit_apart(word, t))
        assert arrays.terms_within_one_edit("folded", word) == expected, word
    assert "khao" in arrays.terms_within_one_edit("folded", "khoa")  # a swap counts as one typo


def test_searches_beyond_the_concurrency_wait_their_turn(fixture_index, monkeypatch):
    """With one slot, eight threads searching at once never evaluate two queries together,
    and every one of them (did-you-mean's inner search included) gets its answer."""
    import threading
    import time as time_module

    import searchsvc.search.service as service_module

    inside: dict[int, int] = {}  # thread -> depth (did-you-mean searches inside a search)
    peak, lock = [0], threading.Lock()
    real_search = service_module.SearchService._search

    def counted_search(self, req, view):
        me = threading.get_ident()
        with lock:
            inside[me] = inside.get(me, 0) + 1
            peak[0] = max(peak[0], len(inside))
        time_module.sleep(0.002)
        try:
            return real_search(self, req, view)
        finally:
            with lock:
                inside[me] -= 1
                if not inside[me]:
                    del inside[me]

    monkeypatch.setattr(service_module.SearchService, "_search", counted_search)

    def search_at_once(engine: SearchService, queries: list[str]) -> list:
        results: list = []
        threads = [threading.Thread(target=lambda q=q: results.append(engine.search(SearchRequest(q=q))))
                   for q in queries]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
        engine.close()
        return results

    results = search_at_once(open_search(fixture_index, result_cache=0, concurrency=1),
                             ["ha noi", "khí hậu", "hanoi xyzq", "nq57"] * 2)
    assert len(results) == 8 and peak[0] == 1
    # The same load with two slots does overlap (so the check above can fail).
    results = search_at_once(open_search(fixture_index, result_cache=0, concurrency=2), ["ha noi", "khí hậu"] * 4)
    assert len(results) == 8 and peak[0] == 2
