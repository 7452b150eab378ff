"""What a reader of the page gets beyond the results: names instead of slugs, honest
dates, kept state, feeds, OpenSearch, CSV, suggestions as you type (Flask test client)."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from urllib.parse import parse_qs, urlsplit

import feedparser
import pytest
from bs4 import BeautifulSoup

from searchsvc.errors import SearchServiceError
from searchsvc.names import DisplayNames, load_names
from searchsvc.search.complete import Completer
from searchsvc.settings import load_settings
from searchsvc.web import create_app
from tests.conftest import open_search
from tests.webfixtures import CLIMATE_ID

QUERY = "bien doi khi hau"


def soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def query_of(href: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(href).query)


# -- names, not slugs -------------------------------------------------------------


def test_default_names_for_the_bundled_corpus():
    names = DisplayNames()
    assert names.source("vntc") == "Báo điện tử (VNTC)"
    assert names.category("chinh-tri-xa-hoi") == "Chính trị - Xã hội"
    assert names.category("suc-khoe") == "Sức khỏe"
    # No entry: a slug is made readable, a name is kept as it is.
    assert names.source("thông-cáo") == "Thông cáo"
    assert names.category("Nông nghiệp - Môi trường") == "Nông nghiệp - Môi trường"
    assert names.source(None) == ""


def test_names_from_a_toml_file(tmp_path, web_index):
    path = tmp_path / "names.toml"
    path.write_text('[source]\n"thông-cáo" = "Văn phòng UBND tỉnh"\nvntc = "VnExpress"\n'
                    '[category]\n"môi-trường" = "Tài nguyên - Môi trường"\n', encoding="utf-8")
    names = load_names(path)
    assert names.source("vntc") == "VnExpress" and names.category("van-hoa") == "Văn hóa"

    app = create_app(load_settings({"SEARCHSVC_DISPLAY_NAMES": str(path)}, index_dir=web_index))
    page = soup(app.test_client().get("/", query_string={"q": QUERY}))
    sources = {a.get_text(): query_of(a["href"])["source"] for a in page.select("#facet-source a")}
    assert sources["Văn phòng UBND tỉnh"] == ["thông-cáo"]
    options = [o.get_text() for o in page.select("select[name=category] option")]
    assert any(o.startswith("Tài nguyên - Môi trường (") for o in options)
    assert "Văn phòng UBND tỉnh" in page.select_one(".hits").get_text()
    app.extensions["searchsvc"].close()


def test_a_broken_names_file_stops_the_app_at_start(tmp_path):
    path = tmp_path / "names.toml"
    path.write_text("[source\n", encoding="utf-8")
    with pytest.raises(SearchServiceError, match="not valid TOML"):
        create_app(load_settings({}, index_dir=tmp_path, display_names=str(path)))


def test_filter_select_shows_names_and_keeps_values(client):
    page = soup(client.get("/", query_string={"q": QUERY, "source": "thông-cáo"}))
    selected = page.select_one("select[name=source] option[selected]")
    assert selected["value"] == "thông-cáo" and selected.get_text().startswith("Thông cáo (")
    chip = page.select_one(".chips a")
    assert chip.get_text(" ", strip=True) == "Nguồn: Thông cáo ✕"
    assert query_of(chip["href"]) == {"q": [QUERY]}


# -- dates told honestly ----------------------------------------------------------------


def test_undated_documents_are_counted(client):
    # "lừa đảo" only matches the plain-text release, which has no date.
    body = client.get("/api/search", query_string={"q": "lừa đảo"}).get_json()
    assert body["total"] >= 1 and body["undated"] >= 1
    page = soup(client.get("/", query_string={"q": "lừa đảo"}))
    unknown = page.select_one("#facet-year-unknown")
    assert unknown.get_text(" ", strip=True) == f"Không rõ ngày {body['undated']}"
    assert page.select_one(".hit .undated").get_text() == "Không rõ ngày"

    # With a date filter the undated ones drop out, and the page says how many.
    filtered = client.get("/api/search", query_string={"q": "lừa đảo", "from": "2020"}).get_json()
    assert filtered["total"] == body["total"] - body["undated"]
    assert filtered["undated"] == body["undated"]
    page = soup(client.get("/", query_string={"q": "lừa đảo", "from": "2020-01-01"}))
    note = page.select_one("#undated-note")
    assert note.get_text(" ", strip=True).startswith(f"{body['undated']} văn bản khớp nhưng không rõ ngày")
    assert query_of(note.a["href"]) == {"q": ["lừa đảo"]}


# -- state kept -------------------------------------------------------------------------


def test_empty_and_default_parameters_are_dropped_from_the_url(client):
    response = client.get("/?q=bien+doi&sort=relevance&from=&to=&source=&category=&page=1")
    assert response.status_code == 302
    assert response.headers["Location"] == "/?q=bien+doi"
    response = client.get("/?q=+bien+doi+&sort=date&from=&source=web")
    assert response.headers["Location"] == "/?q=bien+doi&sort=date&source=web"
    assert client.get("/?q=bien+doi&sort=date").status_code == 200


def test_document_link_and_back_link_keep_the_search(client):
    args = {"q": QUERY, "sort": "date", "from": "2023-01-01", "page": "2", "per_page": "5"}
    page = soup(client.get("/", query_string=args))
    link = page.select_one(".hit h2 a")["href"]
    assert query_of(link) == {k: [v] for k, v in args.items()}
    document = soup(client.get(link))
    back = document.find("a", id="back")
    assert query_of(back["href"]) == {k: [v] for k, v in args.items()}
    assert urlsplit(back["href"]).path == "/"


def test_one_submit_button_and_result_range(client):
    page = soup(client.get("/", query_string={"q": QUERY, "page": "2"}))
    assert [b.get_text() for b in page.select("form.search button")] == ["Tìm kiếm"]
    assert page.select_one("#range").get_text() == "11–14"


# -- page furniture -------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", f"/?q={QUERY}", f"/documents/{CLIMATE_ID}", "/khong-co"])
def test_every_page_has_skip_link_opensearch_and_one_h1(client, path):
    page = soup(client.get(path))
    skip = page.select_one("a.skip-link")
    assert skip["href"] == "#main" and page.find(id="main").name == "main"
    assert len(page.find_all("h1")) == 1
    link = page.find("link", rel="search")
    assert link["href"] == "/opensearch.xml" and link["type"] == "application/opensearchdescription+xml"


def test_results_link_to_json_csv_and_atom(client):
    args = {"q": QUERY, "source": "web", "sort": "date"}
    page = soup(client.get("/", query_string=args))
    formats = {a.get_text(): a["href"] for a in page.select(".formats a")}
    assert urlsplit(formats["JSON"]).path == "/api/search"
    assert query_of(formats["JSON"]) == {k: [v] for k, v in args.items()}
    assert urlsplit(formats["CSV"]).path == "/api/search.csv"
    assert query_of(formats["CSV"]) == {k: [v] for k, v in args.items()}
    assert urlsplit(formats["Atom"]).path == "/feed.atom"
    assert query_of(formats["Atom"]) == {"q": [QUERY], "source": ["web"]}
    alternate = page.find("link", rel="alternate", type="application/atom+xml")
    assert alternate["href"] == formats["Atom"]


def test_csv_has_the_page_of_results(client):
    response = client.get("/api/search.csv", query_string={"q": QUERY, "per_page": "5", "page": "2"})
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")  # spreadsheets read the letters right
    rows = list(csv.DictReader(io.StringIO(text[1:])))
    api = client.get("/api/search", query_string={"q": QUERY, "per_page": "5", "page": "2"}).get_json()
    assert [r["id"] for r in rows] == [h["id"] for h in api["hits"]]
    assert [r["rank"] for r in rows] == ["6", "7", "8", "9", "10"]
    assert all("<mark>" not in r["snippet"] and r["snippet"] for r in rows)
    climate = client.get("/api/search.csv", query_string={"q": "Cao Bằng hội thảo"}).get_data(as_text=True)
    row = next(r for r in csv.DictReader(io.StringIO(climate[1:])) if r["id"] == CLIMATE_ID)
    assert (row["source"], row["source_name"], row["date"]) == ("thông-cáo", "Thông cáo", "2024-05-10")
    # Same validation as the JSON API.
    bad = client.get("/api/search.csv", query_string={"q": QUERY, "page": "0"})
    assert bad.status_code == 400 and bad.get_json()["error"]["param"] == "page"


def test_atom_feed_parses_newest_first(client):
    response = client.get("/feed.atom", query_string={"q": QUERY, "page": "2", "sort": "relevance"})
    assert response.status_code == 200 and response.mimetype == "application/atom+xml"
    feed = feedparser.parse(response.get_data())
    assert not feed.bozo, feed.bozo_exception
    assert feed.version == "atom10"
    assert feed.feed.title.startswith(QUERY)
    dates = [e.published for e in feed.entries if "published" in e]
    assert len(feed.entries) == 14 and dates == sorted(dates, reverse=True)
    first = feed.entries[0]
    assert first.link.startswith("http://localhost/documents/") and "q=bien+doi+khi+hau" in first.link
    # The summary is the highlighted snippet, as escaped HTML.
    assert "<summary type=\"html\">" in response.get_data(as_text=True)
    assert "&lt;mark&gt;" in response.get_data(as_text=True)
    assert all(t.label for e in feed.entries for t in e.tags)  # display names, terms are values
    assert len({e.id for e in feed.entries}) == 14
    self_link = next(link for link in feed.feed.links if link.rel == "self")
    assert query_of(self_link.href) == {"q": [QUERY]}


def test_atom_feed_honours_filters(client):
    feed = feedparser.parse(client.get("/feed.atom", query_string={"q": QUERY, "from": "2025"}).get_data())
    assert feed.entries and all(e.published.startswith("2025") for e in feed.entries)


def test_opensearch_description(client):
    response = client.get("/opensearch.xml")
    assert response.status_code == 200
    assert response.mimetype == "application/opensearchdescription+xml"
    root = ET.fromstring(response.get_data())
    ns = {"os": "http://a9.com/-/spec/opensearch/1.1/"}
    assert root.tag == "{http://a9.com/-/spec/opensearch/1.1/}OpenSearchDescription"
    assert root.find("os:ShortName", ns).text and len(root.find("os:ShortName", ns).text) <= 16
    assert root.find("os:InputEncoding", ns).text == "UTF-8"
    urls = {u.get("type"): u.get("template") for u in root.findall("os:Url", ns)}
    assert urls["text/html"] == "http://localhost/?q={searchTerms}"
    assert urls["application/x-suggestions+json"].startswith("http://localhost/api/suggest?q={searchTerms}")


# -- suggestions as you type -------------------------------------------------------------


def test_suggest_api(client):
    response = client.get("/api/suggest", query_string={"q": "bien d"})
    assert response.status_code == 200 and response.mimetype == "application/json"
    body = response.get_json()
    texts = [s["text"] for s in body["suggestions"]]
    assert "biến đổi khí hậu" in texts and len(texts) <= 8
    hit = next(s for s in body["suggestions"] if s["text"] == "biến đổi khí hậu")
    assert hit["html"] == "<mark>biến đ</mark>ổi khí hậu"
    assert client.get("/api/suggest", query_string={"q": ""}).get_json()["suggestions"] == []
    assert client.get("/api/suggest").get_json()["suggestions"] == []
    opensearch = client.get("/api/suggest", query_string={"q": "cao b", "format": "opensearch"})
    assert opensearch.get_json()[0] == "cao b" and "Cao Bằng" in opensearch.get_json()[1]


def test_suggest_escapes_html(client):
    body = client.get("/api/suggest", query_string={"q": "<script> canh bao"}).get_json()
    assert all("<script" not in s["html"] for s in body["suggestions"])


def test_completer_on_real_sentences():
    docs = [
        ("UBND tỉnh Cao Bằng ban hành kế hoạch", "UBND tỉnh Cao Bằng yêu cầu các sở triển khai."),
        ("Ứng phó biến đổi khí hậu ở Cao Bằng", "Biến đổi khí hậu ảnh hưởng tới nông nghiệp."),
        ("Thích ứng với biến đổi khí hậu", "Tỉnh triển khai Nghị quyết 57-NQ/TW về khoa học."),
        ("Triển khai Nghị quyết 57-NQ/TW", "UBND tỉnh Cao Bằng chỉ đạo thực hiện."),
        ("Biên đội tàu tuần tra", "Biên đội tàu cập cảng."),
    ]
    c = Completer.build(docs)
    assert c.complete("ubnd tinh")[0].text == "UBND tỉnh Cao Bằng"
    assert c.complete("bien d")[0].text in {"biến đổi khí hậu", "Biên đội tàu"}
    assert "biến đổi khí hậu" in [x.text for x in c.complete("bien d")]
    # Typed accents are kept: `biên` is not `biến`.
    assert [x.text for x in c.complete("biên đ")] == ["Biên đội tàu"]
    assert c.complete("nghi quyet 5")[0].text == "Nghị quyết 57-NQ/TW"
    assert c.complete("cao bằng ") == []  # nothing follows "Cao Bằng" twice
    assert c.complete("zzz") == [] and c.complete("  ") == []


def test_completer_follows_the_index(tmp_path):
    import time

    from tests.conftest import index_corpus
    from searchsvc.search.complete import CompleterCache

    corpus = tmp_path / "corpus"
    (corpus / "a").mkdir(parents=True)
    for n in range(2):
        (corpus / "a" / f"{n}.txt").write_text(f"Hội nghị xúc tiến đầu tư số {n}\n\nNội dung.\n",
                                              encoding="utf-8")
    index_corpus(corpus, tmp_path / "index")
    engine = open_search(tmp_path / "index", refresh_interval=0.0)
    cache = CompleterCache()
    try:
        assert [c.text for c in cache.get(engine.backend).complete("xuc t")] == ["xúc tiến đầu tư"]
        assert cache.get(engine.backend).complete("lễ hội") == []
        for n in range(2):
            (corpus / "a" / f"l{n}.txt").write_text(f"Lễ hội hoa ban lần {n}\n\nNội dung.\n", encoding="utf-8")
        index_corpus(corpus, tmp_path / "index")
        # The new index is read in the background; the old completer answers meanwhile.
        deadline = time.monotonic() + 10
        while not cache.get(engine.backend).complete("lễ hội"):
            assert time.monotonic() < deadline
            time.sleep(0.05)
        assert cache.get(engine.backend).complete("lễ hội")[0].text == "Lễ hội hoa ban"
    finally:
        engine.close()
