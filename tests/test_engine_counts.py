"""Totals and facets come from set-based matching: it must match Whoosh's own matchers."""

from __future__ import annotations

import datetime as dt
import time

import pytest

from searchsvc.search import SearchRequest
from searchsvc.search.engine import _filter_query, _matching_docs
from searchsvc.search.plan import build_query
from searchsvc.search.query import parse_query

QUERIES = ["Hà Nội", "ha noi", '"khí hậu"', "nghị quyết 57", "NQ57", "của", "bien doi -khi",
           "bóng đá OR kinh tế", "title:Việt", "ủy ban nhân dân thành phố hà nội năm 2024", "zzqx"]


@pytest.mark.parametrize("q", QUERIES)
@pytest.mark.parametrize("filters", [{}, {"source": "so-khcn"}, {"date_from": dt.date(2024, 1, 1)}])
def test_matching_docs_equals_whoosh_docs(engine, q, filters):
    searcher = engine.searcher()
    req = SearchRequest(q=q, **filters)
    query = build_query(parse_query(q))
    filter_q = _filter_query(req)
    expected = sorted(searcher.docs_for_query(query if filter_q is None else query & filter_q))
    assert _matching_docs(searcher, query, filter_q, time.perf_counter() + 60) == expected
    result = engine.search_uncached(req)
    assert result.total == len(expected)
