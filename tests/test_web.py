"""The web edge through Flask's test client, over a real index of the web test corpus."""

from __future__ import annotations

import json
import logging
import re
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from bs4 import BeautifulSoup

from searchsvc.settings import load_settings
from searchsvc.web import create_app
from searchsvc.web.views import _safe_url
from tests.webfixtures import CLIMATE_ID, SCRIPT_ID, SOURCES, exploding_service

QUERY = "bien doi khi hau"  # typed without accents
N_DOCS = 16


def soup(response) -> BeautifulSoup:
    assert response.mimetype == "text/html"
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def assert_error(response, status: int, code: str, param: str | None = None) -> dict:
    """The one JSON error shape."""
    assert response.status_code == status
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"error"}
    error = body["error"]
    assert set(error) == {"status", "code", "message", "param"}
    assert (error["status"], error["code"], error["param"]) == (status, code, param)
    assert isinstance(error["message"], str) and error["message"]
    return error


def words(marked) -> set[str]:
    """The lower-cased words inside <mark> elements (one mark may hold a whole phrase)."""
    texts = [m if isinstance(m, str) else m.get_text() for m in marked]
    return set(" ".join(texts).lower().split())


def query_of(href: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(href).query)


# -- /healthz ----------------------------------------------------------------


def test_healthz_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok" and body["documents"] == N_DOCS
    assert body["generation"].startswith("gen-")


def test_healthz_503_without_index(empty_app):
    assert_error(empty_app.test_client().get("/healthz"), 503, "index_unavailable")


def test_app_creation_touches_no_files(tmp_path):
    missing = tmp_path / "nothing-here"
    app = create_app(load_settings({}, index_dir=missing))
    assert not missing.exists()
    assert not app.extensions["searchsvc"].opened


# -- /api/search ---------------------------------------------------------------


def test_search_unaccented_query_highlights_accented_text(client):
    response = client.get("/api/search", query_string={"q": QUERY})
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert list(body) == ["query", "total", "page", "per_page", "pages", "sort", "hits",
                          "facets", "suggestion", "took_ms", "timed_out", "total_approximate",
                          "corrected_query", "searched_query", "browse", "undated"]
    assert body["total"] == 14 and body["page"] == 1 and body["per_page"] == 10
    assert body["pages"] == 2 and len(body["hits"]) == 10
    assert CLIMATE_ID in {h["id"] for h in body["hits"]}  # ranking is the core's business
    for hit in body["hits"]:
        assert set(hit) >= {"id", "title", "snippet", "score", "date", "source", "category", "url"}
        marked = re.findall(r"<mark>(.*?)</mark>", hit["snippet"])
        assert words(marked) >= {"biến", "đổi", "khí", "hậu"}
    # UTF-8 Vietnamese, not \u escapes.
    text = response.get_data(as_text=True)
    assert "biến đổi khí hậu" in text and "\\u" not in text


def test_search_second_page(client):
    first = client.get("/api/search", query_string={"q": QUERY}).get_json()
    second = client.get("/api/search", query_string={"q": QUERY, "page": 2}).get_json()
    assert second["page"] == 2 and len(second["hits"]) == 4
    assert not {h["id"] for h in first["hits"]} & {h["id"] for h in second["hits"]}


def test_search_per_page(client):
    body = client.get("/api/search", query_string={"q": QUERY, "per_page": 3}).get_json()
    assert (body["per_page"], body["pages"], len(body["hits"])) == (3, 5, 3)


def test_search_filters_and_facets(client):
    source = SOURCES[0]
    body = client.get("/api/search", query_string={"q": QUERY, "source": source}).get_json()
    assert body["total"] > 0
    assert {h["source"] for h in body["hits"]} == {source}
    # A facet ignores its own filter: every source stays listed so the user can switch.
    assert {f["value"] for f in body["facets"]["source"]} == set(SOURCES)
    assert sum(f["count"] for f in body["facets"]["category"]) == body["total"]

    body = client.get("/api/search", query_string={"q": QUERY, "from": "2024", "to": "2024"}).get_json()
    assert body["total"] > 0
    assert all(h["date"].startswith("2024-") for h in body["hits"])

    facets = client.get("/api/search", query_string={"q": QUERY}).get_json()["facets"]
    assert {f["value"] for f in facets["year"]} == {"2023", "2024", "2025"}
    assert sum(f["count"] for f in facets["category"]) == 14


@pytest.mark.parametrize("args", [{}, {"q": ""}, {"q": "*"}])
def test_api_browse_lists_everything_newest_first(client, args):
    body = client.get("/api/search", query_string={**args, "per_page": 100}).get_json()
    assert body["browse"] is True and body["sort"] == "date" and body["total"] == len(body["hits"]) == 16
    dates = [h["date"] for h in body["hits"] if h["date"]]
    assert dates == sorted(dates, reverse=True)


def test_search_sort_by_date(client):
    body = client.get("/api/search", query_string={"q": QUERY, "sort": "date", "per_page": 20}).get_json()
    dates = [h["date"] for h in body["hits"]]
    assert dates == sorted(dates, reverse=True) and len(dates) == 14


@pytest.mark.parametrize(
    ("args", "param"),
    [
        ({"q": QUERY, "page": "0"}, "page"),
        ({"q": QUERY, "page": "-1"}, "page"),
        ({"q": QUERY, "page": "abc"}, "page"),
        ({"q": QUERY, "page": "101"}, "page"),
        ({"q": QUERY, "per_page": "0"}, "per_page"),
        ({"q": QUERY, "per_page": str(10**9)}, "per_page"),
        ({"q": QUERY, "sort": "foo"}, "sort"),
        ({"q": QUERY, "from": "2024-13-01"}, "from"),
        ({"q": QUERY, "to": "2024-02-30"}, "to"),
        ({"q": QUERY, "from": "2025-01-01", "to": "2024-01-01"}, "from"),
        ({"q": "!!!"}, "q"),
    ],
)
def test_search_bad_parameters(client, args, param):
    assert_error(client.get("/api/search", query_string=args), 400, "bad_request", param)


def test_search_ignores_unknown_parameters(client):
    assert client.get("/api/search", query_string={"q": QUERY, "foo": "bar"}).status_code == 200


def test_search_503_without_index(empty_app):
    response = empty_app.test_client().get("/api/search", query_string={"q": QUERY})
    error = assert_error(response, 503, "index_unavailable")
    assert "/" not in error["message"]  # no server paths in messages


def test_search_500_is_generic_json_and_logged(web_index, caplog):
    engine = exploding_service(web_index)
    app = create_app(load_settings({}, index_dir=web_index), service=engine)
    with caplog.at_level(logging.ERROR):
        response = app.test_client().get("/api/search", query_string={"q": QUERY})
        page = app.test_client().get("/", query_string={"q": QUERY})
    engine.close()
    error = assert_error(response, 500, "internal_error")
    for r in (response, page):
        text = r.get_data(as_text=True)
        assert "secret" not in text and "Traceback" not in text and "RuntimeError" not in text
        assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert error["message"]
    assert page.status_code == 500 and "Lỗi máy chủ" in page.get_data(as_text=True)
    assert any("secret internal detail" in str(rec.exc_info[1]) for rec in caplog.records if rec.exc_info)


# -- /api/documents ------------------------------------------------------------


def test_document_with_slashes_and_vietnamese_id(client):
    for path in (f"/api/documents/{CLIMATE_ID}", f"/api/documents/{quote(CLIMATE_ID)}"):
        response = client.get(path)
        assert response.status_code == 200, path
        doc = response.get_json()
        assert doc["id"] == CLIMATE_ID
        assert doc["title"] == "Hội thảo về biến đổi khí hậu tại Cao Bằng"
        assert doc["date"] == "2024-05-10" and doc["source"] == SOURCES[0]
        assert doc["body"].count("\n\n") == 2


def test_document_unknown(client):
    assert_error(client.get("/api/documents/khong/ton-tai.txt"), 404, "not_found")


@pytest.mark.parametrize(
    "path",
    [
        "/api/documents/../../../../etc/passwd",
        "/api/documents/%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd",
        "/api/documents/..%2F..%2F..%2Fetc%2Fpasswd",
        "/api/documents//etc/passwd",
        "/api/documents/%2Fetc%2Fpasswd",
        "/api/documents/web/../thông-cáo/môi-trường/hội-thảo-biến-đổi-khí-hậu.html",
        "/api/documents/./canh-bao/lua-dao.txt",
        "/api/documents/canh-bao%5C..%5Clua-dao.txt",
        "/api/documents/canh-bao/lua-dao.txt%00",
        "/documents/../../../../etc/passwd",
        "/documents/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
        "/documents//etc/passwd",
    ],
)
def test_path_traversal_is_not_found(client, path):
    response = client.get(path)
    assert response.status_code == 404
    text = response.get_data(as_text=True)
    assert "root:" not in text and "Công an tỉnh" not in text and "Cao Bằng" not in text
    if path.startswith("/api/"):
        assert_error(response, 404, "not_found")


# -- errors outside the endpoints -----------------------------------------------


def test_unknown_api_route_is_json_404(client):
    assert_error(client.get("/api/nothing"), 404, "not_found")


def test_unknown_page_is_html_404(client):
    response = client.get("/khong-co-trang-nay")
    assert response.status_code == 404
    page = soup(response)
    assert page.html["lang"] == "vi"
    assert "Không tìm thấy trang" in page.get_text()


def test_wrong_method(client):
    response = client.post("/api/search", data={"q": QUERY})
    assert_error(response, 405, "method_not_allowed")
    assert set(response.headers["Allow"].replace(" ", "").split(",")) >= {"GET", "HEAD"}
    response = client.post("/")
    assert response.status_code == 405 and response.mimetype == "text/html"
    assert "GET" in response.headers["Allow"]
    assert_error(client.delete("/healthz"), 405, "method_not_allowed")


# -- security headers and markup ------------------------------------------------

PAGES = ["/", f"/?q={QUERY}", f"/?q={QUERY}&page=0", "/?q=khongcogica", f"/documents/{CLIMATE_ID}?q={QUERY}",
         f"/documents/{SCRIPT_ID}", "/khong-co", "/documents/khong-co.txt"]


@pytest.mark.parametrize(
    "path", PAGES + ["/api/search?q=x", "/api/search", "/healthz", "/api/openapi.json",
                     "/static/style.css", "/api/nothing"])
def test_security_headers(client, path):
    with client.get(path) as response:  # closes the static file
        headers = response.headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"]
    csp = headers["Content-Security-Policy"]
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["frame-ancestors"] == "'none'"
    assert directives["style-src"] == "'self'"
    # One script file of our own (suggestions, results as you type); nothing inline.
    assert directives["script-src"] == "'self'" and directives["default-src"] == "'none'"
    assert directives["connect-src"] == "'self'"


@pytest.mark.parametrize("path", PAGES)
def test_pages_satisfy_the_csp(client, path):
    """No inline script or style, so the strict CSP breaks nothing; every page is mobile-ready."""
    page = soup(client.get(path))
    scripts = page.find_all("script")
    assert [(s.get("src"), s.get_text()) for s in scripts] == [("/static/search.js", "")]
    assert scripts[0].has_attr("defer") and page.find("style") is None
    assert page.find(attrs={"style": True}) is None
    assert not [t for t in page.find_all(True) if any(a.startswith("on") for a in t.attrs)]
    assert page.html["lang"] == "vi"
    assert "width=device-width" in page.find("meta", attrs={"name": "viewport"})["content"]
    stylesheets = [link["href"] for link in page.find_all("link", rel="stylesheet")]
    assert stylesheets == ["/static/style.css"]
    for form in page.find_all("form"):
        assert form["action"] == "/" and form["method"] == "get"


def test_static_files(client):
    with client.get("/static/style.css") as css:
        assert css.status_code == 200 and css.mimetype == "text/css"
    with client.get("/static/favicon.svg") as icon:
        assert icon.status_code == 200 and icon.mimetype == "image/svg+xml"


SCRIPT_QUERY = "<script>alert(1)</script> lừa đảo"


def test_script_in_query_is_inert_in_html(client):
    response = client.get("/", query_string={"q": SCRIPT_QUERY})
    text = response.get_data(as_text=True)
    assert "<script>alert" not in text and "<img src=x" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; lừa đảo" in text  # echoed in the input, escaped
    assert soup(response).find("input", attrs={"name": "q"})["value"] == SCRIPT_QUERY


def test_script_in_document_is_inert_in_results(client):
    response = client.get("/", query_string={"q": "lua dao"})
    text = response.get_data(as_text=True)
    assert "<script>alert" not in text and "<img src=x" not in text
    assert "&lt;script&gt;alert(" in text  # the title and snippet show the text, escaped
    links = [a["href"] for a in soup(response).select(".hit h2 a")]
    assert f"/documents/{SCRIPT_ID}?q=lua+dao" in links


def test_script_in_document_is_inert_in_json_snippets(client):
    body = client.get("/api/search", query_string={"q": "lua dao"}).get_json()
    hit = next(h for h in body["hits"] if h["id"] == SCRIPT_ID)
    for html_field in ("snippet", "title_html"):
        assert "<script>" not in hit[html_field] and "<img" not in hit[html_field]
        assert "&lt;script&gt;" in hit[html_field]
    assert "<mark>" in hit["snippet"]
    assert "<script>" in hit["title"]  # plain text field: the client escapes it


@pytest.mark.parametrize("q", [None, "lua dao", "script"])
def test_script_in_document_is_inert_on_document_page(client, q):
    response = client.get(f"/documents/{SCRIPT_ID}", query_string={"q": q} if q else None)
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "<script>alert" not in text and "<img src=x" not in text and "&lt;" in text
    page = soup(response)
    assert [s["src"] for s in page.find_all("script")] == ["/static/search.js"]
    assert page.find("img") is None
    # The reader sees the markup as text, exactly as written.
    assert "<script>alert('tiêu đề')</script>" in page.find("h1").get_text()
    body = page.select_one(".document .body").get_text()
    assert "<script>alert('nội dung')</script>" in body and "<img src=x onerror=alert(2)>" in body


def test_only_http_links_to_originals():
    assert _safe_url("https://a.example/x") == "https://a.example/x"
    assert _safe_url("HTTP://a.example") == "HTTP://a.example"
    for bad in ("javascript:alert(1)", " JaVaScRiPt:alert(1)", "data:text/html,x", "//evil", "", None):
        assert _safe_url(bad) is None


# -- HTML: the search page -------------------------------------------------------


def test_home_page(client):
    response = client.get("/")
    assert response.status_code == 200
    page = soup(response)
    q = page.find("input", attrs={"name": "q"})
    assert q is not None and not q.get("value")
    assert page.find("button", string="Tìm kiếm")
    assert page.find(id="doc-count").get_text(" ", strip=True) == f"Đang có {N_DOCS} văn bản trong chỉ mục."
    # The latest releases are listed (browse), newest first, linking to plain document pages.
    dates = [t["datetime"] for t in page.select(".hit time")]
    assert len(page.select(".hit")) == 10 and dates == sorted(dates, reverse=True)
    assert all("?" not in a["href"] for a in page.select(".hit h2 a"))
    # A blank query is the same as none; the URL is cleaned up.
    blank = client.get("/?q=++")
    assert blank.status_code == 302 and blank.headers["Location"] == "/"


def test_home_page_without_index(empty_app):
    response = empty_app.test_client().get("/")
    assert response.status_code == 200
    assert "chưa sẵn sàng" in soup(response).find(id="doc-count").get_text()
    response = empty_app.test_client().get("/", query_string={"q": QUERY})
    assert response.status_code == 503
    assert "chưa sẵn sàng" in soup(response).get_text()


def test_results_page(client):
    response = client.get("/", query_string={"q": QUERY})
    assert response.status_code == 200
    page = soup(response)
    assert page.find("input", attrs={"name": "q"})["value"] == QUERY
    summary = page.find(id="summary").get_text(strip=True)
    summary = page.find(id="summary").get_text(" ", strip=True)
    assert re.fullmatch(r"1–10 trong 14 kết quả \((< )?\d+,\d\d\d giây\) · JSON · CSV · Atom", summary), summary

    hits = page.select("article.hit")
    assert len(hits) == 10
    href = f"/documents/{quote(CLIMATE_ID)}?q=bien+doi+khi+hau"
    first = next(h for h in hits if h.select_one("h2 a")["href"] == href)
    link = first.select_one("h2 a")
    assert link.get_text() == "Hội thảo về biến đổi khí hậu tại Cao Bằng"
    assert first.find("time").get_text() == "10/05/2024"
    assert first.find("time")["datetime"] == "2024-05-10"
    # Slugs are shown as names.
    assert first.select_one(".source").get_text() == "Thông cáo"
    assert first.select_one(".category").get_text() == "Môi trường"
    assert words(first.select(".snippet mark")) >= {"biến", "đổi", "khí", "hậu"}


def test_pagination_keeps_parameters(client):
    args = {"q": QUERY, "sort": "date", "from": "2023-01-01", "to": "2025-12-31", "per_page": "5"}
    page = soup(client.get("/", query_string=args))
    nav = page.find("nav", class_="pages")
    assert nav.find("a", string="Trang trước") is None
    next_href = nav.find("a", string="Trang sau")["href"]
    assert query_of(next_href) == {k: [v] for k, v in {**args, "page": "2"}.items()}
    assert [a.get_text() for a in nav.find_all("a")] == ["2", "3", "Trang sau"]
    assert nav.find(attrs={"aria-current": "page"}).get_text() == "1"
    # The per_page value travels with the form too.
    assert page.find("input", attrs={"name": "per_page", "type": "hidden"})["value"] == "5"

    page = soup(client.get("/", query_string={**args, "page": "3"}))
    nav = page.find("nav", class_="pages")
    assert nav.find("a", string="Trang sau") is None
    prev = nav.find("a", string="Trang trước")["href"]
    assert query_of(prev) == {k: [v] for k, v in {**args, "page": "2"}.items()}


def test_page_past_the_end(client):
    page = soup(client.get("/", query_string={"q": QUERY, "page": "5"}))
    assert page.find(class_="hit") is None
    assert "Trang 5 không có kết quả" in page.get_text()
    nav = page.find("nav", class_="pages")
    assert query_of(nav.find("a", string="Trang trước")["href"])["page"] == ["2"]


def test_filter_controls_in_the_form(client):
    args = {"q": QUERY, "source": SOURCES[1], "from": "2024-01-01", "sort": "date"}
    page = soup(client.get("/", query_string=args))
    form = page.find("form", class_="search")
    assert form.find("input", attrs={"name": "from"})["type"] == "date"
    assert form.find("input", attrs={"name": "from"})["value"] == "2024-01-01"
    assert form.find("input", attrs={"name": "to"})["type"] == "date"
    labels = [label.get_text(" ", strip=True) for label in form.find_all("label")]
    assert "Từ ngày" in labels and "Đến ngày" in labels
    source = form.find("select", attrs={"name": "source"})
    assert source.find("option", selected=True)["value"] == SOURCES[1]
    assert source.find("option")["value"] == ""  # "all sources" first
    category = form.find("select", attrs={"name": "category"})
    assert len(category.find_all("option")) > 1  # filled from the facets
    sort = form.find("select", attrs={"name": "sort"})
    assert [o.get_text() for o in sort.find_all("option")] == ["Liên quan", "Mới nhất"]
    assert sort.find("option", selected=True)["value"] == "date"
    assert "Nguồn" in form.get_text() and "Chuyên mục" in form.get_text()


def test_facet_links(client):
    page = soup(client.get("/", query_string={"q": QUERY}))
    year_links = {a.get_text(): a["href"] for a in page.select("#facet-year a")}
    assert set(year_links) == {"2023", "2024", "2025"}
    # Full dates, which the date boxes can show (a bare year left them empty).
    assert query_of(year_links["2024"]) == {"q": [QUERY], "from": ["2024-01-01"], "to": ["2024-12-31"]}
    source_links = {a.get_text(): a["href"] for a in page.select("#facet-source a")}
    # Names are shown, the stored value goes into the URL.
    assert query_of(source_links["Thông cáo"])["source"] == ["thông-cáo"]
    counts = [int(c.get_text()) for c in page.select("#facet-category .count")]
    assert sum(counts) == 14

    # Following a year link filters; the chosen facet offers to remove the filter.
    filtered = soup(client.get(year_links["2024"]))
    assert all(t["datetime"].startswith("2024") for t in filtered.select(".hit time"))
    selected = filtered.select_one("#facet-year li.selected")
    assert selected.strong.get_text() == "2024"
    assert query_of(selected.a["href"]) == {"q": [QUERY]}
    # The date boxes show the year's range, so pressing the button keeps the filter.
    form = filtered.find("form", class_="search")
    assert form.find("input", attrs={"name": "from"})["value"] == "2024-01-01"
    assert form.find("input", attrs={"name": "to"})["value"] == "2024-12-31"
    chip = filtered.select_one(".chips a")
    assert chip.get_text(" ", strip=True) == "Ngày: Năm 2024 ✕"
    assert query_of(chip["href"]) == {"q": [QUERY]}


def test_bare_year_in_the_url_fills_the_date_boxes(client):
    page = soup(client.get("/", query_string={"q": QUERY, "from": "2024", "to": "2024"}))
    form = page.find("form", class_="search")
    assert form.find("input", attrs={"name": "from"})["value"] == "2024-01-01"
    assert form.find("input", attrs={"name": "to"})["value"] == "2024-12-31"
    assert page.select_one("#facet-year li.selected strong").get_text() == "2024"


def test_did_you_mean(client):
    api = client.get("/api/search", query_string={"q": QUERY}).get_json()
    assert api["suggestion"], "the engine should restore accents for an unaccented query"
    page = soup(client.get("/", query_string={"q": QUERY, "sort": "date"}))
    box = page.find(class_="suggestion")
    assert box.get_text(" ", strip=True).startswith("Có phải bạn muốn tìm:")
    link = box.find("a", id="suggestion")
    assert link.get_text() == api["suggestion"]
    assert link["href"].startswith("/?q=")
    assert query_of(link["href"]) == {"q": [api["suggestion"]], "sort": ["date"]}


def test_no_results_page(client):
    page = soup(client.get("/", query_string={"q": "xyzzyqwv"}))
    empty = page.find(id="no-results")
    text = empty.get_text(" ", strip=True)
    assert "Không tìm thấy kết quả nào cho xyzzyqwv" in text
    assert "chính tả" in text and "không dấu" in text
    assert page.find(id="summary") is None and page.find(class_="hit") is None
    assert empty.find("a") is None  # no filters to remove

    args = {"q": QUERY, "source": "Nguồn không có", "from": "2020"}
    page = soup(client.get("/", query_string=args))
    remove = page.find(id="no-results").find("a", string="Bỏ các bộ lọc")
    assert query_of(remove["href"]) == {"q": [QUERY]}
    # The unknown source stays selected so the user sees why nothing matched.
    selected = page.find("select", attrs={"name": "source"}).find("option", selected=True)
    assert selected["value"] == "Nguồn không có"


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        ({"q": QUERY, "page": "0"}, "page"),
        ({"q": QUERY, "page": "abc"}, "page"),
        ({"q": QUERY, "per_page": "1000000000"}, "per_page"),
        ({"q": QUERY, "sort": "foo"}, "Cách sắp xếp"),
        ({"q": QUERY, "from": "2024-13-01"}, "from"),
        ({"q": QUERY, "from": "2025-01-01", "to": "2024-01-01"}, "Ngày bắt đầu"),
        ({"q": "!!!"}, "Truy vấn"),  # refused by the engine, not by the parameter parser
    ],
)
def test_bad_parameters_on_the_page(client, args, fragment):
    response = client.get("/", query_string=args)
    assert response.status_code == 400
    page = soup(response)
    error = page.find(id="error").get_text()
    assert fragment in error
    assert page.find("input", attrs={"name": "q"})["value"] == args["q"]  # the form keeps it
    assert page.find(class_="hit") is None


# -- HTML: the document page ------------------------------------------------------


def test_document_page_with_highlights(client):
    response = client.get(f"/documents/{CLIMATE_ID}", query_string={"q": QUERY})
    assert response.status_code == 200
    page = soup(response)
    title = page.find("h1")
    assert title.get_text() == "Hội thảo về biến đổi khí hậu tại Cao Bằng"
    assert words(title.find_all("mark")) == {"biến", "đổi", "khí", "hậu"}
    paragraphs = page.select(".document .body p")
    assert len(paragraphs) == 3
    assert paragraphs[0].get_text().startswith("Ngày 10/5/2024, Sở Tài nguyên")
    assert words(paragraphs[1].find_all("mark")) >= {"biến", "đổi", "khí", "hậu"}
    assert page.find("time").get_text() == "10/05/2024"
    meta = page.find(class_="meta").get_text(" ", strip=True)
    assert "Nguồn: Thông cáo" in meta and "Chuyên mục: Môi trường" in meta
    original = page.find("a", string="Xem bản gốc")
    assert original["href"] == "https://stnmt.caobang.example/tin-tuc/hoi-thao-bien-doi-khi-hau.html"
    assert "noopener" in original["rel"]
    back = page.find("a", id="back")
    assert query_of(back["href"]) == {"q": [QUERY]}
    assert page.title.get_text().startswith("Hội thảo về biến đổi khí hậu")


def test_document_page_without_query(client):
    page = soup(client.get(f"/documents/{quote(CLIMATE_ID)}"))
    assert page.find("mark") is None and page.find(id="back") is None
    assert len(page.select(".document .body p")) == 3


def test_document_page_unknown(client):
    response = client.get("/documents/khong/co.txt")
    assert response.status_code == 404
    assert "Không tìm thấy văn bản" in soup(response).get_text()


def test_json_error_bodies_are_utf8(client):
    response = client.get("/api/search", query_string={"q": QUERY, "sort": "x"})
    raw = response.get_data(as_text=True)
    assert json.loads(raw)["error"]["message"] in raw  # not \u-escaped
