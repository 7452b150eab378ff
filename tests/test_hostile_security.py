"""Hostile content and requests, end to end: a corpus written by an attacker (markup and
`javascript:` links in titles, bodies, metadata, folder and file names) goes through the
real indexer and comes out of the real pages and API inert; paths never leave the index;
no debug output; no endpoint changes state.

tests/test_web.py covers the basic traversal, XSS and header cases on the web fixture;
this file adds what an attacker controls beyond that.
"""

from __future__ import annotations

import http.client
import re
import socket
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
from bs4 import BeautifulSoup

from tests.conftest import index_corpus
from searchsvc.settings import load_settings
from searchsvc.web import create_app
from searchsvc.web.app import CONTENT_SECURITY_POLICY
from tests.procs import running_server
from tests.webfixtures import exploding_service

XSS = '"><img src=x onerror=alert(1)>'
SCRIPT = "<script>alert(document.cookie)</script>"
# Folder names become the `source` and `category` of the documents below them.
EVIL_SOURCE = "<img src=x onerror=alert('src')>"
EVIL_CATEGORY = '"><svg onload=alert(2)> & <option>'
EVIL_FILE = f"{EVIL_SOURCE}/{EVIL_CATEGORY}/\"'><b onmouseover=alert(3)>tin tức.txt"
PAGE_ID = "web/trang-doc-hai.html"
JS_LINK_ID = "web/lien-ket-javascript.html"

# A press-release page whose every field carries a payload.  Entities in the source
# (&lt;script&gt;) decode to literal markup in the text: exactly what must be escaped again.
EVIL_PAGE = f"""<!DOCTYPE html>
<html><head><meta charset="utf-8">
<title>Thông cáo {SCRIPT} về biến đổi khí hậu</title>
<meta property="og:title" content="Hội nghị &lt;script&gt;alert(1)&lt;/script&gt; biến đổi khí hậu {XSS.replace('"', '&quot;')}">
<meta property="og:site_name" content="&lt;b&gt;Cổng&lt;/b&gt;">
<meta property="og:url" content="javascript:alert('og')">
<link rel="canonical" href="javascript:alert('canonical')">
<meta property="article:section" content="&lt;/select&gt;&lt;script&gt;alert(4)&lt;/script&gt;">
<meta property="article:published_time" content="2024-05-10T08:00:00+07:00">
<style>body {{ background: url(javascript:alert(5)) }}</style>
</head><body onload="alert(6)">
<article>
<h1>Hội nghị biến đổi khí hậu</h1>
<p>Đoạn một &lt;script&gt;alert('body')&lt;/script&gt; về biến đổi khí hậu tại Cao Bằng.</p>
<p>Liên kết &lt;a href="javascript:alert(7)"&gt;bấm vào đây&lt;/a&gt; và {XSS.replace('<', '&lt;')}.</p>
<p><a href="javascript:alert(8)">Một liên kết thật</a> <img src=x onerror=alert(9)> <iframe src="javascript:alert(10)"></iframe></p>
<script>alert('inline')</script>
</article></body></html>
"""
JS_LINK_PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8">
<title>Khánh thành cầu mới</title>
<meta property="og:url" content=" JaVaScRiPt:alert('og')">
</head><body><article><h1>Khánh thành cầu mới</h1>
<p>Tỉnh khánh thành cây cầu mới bắc qua sông, phục vụ người dân đi lại.</p></article></body></html>
"""


@pytest.fixture(scope="module")
def evil_corpus(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("evil") / "corpus"
    files = {
        PAGE_ID: EVIL_PAGE,
        JS_LINK_ID: JS_LINK_PAGE,
        EVIL_FILE: f"Tin {SCRIPT} biến đổi khí hậu\n\nNội dung {XSS} về biến đổi khí hậu ở vùng cao.\n",
        "web/binh-thuong.txt": "Hội thảo biến đổi khí hậu\n\nCác chuyên gia bàn về biến đổi khí hậu.\n",
    }
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    # On disk under the corpus, but never indexed: the web must not serve them either.
    (root / ".an.txt").write_text("Bí mật ẩn\n\nkhông được phục vụ", encoding="utf-8")
    (root / "ghi-chu.md").write_text("Bí mật md\n\nkhông được phục vụ", encoding="utf-8")
    outside = root.parent / "ngoai" / "mat-khau.txt"
    outside.parent.mkdir()
    outside.write_text("Mật khẩu\n\nroot:x:0:0 bí mật ngoài corpus", encoding="utf-8")
    (root / "web" / "lien-ket-ra-ngoai.txt").symlink_to(outside)
    return root


@pytest.fixture(scope="module")
def evil_index(evil_corpus, tmp_path_factory) -> Path:
    index_dir = tmp_path_factory.mktemp("evil-index")
    summary = index_corpus(evil_corpus, index_dir)
    assert summary.added == 4 and summary.skipped == 0, summary.skipped_files
    return index_dir


@pytest.fixture(scope="module")
def app(evil_index):
    app = create_app(load_settings({}, index_dir=evil_index, refresh_interval=0.0))
    yield app
    app.extensions["searchsvc"].close()


@pytest.fixture
def client(app):
    return app.test_client()


# Elements our templates use, with the only attributes they may carry.
ALLOWED = {
    "html": {"lang"}, "head": set(), "meta": {"charset", "name", "content"}, "title": set(),
    "link": {"rel", "href", "type", "title"}, "body": set(), "header": {"class"}, "main": {"id", "tabindex"},
    "footer": {"class"}, "a": {"href", "class", "id", "rel", "title", "type", "aria-label"},
    "form": {"class", "method", "action", "role"},
    "div": {"class", "id", "aria-live"}, "label": {"class", "for"},
    "input": {"id", "type", "name", "value", "placeholder", "autocomplete", "maxlength",
              "aria-keyshortcuts", "enterkeyhint", "spellcheck"},
    "button": {"type", "class"}, "select": {"name"}, "option": {"value", "selected"}, "p": {"class", "id", "role"},
    "section": {"class", "id", "aria-label"}, "em": set(), "strong": set(), "ul": {"class", "aria-label"},
    "li": {"class", "id"}, "kbd": set(), "details": {"class", "open"}, "summary": set(),
    "article": {"class"}, "h1": {"class"}, "h2": {"class", "id"}, "h3": set(), "mark": set(),
    "time": {"datetime"},
    "span": {"class", "id", "aria-current", "aria-hidden"}, "nav": {"class", "aria-label"},
    "aside": {"class", "aria-label"},
    "script": {"src", "defer"},  # only our own file, checked below
}


def assert_inert(response) -> BeautifulSoup:
    """Headers, and only the elements and attributes our templates write; every link stays
    on the site or goes to http(s); the payload text is visible as text."""
    assert response.mimetype == "text/html"
    assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    return inert_page(response.get_data(as_text=True))


def inert_page(html: str) -> BeautifulSoup:
    page = BeautifulSoup(html, "html.parser")
    for tag in page.find_all(True):
        assert tag.name in ALLOWED, f"unexpected <{tag.name}> in page"
        extra = set(tag.attrs) - ALLOWED[tag.name]
        assert not extra, f"<{tag.name}> has attributes {extra}"
        if tag.name == "script":
            assert tag.get("src") == "/static/search.js" and not tag.get_text(), tag
        for attr in ("href", "action", "src"):
            value = tag.get(attr)
            if value is not None:
                scheme = urlsplit(value.strip()).scheme.lower()
                assert scheme in ("", "http", "https"), (tag.name, value)
                assert value.startswith(("/", "?", "http://", "https://")) or value == "#main", value
    return page


def test_the_payloads_are_really_in_the_index(client):
    doc = client.get(f"/api/documents/{PAGE_ID}").get_json()
    assert "<script>" in doc["title"] and "<script>alert('body')</script>" in doc["body"]
    assert "<img src=x onerror=alert(1)>" in doc["body"]
    assert doc["url"] is None  # neither the javascript: canonical nor the og:url survived
    evil = client.get("/api/documents/" + quote(EVIL_FILE)).get_json()
    assert (evil["source"], evil["category"]) == (EVIL_SOURCE, EVIL_CATEGORY)


@pytest.mark.parametrize("q", ["bien doi khi hau", "script alert", "img onerror", "cookie",
                               SCRIPT + " khí hậu", XSS, "title:script", '"biến đổi" -onerror'])
def test_results_page_is_inert(client, q):
    response = client.get("/", query_string={"q": q})
    assert response.status_code in (200, 400)
    page = assert_inert(response)
    if q == "bien doi khi hau":
        text = page.get_text()
        assert SCRIPT in text and EVIL_SOURCE in text  # shown as text, in titles and facets
        assert page.find("option", attrs={"value": EVIL_SOURCE}) is not None


@pytest.mark.parametrize("args", [
    {"source": EVIL_SOURCE}, {"category": EVIL_CATEGORY}, {"source": SCRIPT}, {"category": XSS},
    {"sort": XSS}, {"from": XSS}, {"per_page": XSS}, {"page": SCRIPT},
])
def test_filter_values_are_inert(client, args):
    response = client.get("/", query_string={"q": "khí hậu", **args})
    page = assert_inert(response)
    if "source" in args or "category" in args:
        assert response.status_code == 200
        name = next(iter(args))
        selected = page.find("select", attrs={"name": name}).find("option", selected=True)
        assert selected["value"] == args[name]


@pytest.mark.parametrize("q", [None, "script", "bien doi", XSS, SCRIPT])
@pytest.mark.parametrize("doc_id", [PAGE_ID, EVIL_FILE, JS_LINK_ID])
def test_document_pages_are_inert(client, doc_id, q):
    response = client.get("/documents/" + quote(doc_id), query_string={"q": q} if q else None)
    assert response.status_code == 200
    page = assert_inert(response)
    assert page.find("p", class_="original") is None  # no link to a javascript: "original"
    if doc_id == EVIL_FILE:
        meta = page.select_one(".meta").get_text()
        assert EVIL_SOURCE in meta and EVIL_CATEGORY in meta


def test_did_you_mean_is_inert(client):
    """The suggestion is built from document text full of markup and from a query full of it."""
    for q in ["bien doi khi hau <script>", "<img src=x onerror=alert(1)> bien doi", "khi hau \"><svg>",
              "bieen doii <b>"]:
        response = client.get("/", query_string={"q": q})
        page = assert_inert(response)
        body = client.get("/api/search", query_string={"q": q}).get_json()
        suggestion = body.get("suggestion")
        if suggestion:
            assert "<" not in suggestion and ">" not in suggestion
            link = page.find("a", id="suggestion")
            assert link.get_text() == suggestion


def test_json_html_fields_hold_only_marks(client):
    for q in ["bien doi khi hau", "script", "onerror", "cookie"]:
        for hit in client.get("/api/search", query_string={"q": q}).get_json()["hits"]:
            for field in ("snippet", "title_html"):
                assert not re.search(r"<(?!/?mark>)", hit[field]), hit[field]
            assert hit["url"] is None or hit["url"].startswith(("http://", "https://"))


# -- paths -----------------------------------------------------------------------------

TRAVERSALS = [
    "%252e%252e%252f%252e%252e%252fetc%252fpasswd",  # double-encoded
    "%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd",  # overlong UTF-8 dots
    "\uff0e\uff0e/\uff0e\uff0e/etc/passwd",  # fullwidth dots
    "..%5c..%5cetc%5cpasswd",
    "..%2f..%2fngoai%2fmat-khau.txt",
    "web/..%2f..%2fngoai/mat-khau.txt",
    "file:///etc/passwd",
    "C:%5cWindows%5cwin.ini",
    "%2e%2e/ngoai/mat-khau.txt",
    "web/%2e%2e/%2e%2e/ngoai/mat-khau.txt",
    # On disk under the corpus but not indexed: hidden, unsupported type, symlink leaving the corpus.
    ".an.txt",
    "ghi-chu.md",
    "web/lien-ket-ra-ngoai.txt",
]


@pytest.mark.parametrize("doc_id", TRAVERSALS)
@pytest.mark.parametrize("prefix", ["/api/documents/", "/documents/"])
def test_document_ids_never_reach_the_disk(client, prefix, doc_id):
    response = client.get(prefix + doc_id)
    assert response.status_code == 404
    text = response.get_data(as_text=True)
    assert "root:" not in text and "bí mật" not in text.lower()


@pytest.mark.parametrize("path", [
    "/static/../app.py", "/static/%2e%2e/app.py", "/static/..%2fapp.py", "/static/..%2f..%2fsettings.py",
    "/static//etc/passwd", "/static/%2fetc%2fpasswd", "/static/....//....//etc/passwd",
    "/static/..%5capp.py", "/static/templates/../../app.py", "/static/%00style.css",
])
def test_static_files_stay_in_the_static_folder(client, path):
    with client.get(path) as response:
        assert response.status_code in (400, 404)
        assert b"create_app" not in response.data and b"root:" not in response.data


# -- no debug output, no state-changing endpoint -------------------------------------------


def test_debug_mode_is_off_even_when_the_environment_asks(evil_index, monkeypatch):
    monkeypatch.setenv("FLASK_DEBUG", "1")
    app = create_app(load_settings({}, index_dir=evil_index), service=exploding_service(evil_index))
    assert not app.debug
    client = app.test_client()
    for path in ("/?q=x", "/api/search?q=x"):
        response = client.get(path)
        assert response.status_code == 500
        text = response.get_data(as_text=True)
        assert "Traceback" not in text and "secret internal detail" not in text and "RuntimeError" not in text


def test_no_endpoint_changes_state(app):
    """Every route is read-only (GET/HEAD/OPTIONS), so there is nothing to protect with a
    token.  An endpoint that writes (reindex, delete) must come with a configured token
    and be off by default: change this test together with it."""
    for rule in app.url_map.iter_rules():
        assert rule.methods <= {"GET", "HEAD", "OPTIONS"}, rule
    client = app.test_client()
    for path in ("/", "/api/search?q=x", f"/api/documents/{PAGE_ID}", "/healthz", "/api/status",
                 f"/documents/{PAGE_ID}", "/api/openapi.json", "/static/style.css", "/api/reindex",
                 "/admin", "/api/index"):
        for method in ("POST", "PUT", "DELETE", "PATCH"):
            response = client.open(path, method=method, data=b"{}", content_type="application/json")
            assert response.status_code in (404, 405), (method, path)


# -- the real production server (waitress) --------------------------------------------------


def raw_request(port: int, request: bytes) -> bytes:
    """Send bytes as they are (no client-side normalisation of the path) and read the answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request)
        chunks = []
        while True:
            try:
                chunk = sock.recv(65536)
            except TimeoutError:
                break
            if not chunk:
                break
            chunks.append(chunk)
    return b"".join(chunks)


@pytest.fixture(scope="module")
def server(evil_corpus, evil_index):
    with running_server("--corpus", str(evil_corpus), "--index", str(evil_index),
                        env={"FLASK_DEBUG": "1"}) as running:
        yield running.port


@pytest.mark.server
@pytest.mark.parametrize("target", [
    b"/api/documents/../../../../etc/passwd",
    b"/documents/../../ngoai/mat-khau.txt",
    b"/api/documents/web/../../ngoai/mat-khau.txt",
    b"/api/documents/%2e%2e/%2e%2e/etc/passwd",
    b"/static/../../../../etc/passwd",
    b"/static/../web/app.py",
    b"/api/documents/web/lien-ket-ra-ngoai.txt",
    b"//etc/passwd",
    b"/api/documents//etc/passwd",
    b"http://127.0.0.1/api/documents/../../etc/passwd",
])
def test_raw_traversal_on_the_real_server(server, target):
    answer = raw_request(server, b"GET " + target + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
    status_line = answer.split(b"\r\n", 1)[0]
    assert re.match(rb"HTTP/1\.[01] (400|404)", status_line), status_line
    assert b"root:" not in answer and "bí mật".encode() not in answer and b"create_app" not in answer


@pytest.mark.server
@pytest.mark.parametrize("request_bytes", [
    b"GARBAGE\r\n\r\n",
    b"GET /?q=%ff%fe HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    b"GET /api/search?q=x HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\nConnection: close\r\n\r\n",
    b"GET /api/search?q=x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\nzz\r\n",
    b"GET /api/search?q=\x00 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    b"TRACE / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: x\r\nX-Long: " + b"a" * 70_000 + b"\r\nConnection: close\r\n\r\n",
])
def test_malformed_requests_get_no_debug_output(server, request_bytes):
    answer = raw_request(server, request_bytes)
    assert answer.startswith(b"HTTP/1.")
    assert not answer.split(b"\r\n", 1)[0].split(b" ")[1].startswith(b"5")
    for leak in (b"Traceback", b"File \"/", b"werkzeug", b"site-packages", b"Werkzeug Debugger"):
        assert leak not in answer


@pytest.mark.server
@pytest.mark.parametrize("path", ["/", "/?q=bien+doi+khi+hau", "/documents/" + quote(PAGE_ID) + "?q=script",
                                  "/khong-co", "/?q=%2A"])
def test_real_server_html_has_the_security_headers(server, path):
    conn = http.client.HTTPConnection("127.0.0.1", server, timeout=10)
    conn.request("GET", path)
    response = conn.getresponse()
    body = response.read().decode("utf-8")
    conn.close()
    assert response.getheader("Content-Type").startswith("text/html")
    assert response.getheader("Content-Security-Policy") == CONTENT_SECURITY_POLICY
    assert response.getheader("X-Content-Type-Options") == "nosniff"
    assert response.getheader("Server") == "searchsvc"  # waitress, not a development server
    inert_page(body)
