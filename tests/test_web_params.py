"""parse_search_params: what the API and the HTML form accept, and how they refuse."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from searchsvc.errors import BadRequest
from searchsvc.search import SearchRequest
from searchsvc.search.params import parse_search_params
from searchsvc.settings import Settings

SETTINGS = Settings(max_query_chars=20, max_page=50, per_page_max=30, per_page_default=7)


def parse(**args: str) -> SearchRequest:
    return parse_search_params(args, SETTINGS)


def test_defaults():
    assert parse(q="hà nội") == SearchRequest(q="hà nội", page=1, per_page=7, sort="relevance")


def test_all_parameters():
    req = parse(q=" biến đổi khí hậu ", page="3", per_page="30", sort="date",
                **{"from": "2024-01-31", "to": "2024-02-29"}, source=" UBND tỉnh ",
                category="Thời sự", unknown="ignored")
    assert req == SearchRequest(
        q="biến đổi khí hậu", page=3, per_page=30, sort="date",
        date_from=dt.date(2024, 1, 31), date_to=dt.date(2024, 2, 29),
        source="UBND tỉnh", category="Thời sự",
    )


def test_empty_values_count_as_absent():
    # The HTML form submits every field, filled or not.
    req = parse(q="x", page="", per_page=" ", sort="", source="", category="", **{"from": "", "to": ""})
    assert req == SearchRequest(q="x", per_page=7)


def test_long_query_is_cut():
    assert parse(q="a" * 100).q == "a" * 20
    # Cutting must not leave trailing blanks.
    assert parse(q="abcdefghijklmnopqrs tuvwxyz").q == "abcdefghijklmnopqrs"


@pytest.mark.parametrize(
    ("value", "start", "end"),
    [
        ("2024", dt.date(2024, 1, 1), dt.date(2024, 12, 31)),
        ("2024-02", dt.date(2024, 2, 1), dt.date(2024, 2, 29)),
        ("2023-2", dt.date(2023, 2, 1), dt.date(2023, 2, 28)),
        ("2024-12-31", dt.date(2024, 12, 31), dt.date(2024, 12, 31)),
    ],
)
def test_partial_dates_mean_start_and_end_of_period(value, start, end):
    req = parse(q="x", **{"from": value, "to": value})
    assert (req.date_from, req.date_to) == (start, end)


@pytest.mark.parametrize(
    ("args", "param"),
    [
        ({"q": "x", "autocorrect": "maybe"}, "autocorrect"),
        ({"q": "x", "page": "0"}, "page"),
        ({"q": "x", "page": "-1"}, "page"),
        ({"q": "x", "page": "abc"}, "page"),
        ({"q": "x", "page": "1.5"}, "page"),
        ({"q": "x", "page": "+2"}, "page"),
        ({"q": "x", "page": "٣"}, "page"),  # Arabic-Indic digit: int() would take it
        ({"q": "x", "page": "51"}, "page"),
        ({"q": "x", "page": "9" * 5000}, "page"),  # beyond Python's int-parsing limit
        ({"q": "x", "per_page": "0"}, "per_page"),
        ({"q": "x", "per_page": str(10**9)}, "per_page"),
        ({"q": "x", "per_page": "31"}, "per_page"),
        ({"q": "x", "sort": "foo"}, "sort"),
        ({"q": "x", "sort": "DATE"}, "sort"),
        ({"q": "x", "from": "2024-13-01"}, "from"),
        ({"q": "x", "from": "2023-02-29"}, "from"),
        ({"q": "x", "from": "31/12/2024"}, "from"),
        ({"q": "x", "from": "2024-01-01T00:00"}, "from"),
        ({"q": "x", "to": "0000"}, "to"),
        ({"q": "x", "to": "hôm qua"}, "to"),
        ({"q": "x", "from": "2024-05-02", "to": "2024-05-01"}, "from"),
        ({"q": "x", "from": "2025", "to": "2024"}, "from"),
        ({"q": "x", "source": "s" * 201}, "source"),
        ({"q": "x", "category": "c" * 201}, "category"),
    ],
)
def test_bad_values_name_the_parameter(args, param):
    with pytest.raises(BadRequest) as info:
        parse_search_params(args, SETTINGS)
    assert info.value.param == param
    assert info.value.status == 400
    assert info.value.message


def test_limits_are_inclusive():
    req = parse(q="x", page="50", per_page="30")
    assert (req.page, req.per_page) == (50, 30)


@pytest.mark.parametrize("args", [{}, {"q": ""}, {"q": "   "}, {"q": "*"}, {"q": " * * "}])
def test_absent_empty_or_star_is_a_browse_request(args):
    assert parse_search_params(args, SETTINGS).browse


@given(st.dictionaries(st.sampled_from(["q", "page", "per_page", "sort", "from", "to",
                                        "source", "category", "autocorrect", "other"]),
                       st.text(max_size=30)))
def test_any_input_gives_a_request_or_a_bad_request(args):
    try:
        req = parse_search_params(args, SETTINGS)
    except BadRequest as e:
        assert e.param in {"page", "per_page", "sort", "from", "to", "source", "category", "autocorrect"}
        return
    assert req.q == req.q.strip() and len(req.q) <= SETTINGS.max_query_chars
    assert 1 <= req.page <= SETTINGS.max_page
    assert 1 <= req.per_page <= SETTINGS.per_page_max
    assert req.sort in ("relevance", "date")
    if req.date_from and req.date_to:
        assert req.date_from <= req.date_to
