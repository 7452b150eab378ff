"""The search form in a real browser (headless Chromium) against the real production server.

The server is started exactly as an operator would (`python -m searchsvc serve`,
waitress) on the web test corpus; Chromium is driven with Playwright.  Needs the
Debian `chromium` package; skipped (with the reason) only when no Chromium is found.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.webfixtures import _CACHE, CLIMATE_ID, web_index  # noqa: F401  (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.server]

ROOT = Path(__file__).resolve().parent.parent
SCREENSHOT = Path("/tmp/searchsvc-search.png")
QUERY = "bien doi khi hau"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
# Collects Content-Security-Policy violations from inside the page.  Installed through
# the DevTools protocol, so the page's own CSP (no inline scripts) does not block it.
CSP_LISTENER = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', e => {
  window.__cspViolations.push(e.violatedDirective + ' ' + e.blockedURI);
});
"""


def find_chromium() -> str | None:
    for candidate in (os.environ.get("CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium"),
                      shutil.which("chromium-browser")):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(web_index, tmp_path_factory):
    """`searchsvc serve` on a free loopback port; stopped (and reaped) in teardown."""
    port = free_port()
    log_path = tmp_path_factory.mktemp("server") / "serve.log"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "searchsvc", "serve", "--host", "127.0.0.1", "--port", str(port),
             "--corpus", str(_CACHE["corpus"]), "--index", str(web_index), "--threads", "4"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(base, proc, log_path)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def _wait_healthy(base: str, proc: subprocess.Popen, log_path: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}:\n{log_path.read_text()}")
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    raise TimeoutError(f"server did not become healthy:\n{log_path.read_text()}")


@pytest.fixture(scope="module")
def browser():
    executable = find_chromium()
    if executable is None:
        message = "Chromium not found (install the Debian package `chromium`, or set CHROMIUM)"
        if os.environ.get("CI"):
            pytest.fail(message + ": CI must install it (`make browser`)")
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


class Problems:
    """Console errors, uncaught page errors, failed requests and CSP violations of one page."""

    def __init__(self, page):
        self.page = page
        self.items: list[str] = []
        page.on("console", lambda m: self.items.append(f"console {m.type}: {m.text}")
                if m.type in ("error", "warning") else None)
        page.on("pageerror", lambda e: self.items.append(f"page error: {e}"))
        # ERR_ABORTED: a request (often the favicon) cut short by the next navigation.
        page.on("requestfailed", lambda r: self.items.append(f"request failed: {r.url} {r.failure}")
                if "ERR_ABORTED" not in (r.failure or "") else None)
        page.on("response", lambda r: self.items.append(f"HTTP {r.status}: {r.url}")
                if r.status >= 400 else None)

    def check(self) -> None:
        violations = self.page.evaluate("window.__cspViolations || []")
        assert violations == [] and self.items == [], violations + self.items


def marked_words(page, selector: str) -> set[str]:
    """Lower-cased words inside the matching <mark> elements (a mark may hold a phrase)."""
    return set(" ".join(page.locator(selector).all_inner_texts()).lower().split())


def test_search_click_back_and_did_you_mean(server, browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    context.add_init_script(CSP_LISTENER)
    page = context.new_page()
    problems = Problems(page)
    try:
        page.goto(server + "/")
        assert page.locator("html").get_attribute("lang") == "vi"
        assert "văn bản trong chỉ mục" in page.locator("#doc-count").inner_text()

        # Type like a hurried journalist: no accents, then Enter.
        page.locator("input[name=q]").fill(QUERY)
        with page.expect_navigation():
            page.locator("input[name=q]").press("Enter")
        assert parse_qs(urlsplit(page.url).query)["q"] == [QUERY]
        assert page.locator("input[name=q]").input_value() == QUERY
        assert page.locator("article.hit").count() == 10
        assert page.locator("#summary").inner_text().startswith("1–10 trong 14 kết quả")
        # The marks are on the ORIGINAL, accented text.
        assert marked_words(page, "article.hit .snippet mark") >= {"biến", "đổi", "khí", "hậu"}
        assert marked_words(page, "article.hit h2 mark") >= {"biến", "đổi", "khí", "hậu"}
        page.screenshot(path=str(SCREENSHOT), full_page=True)
        problems.check()

        # Open the first result: the document page, highlighted.
        first = page.locator("article.hit h2 a").first
        title = first.inner_text()
        with page.expect_navigation():
            first.click()
        assert urlsplit(page.url).path.startswith("/documents/")
        assert page.locator("h1").inner_text() == title
        assert marked_words(page, ".document .body mark") >= {"biến", "đổi", "khí", "hậu"}
        assert page.locator(".document .body p").count() >= 2
        problems.check()

        # Back to the results, as they were.
        page.go_back()
        assert page.locator("input[name=q]").input_value() == QUERY
        assert page.locator("article.hit").count() == 10

        # Did you mean: the accented form of the query, and its results.
        suggestion = page.locator("a#suggestion")
        assert "Có phải bạn muốn tìm:" in page.locator(".suggestion").inner_text()
        suggested = suggestion.inner_text()
        assert suggested != QUERY and any(ord(c) > 127 for c in suggested)
        with page.expect_navigation():
            suggestion.click()
        assert page.locator("input[name=q]").input_value() == suggested
        assert page.locator("article.hit").count() > 0
        assert marked_words(page, "article.hit .snippet mark") >= {"biến", "đổi", "khí", "hậu"}
        problems.check()

        # Next page, then a facet link: parameters carry over.
        with page.expect_navigation():
            page.get_by_role("link", name="Trang sau").click()
        assert parse_qs(urlsplit(page.url).query)["page"] == ["2"]
        assert page.locator("article.hit").count() == 4
        problems.check()
    finally:
        context.close()


def test_filters_without_javascript_on_a_phone(server, browser):
    """The GET form alone does the work; the layout fits a phone screen."""
    context = browser.new_context(
        viewport={"width": 375, "height": 740}, java_script_enabled=False, is_mobile=True,
        has_touch=True, device_scale_factor=2,
    )
    page = context.new_page()
    problems = Problems(page)
    try:
        page.goto(server + "/?q=" + QUERY)
        page.locator("details.filters-box > summary").click()  # folded away on a phone
        page.locator("select[name=sort]").select_option("date")
        page.locator("input[name=from]").fill("2024-01-01")
        with page.expect_navigation():
            page.get_by_role("button", name="Tìm kiếm").click()
        args = parse_qs(urlsplit(page.url).query)
        assert args["sort"] == ["date"] and args["from"] == ["2024-01-01"]
        dates = page.locator("article.hit time").evaluate_all("ts => ts.map(t => t.dateTime)")
        assert dates and dates == sorted(dates, reverse=True) and min(dates) >= "2024-01-01"

        # Nothing sticks out sideways, and the controls are big enough to tap.
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0
        for selector in ("button[type=submit]", "input[name=q]", "select[name=sort]",
                         "input[name=from]"):
            box = page.locator(selector).first.bounding_box()
            assert box is not None and box["height"] >= 44, (selector, box)

        with page.expect_navigation():
            page.locator("article.hit h2 a").first.click()
        assert page.locator(".document .body mark").count() > 0
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0

        page.goto(server + "/?q=" + QUERY)  # two pages of results: page links to tap
        for link in page.locator(".pages a").all():
            assert link.bounding_box()["height"] >= 44
        assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
        assert problems.items == []
    finally:
        context.close()


def test_document_page_with_unicode_id(server, browser):
    context = browser.new_context()
    context.add_init_script(CSP_LISTENER)
    page = context.new_page()
    problems = Problems(page)
    try:
        response = page.goto(f"{server}/documents/{CLIMATE_ID}?q=khí hậu")
        assert response.status == 200
        assert page.locator("h1").inner_text() == "Hội thảo về biến đổi khí hậu tại Cao Bằng"
        assert page.get_by_role("link", name="Xem bản gốc").get_attribute("href").startswith("https://")
        problems.check()
    finally:
        context.close()
