"""Hostile query input: generated strings and parameters against the search function,
`/api/search` and the search page, schemathesis against the OpenAPI document, and the
bounds on expensive queries (time limit, term cap, page depth).

Property tests run a small number of examples so CI stays fast; set
SEARCHSVC_FUZZ_EXAMPLES=2000 (for example) for a longer run.
"""

from __future__ import annotations

import os
import random
import time
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator, FormatChecker

from searchsvc.errors import BadRequest
from searchsvc.search import SearchRequest
from searchsvc.search.query import parse_query
from searchsvc.settings import Settings, load_settings
from searchsvc.web import create_app
from searchsvc.web.openapi import build_openapi
from tests.conftest import SAMPLE_CORPUS, open_search

try:
    import schemathesis
except ImportError:  # until it is in the test extra of the checkout being tested
    schemathesis = None

FUZZ_EXAMPLES = int(os.environ.get("SEARCHSVC_FUZZ_EXAMPLES") or 0)


def fuzz(default: int):
    """Hypothesis settings: `default` examples in CI, SEARCHSVC_FUZZ_EXAMPLES when set."""
    return settings(
        max_examples=FUZZ_EXAMPLES or default,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                               HealthCheck.data_too_large],
    )


PARAMS = {"q", "page", "per_page", "sort", "from", "to", "source", "category"}

# Pieces people (and scripts) type: query syntax, Vietnamese, codes, markup, control characters.
SYNTAX = [
    '"', "“", "”", "„", "«", "»", "-", "+", "!", "OR", "AND", "NOT", "||", "&&", "title:", "tieude:",
    "tiêu_đề:", "foo:", ":", "*", "?", "(", ")", "[", "]", "{", "}", "~", "^", "\\", "/", "'",
    "\x00", "\u00ad", "\u200b", "\u200d", "\ufeff", "\u0301", "\u0323", "\U0001f600", "\ud7ff",
    "Hà", "Nội", "biến", "đổi", "khí", "hậu", "bien", "doi", "nq", "57-NQ/TW", "22/12/2024",
    "2.209", "Ð", "<script>", "</mark>", "&amp;", "%00", "../", "\n", "\t", " ", "  ",
]
syntax_queries = st.lists(st.sampled_from(SYNTAX), max_size=40).map("".join)
any_text = st.text(max_size=200)  # all of Unicode but lone surrogates (not encodable in a URL)
SYNTAX_CHARS = "".join(sorted({c for piece in SYNTAX for c in piece}))
queries = st.one_of(any_text, syntax_queries, st.text(alphabet=SYNTAX_CHARS, max_size=80))

# 10k characters of the worst kinds, built directly (generating them char by char is slow).
LONG_QUERIES = [
    "biến đổi khí hậu " * 600,
    " OR ".join(["hà nội", "cao bằng", "nq 57", "khí hậu"] * 600),
    '"' * 10_000,
    "-" * 10_000,
    "a\u0301" * 5_000,
    "\u0301" * 10_000,
    "\x00" * 10_000,
    "title:" * 2_000,
    "NOT " * 2_500,
    "(" * 10_000,
    "57-NQ/TW " * 1_200,
    "x" * 10_000,
    "🙂" * 10_000,
]


def numberish() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(["-1", "0", "1", "2", "100", "101", "1000000000", "10**9", "1e3", "NaN", "inf",
                         "-inf", "0x10", "١٢", "+3", "1_0", " 5 ", "5.0", "99999999999999999999999",
                         "", " ", "\x00", "null", "[]", "1,2"]),
        st.integers().map(str),
        st.text(max_size=12),
    )


param_values = st.fixed_dictionaries(
    {},
    optional={
        "q": queries,
        "page": numberish(),
        "per_page": numberish(),
        "sort": st.one_of(st.sampled_from(["relevance", "date", "DATE", "score", "", "-date", "date "]),
                          st.text(max_size=10)),
        "from": st.one_of(st.sampled_from(["2024", "2024-02-30", "0000-01-01", "9999-12-31", "2024-13",
                                           "-1", "2024-1-1", "２０２４"]), st.text(max_size=12)),
        "to": st.one_of(st.sampled_from(["2023", "2024-12-31", "1"]), st.text(max_size=12)),
        "source": st.one_of(st.sampled_from(["web", "thông-cáo", "x" * 201, "<b>"]), st.text(max_size=30)),
        "category": st.text(max_size=30),
        "unknown": st.text(max_size=10),
    },
)


def assert_error_shape(response, status: int = 400) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"error"}
    error = body["error"]
    assert set(error) == {"status", "code", "message", "param"}
    assert error["status"] == status and isinstance(error["message"], str) and error["message"]
    return error


@pytest.fixture(scope="module")
def spec(web_app):
    return web_app.test_client().get("/api/openapi.json").get_json()


def search_result_validator(spec) -> Draft202012Validator:
    schema = {**spec["components"]["schemas"]["SearchResult"], "components": spec["components"]}
    return Draft202012Validator(schema, format_checker=FormatChecker())


# -- the search function ----------------------------------------------------------------


@pytest.fixture(scope="module")
def engine(web_index):
    eng = open_search(web_index, refresh_interval=60)
    yield eng
    eng.close()


@fuzz(150)
@given(q=queries, page=st.integers(-5, 12), per_page=st.integers(-2, 200),
       sort=st.sampled_from(["relevance", "date", "bogus"]))
def test_search_function_answers_or_refuses_any_input(engine, q, page, per_page, sort):
    try:
        result = engine.search(SearchRequest(q=q, page=page, per_page=per_page, sort=sort))
    except BadRequest as e:
        assert e.param in {"q", "page", "per_page", "sort"} and e.message
        return
    assert page >= 1 and per_page >= 1 and sort in ("relevance", "date")
    assert len(result.hits) <= per_page and result.total >= len(result.hits)
    for hit in result.hits:  # the HTML fields hold nothing but escaped text and <mark>
        for html in (hit.snippet, hit.title_html):
            assert "<" not in html.replace("<mark>", "").replace("</mark>", "")


@pytest.mark.parametrize("q", LONG_QUERIES, ids=lambda q: repr(q[:12]))
def test_search_function_on_10k_character_queries(engine, q):
    assert len(q) >= 9_000
    started = time.perf_counter()
    try:
        engine.search(SearchRequest(q=q))
    except BadRequest as e:
        assert e.param == "q"
    assert time.perf_counter() - started < 5


def test_search_function_absurd_pages_are_refused_or_bounded(engine):
    """The engine itself (used by the CLI) refuses non-positive pages and bounds work by page*per_page."""
    for page, per_page in [(-1, 10), (0, 10), (1, 0), (1, -1)]:
        with pytest.raises(BadRequest):
            engine.search(SearchRequest(q="khí hậu", page=page, per_page=per_page))
    result = engine.search(SearchRequest(q="khí hậu", page=1, per_page=10**9))
    assert result.hits and result.total == len(result.hits)
    assert engine.search(SearchRequest(q="khí hậu", page=10**6, per_page=100)).hits == []


# -- /api/search and / over HTTP (Flask's client) ------------------------------------------


@fuzz(150)
@given(args=param_values)
def test_api_search_never_500_and_keeps_the_error_shape(client, spec, args):
    response = client.get("/api/search", query_string=args)
    if response.status_code == 400:
        assert assert_error_shape(response)["param"] in PARAMS
    else:
        assert response.status_code == 200, response.get_data(as_text=True)[:300]
        search_result_validator(spec).validate(response.get_json())


@fuzz(60)
@given(args=param_values)
def test_search_page_never_500(client, args):
    response = client.get("/", query_string=args)
    if response.status_code == 302:  # empty or default fields dropped: to this site's own page
        location = response.headers["Location"]
        assert location == "/" or (location.startswith("/?") and not location.startswith("//"))
        response = client.get(location)
    assert response.status_code in (200, 400), response.get_data(as_text=True)[:300]
    assert response.mimetype == "text/html"
    text = response.get_data(as_text=True)
    # Our one script file, and no other script.
    assert "Traceback" not in text
    assert text.lower().count("<script") == 1 and '<script src="/static/search.js" defer>' in text


@pytest.mark.parametrize("q", LONG_QUERIES, ids=lambda q: repr(q[:12]))
@pytest.mark.parametrize("path", ["/api/search", "/"])
def test_10k_character_queries_over_http(client, path, q):
    response = client.get(path, query_string={"q": q})
    if path == "/" and response.status_code == 302:  # surrounding spaces trimmed from the URL
        response = client.get(response.headers["Location"])
    assert response.status_code in (200, 400)
    if path.startswith("/api") and response.status_code == 400:
        assert assert_error_shape(response)["param"] == "q"


@pytest.mark.parametrize(
    "raw",
    [
        b"q=%ff%fe%fd", b"q=%ed%a0%80", b"q=%c0%ae%c0%ae", b"q=%00", b"q=%", b"q=%zz", b"q=a&q=b",
        b"q=x&page=1&page=-1", b"q=x&page=%00", b"q=x&per_page=%EF%BC%91", b"q=%E2%80%AE",
        b"q=x&sort[]=date", b"q[]=x", b"q=" + b"%41" * 5000, b"&&&=&=&q=x", b"q=x;page=2",
    ],
)
def test_raw_query_strings(client, raw):
    """Bytes a browser would never send: invalid UTF-8, bad escapes, repeats."""
    response = client.get("/api/search?" + raw.decode("ascii"))
    if response.status_code == 400:
        assert assert_error_shape(response)["param"] in PARAMS
    else:
        assert response.status_code == 200


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH"])
def test_search_with_a_body_is_405_not_500(client, method):
    response = client.open("/api/search?q=x", method=method, data=b"\x00" * 1000,
                           content_type="application/json")
    assert_error_shape(response, 405)


# -- schemathesis against the OpenAPI document ----------------------------------------


if schemathesis is not None:
    # Loaded from the settings alone (no index needed); the app is handed over per call.
    # (schemathesis.pytest.from_fixture would be the natural loader, but in schemathesis 4.32
    # it reads `request.node._nodeid`, which pytest 9 no longer has.)
    api_schema = schemathesis.openapi.from_dict(build_openapi(Settings()))

    @api_schema.parametrize()
    @fuzz(40)
    def test_openapi_conformance(case, web_app):
        """Every documented operation, with generated valid and invalid input: no 5xx,
        documented status codes, content types and bodies that match their schemas.

        Not checked: that every schema-valid request is accepted (a schema cannot say that
        `from=0000` or `2024-02-30` is no date, or that `q=" "` has no word: documented 400s
        naming the parameter), nor that every schema-violating one is refused (on purpose,
        empty values count as absent and values are trimmed, because the HTML form submits
        every field: `to=` and `page=` are accepted).
        """
        case.call_and_validate(app=web_app, excluded_checks=[
            schemathesis.checks.positive_data_acceptance, schemathesis.checks.negative_data_rejection])
else:

    def test_openapi_conformance():
        pytest.skip("schemathesis is not installed (pip install 'schemathesis>=4.32,<5')")


# -- expensive queries are bounded -------------------------------------------------------


def test_query_terms_are_capped():
    words = " ".join(f"tu{n}" for n in range(200))
    parsed = parse_query(words, max_chars=10_000, max_terms=32)
    kept = [t.term for part in parsed.alternatives[0] for t in part.syllables]
    assert kept == [f"tu{n}" for n in range(32)]  # the first 32, in order

    ors = parse_query(" OR ".join(f"tu{n}" for n in range(200)), max_chars=10_000, max_terms=32)
    assert sum(len(p.syllables) for alt in ors.alternatives for p in alt) == 32
    assert len(ors.alternatives) == 32

    # Excluded words and phrases count too; a phrase cut in the middle keeps its head.
    mixed = parse_query('a -b "c d e" ' + " ".join("f" * 10), max_chars=10_000, max_terms=4)
    parts = [(p.excluded, p.phrase, [t.term for t in p.syllables]) for p in mixed.alternatives[0]]
    assert parts == [(False, False, ["a"]), (True, False, ["b"]), (False, True, ["c", "d"])]


def test_default_limits_are_settings():
    s = Settings()
    assert (s.max_query_chars, s.max_query_terms, s.max_page, s.per_page_max) == (500, 32, 100, 100)
    assert s.search_time_limit > 0


def test_time_limit_covers_facets_and_suggestion(engine, monkeypatch):
    """When matching has used up the time budget, facets and did-you-mean are skipped and
    the result says it is partial, instead of running unbounded passes after the limit."""
    import searchsvc.search.service as service_module
    import searchsvc.whoosh.backend as backend_module

    clock = {"now": 1000.0}

    def fake_perf_counter():
        clock["now"] += engine.time_limit  # every look at the clock: one whole budget later
        return clock["now"]

    def fail(*args, **kwargs):
        raise AssertionError("ran after the time limit")

    engine.search(SearchRequest(q="khí hậu"))  # open the searcher first (another query: no cached answer)
    monkeypatch.setattr(service_module.time, "perf_counter", fake_perf_counter)
    monkeypatch.setattr(service_module, "suggest", fail)
    monkeypatch.setattr(backend_module, "_facets", fail)
    result = engine.search(SearchRequest(q="bien doi khi hau"))
    assert result.timed_out and result.hits and result.facets == {} and result.suggestion is None
    assert result.total >= len(result.hits)


def _expensive_queries() -> list[str]:
    rng = random.Random(7)
    text = (SAMPLE_CORPUS / "thong-cao" / "cao-bang-khoa-hoc-cong-nghe.txt").read_text("utf-8")
    words = [w for w in text.split() if w.isalpha()]
    return [
        " OR ".join(rng.choice(words) for _ in range(500)),
        " ".join(rng.choice(words) for _ in range(2_000)),
        " ".join(f'"{rng.choice(words)} {rng.choice(words)}"' for _ in range(500)),
        "a " + " ".join("-" + rng.choice(words) for _ in range(500)),
    ]


@pytest.mark.slow
def test_expensive_queries_stay_within_the_time_limit(sample_index):
    """Realistic worst cases on a real index: each search returns within its limit (plus
    slack for snippets and a loaded CI machine), partial results flagged, never an error."""
    limit = 0.5
    app = create_app(load_settings({}, index_dir=sample_index, search_time_limit=limit))
    client = app.test_client()
    client.get("/api/search", query_string={"q": "khởi động"})  # open the searcher
    for q in _expensive_queries():
        for args in ({"q": q}, {"q": q, "page": "100", "per_page": "100"}, {"q": q, "sort": "date"}):
            started = time.perf_counter()
            response = client.get("/api/search", query_string=args)
            elapsed = time.perf_counter() - started
            assert response.status_code == 200
            assert elapsed < limit + 2.0, (q[:40], args.keys(), elapsed)
    app.extensions["searchsvc"].close()


def test_deep_pagination_is_a_clear_400(client):
    response = client.get("/api/search", query_string={"q": "khí hậu", "page": "101"})
    assert assert_error_shape(response)["param"] == "page"
    response = client.get("/api/search", query_string={"q": "khí hậu", "per_page": str(10**9)})
    assert assert_error_shape(response)["param"] == "per_page"
    quoted = quote("khí hậu")
    assert client.get(f"/api/search?q={quoted}&page=100&per_page=100").status_code == 200
