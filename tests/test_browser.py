"""The search form in a real browser (headless Chromium) against the real production server.

The server (the `web_server` fixture) is started exactly as an operator would (`python -m searchsvc serve`,
waitress) on the web test corpus; Chromium is driven with Playwright.  Needs the
Debian `chromium` package; skipped (with the reason) only when no Chromium is found.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.browsing import CSP_LISTENER, Problems
from tests.webfixtures import CLIMATE_ID

pytestmark = [pytest.mark.browser, pytest.mark.server]

SCREENSHOT = Path("/tmp/searchsvc-search.png")
QUERY = "bien doi khi hau"


def marked_words(page, selector: str) -> set[str]:
    """Lower-cased words inside the matching <mark> elements (a mark may hold a phrase)."""
    return set(" ".join(page.locator(selector).all_inner_texts()).lower().split())


def test_search_click_back_and_did_you_mean(web_server, browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    context.add_init_script(CSP_LISTENER)
    page = context.new_page()
    problems = Problems(page)
    try:
        page.goto(web_server + "/")
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


def test_filters_without_javascript_on_a_phone(web_server, browser):
    """The GET form alone does the work; the layout fits a phone screen."""
    context = browser.new_context(
        viewport={"width": 375, "height": 740}, java_script_enabled=False, is_mobile=True,
        has_touch=True, device_scale_factor=2,
    )
    page = context.new_page()
    problems = Problems(page)
    try:
        page.goto(web_server + "/?q=" + QUERY)
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

        page.goto(web_server + "/?q=" + QUERY)  # two pages of results: page links to tap
        for link in page.locator(".pages a").all():
            assert link.bounding_box()["height"] >= 44
        assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
        assert problems.items == []
    finally:
        context.close()


def test_document_page_with_unicode_id(web_server, browser):
    context = browser.new_context()
    context.add_init_script(CSP_LISTENER)
    page = context.new_page()
    problems = Problems(page)
    try:
        response = page.goto(f"{web_server}/documents/{CLIMATE_ID}?q=khí hậu")
        assert response.status == 200
        assert page.locator("h1").inner_text() == "Hội thảo về biến đổi khí hậu tại Cao Bằng"
        assert page.get_by_role("link", name="Xem bản gốc").get_attribute("href").startswith("https://")
        problems.check()
    finally:
        context.close()
