"""The page as a reader uses it, in headless Chromium at phone and desktop widths:
suggestions and results as you type, keyboard-only use, the phone layout, names,
the year facet round trip, the back link, and axe-core's accessibility rules in
light and dark mode.  Screenshots: /tmp/searchsvc-screenshots/, or docs/screenshots/
with `make screenshots`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.browsing import CSP_LISTENER, Problems
from tests.conftest import ROOT
from tests.webfixtures import CLIMATE_ID

pytestmark = [pytest.mark.browser, pytest.mark.server]

QUERY = "bien doi khi hau"
# `make screenshots` writes them into docs/screenshots/; an ordinary run into /tmp.
SHOTS = Path(os.environ.get("SEARCHSVC_SCREENSHOTS", "/tmp/searchsvc-screenshots"))
AXE_VERSION = "4.14.1"  # keep in step with the Makefile
AXE = ROOT / "build" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
PHONE = {"width": 390, "height": 844}
SMALL_PHONE = {"width": 320, "height": 568}
DESKTOP = {"width": 1280, "height": 900}


def args_of(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


@pytest.fixture(scope="module")
def axe_source() -> str:
    """axe-core from the npm registry, installed under build/ (as `make axe` does)."""
    if not AXE.exists():
        npm = shutil.which("npm")
        if npm is None:
            message = "npm not found: cannot install axe-core for the accessibility tests"
            if os.environ.get("CI"):
                pytest.fail(message + " (CI must provide npm)")
            pytest.skip(message)
        subprocess.run([npm, "install", "--silent", "--no-audit", "--no-fund", "--no-save",
                        "--prefix", str(AXE.parents[2]), f"axe-core@{AXE_VERSION}"],
                       check=True, cwd=ROOT, timeout=300)
    return AXE.read_text(encoding="utf-8")


def wait_until(page, condition, timeout: float = 10.0) -> None:
    """Poll from Python (the page's CSP forbids the eval behind wait_for_function)."""
    import time

    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        page.wait_for_timeout(50)  # lets Playwright process the page's events


def new_page(browser, viewport, **options):
    context = browser.new_context(viewport=viewport, locale="vi-VN", **options)
    context.add_init_script(CSP_LISTENER)
    page = context.new_page()
    return context, page


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / name))


@pytest.mark.parametrize("viewport", [SMALL_PHONE, PHONE], ids=["320", "390"])
def test_phone_shows_a_result_above_the_fold(web_server, browser, viewport):
    context, page = new_page(browser, viewport, is_mobile=True, has_touch=True, device_scale_factor=1)
    problems = Problems(page)
    try:
        page.goto(f"{web_server}/?q={QUERY}&source=web")
        first = page.locator("article.hit").first.bounding_box()
        assert first is not None and first["y"] + 60 < viewport["height"], first
        # Filters fold away; the active one is a chip.
        assert page.locator("details.filters-box").get_attribute("open") is None
        assert page.locator(".chips a").inner_text().startswith("Nguồn: Trang tin cơ quan nhà nước")
        # Facets come before the page links.
        facets = page.locator("aside.facets").bounding_box()
        pages = page.locator("nav.pages").bounding_box() if page.locator("nav.pages").count() else None
        assert pages is None or facets["y"] < pages["y"]
        assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
        if viewport is PHONE:
            shot(page, "results-390.png")
            page.locator("details.filters-box > summary").click()
            assert page.locator("input[name=from]").is_visible()
        problems.check()
    finally:
        context.close()


def test_desktop_layout_and_names(web_server, browser):
    context, page = new_page(browser, DESKTOP)
    problems = Problems(page)
    try:
        page.goto(web_server + "/")
        assert page.locator("h1").inner_text() == "Tìm kiếm thông cáo báo chí"
        shot(page, "home-1280.png")
        page.goto(f"{web_server}/?q={QUERY}")
        # Filters are open on wide screens, beside the results are the facets.
        assert page.locator("input[name=from]").is_visible()
        hits = page.locator("section.hits").bounding_box()
        facets = page.locator("aside.facets").bounding_box()
        assert facets["x"] > hits["x"] + hits["width"] - 1
        names = page.locator("#facet-source a").all_inner_texts()
        assert "Thông cáo" in names and "thông-cáo" not in names
        assert page.locator("#range").inner_text() == "1–10"
        shot(page, "results-1280.png")
        problems.check()
    finally:
        context.close()


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_year_facet_round_trip(web_server, browser, javascript):
    context, page = new_page(browser, DESKTOP, java_script_enabled=javascript)
    try:
        page.goto(f"{web_server}/?q={QUERY}")
        assert page.locator("input[name=from]").is_visible()  # open on a wide screen, with or without JS
        with page.expect_navigation():
            page.locator("#facet-year a", has_text="2024").click()
        total = page.locator("#summary").inner_text()
        assert page.locator("input[name=from]").input_value() == "2024-01-01"
        assert page.locator("input[name=to]").input_value() == "2024-12-31"
        with page.expect_navigation():
            page.get_by_role("button", name="Tìm kiếm").click()
        args = args_of(page.url)
        assert args["from"] == ["2024-01-01"] and args["to"] == ["2024-12-31"]
        assert page.locator("#summary").inner_text().split("(")[0] == total.split("(")[0]
        assert all(d.startswith("2024") for d in
                   page.locator("article.hit time").evaluate_all("ts => ts.map(t => t.dateTime)"))
    finally:
        context.close()


def test_back_link_keeps_the_search(web_server, browser):
    context, page = new_page(browser, PHONE, is_mobile=True)
    try:
        start = f"{web_server}/?q={QUERY.replace(' ', '+')}&sort=date&source=web&per_page=3&page=2"
        page.goto(start)
        first = page.locator("article.hit h2 a").first.inner_text()
        with page.expect_navigation():
            page.locator("article.hit h2 a").first.click()
        with page.expect_navigation():
            page.locator("a#back").click()
        assert args_of(page.url) == args_of(start)
        assert page.locator("article.hit h2 a").first.inner_text() == first
    finally:
        context.close()


def test_keyboard_only_suggestions_and_results_as_you_type(web_server, browser):
    context, page = new_page(browser, DESKTOP)
    problems = Problems(page)
    try:
        page.goto(web_server + "/")
        # The first Tab reaches the skip link; "/" jumps to the search box.
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.className") == "skip-link"
        page.keyboard.press("Escape")
        page.locator("body").press("/")
        assert page.evaluate("document.activeElement.id") == "q"

        box = page.locator("#q")
        assert box.get_attribute("role") == "combobox"
        page.keyboard.type("bien d", delay=30)
        listbox = page.locator("#q-suggestions")
        listbox.locator("[role=option]").first.wait_for()
        assert box.get_attribute("aria-expanded") == "true"
        options = listbox.locator("[role=option]").all_inner_texts()
        assert "biến đổi khí hậu" in options
        # Results update while typing (once the words find something): the URL and the
        # results follow the box.
        page.keyboard.type("oi", delay=30)
        wait_until(page, lambda: args_of(page.url).get("q") == ["bien doi"])
        page.locator("article.hit").first.wait_for()
        page.locator("#q-suggestions [role=option]", has_text="biến đổi khí hậu").wait_for()
        options = listbox.locator("[role=option]").all_inner_texts()
        shot(page, "suggestions-1280.png")

        # Down to "biến đổi khí hậu", Enter: its results.
        for _ in range(options.index("biến đổi khí hậu") + 1):
            page.keyboard.press("ArrowDown")
        active = box.get_attribute("aria-activedescendant")
        assert page.locator(f"#{active}").inner_text() == "biến đổi khí hậu"
        assert page.locator(f"#{active}").get_attribute("aria-selected") == "true"
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert args_of(page.url)["q"] == ["biến đổi khí hậu"]
        assert page.locator("article.hit").count() > 0

        # Escape closes the list; Enter then searches what was typed.
        box.focus()
        page.keyboard.press("Control+A")
        page.keyboard.type("cao b", delay=30)
        listbox.locator("[role=option]", has_text="Cao Bằng").wait_for()
        page.keyboard.press("Escape")
        assert listbox.is_hidden() and box.get_attribute("aria-expanded") == "false"
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert args_of(page.url) == {"q": ["cao b"]}

        # Sort applies on change, from the keyboard.
        page.locator("select[name=sort]").focus()
        with page.expect_navigation():
            page.locator("select[name=sort]").select_option("date")
        assert args_of(page.url)["sort"] == ["date"]
        problems.check()
    finally:
        context.close()


def test_without_javascript_the_form_still_works(web_server, browser):
    context, page = new_page(browser, PHONE, java_script_enabled=False)
    try:
        page.goto(web_server + "/")
        page.locator("#q").fill(QUERY)
        page.locator("details.filters-box > summary").click()
        page.locator("select[name=sort]").select_option("date")
        with page.expect_navigation():
            page.get_by_role("button", name="Tìm kiếm").click()
        # The empty fields were dropped by a redirect: a clean URL to share.
        assert args_of(page.url) == {"q": [QUERY], "sort": ["date"]}
        assert page.locator("article.hit").count() == 10
    finally:
        context.close()


AXE_PAGES = {
    "search": "/",
    "results": f"/?q={QUERY}&source=web",
    "document": f"/documents/{CLIMATE_ID}?q={QUERY}",
    "error": "/?q=x&from=2024-13-01",
    "not-found": "/khong-co",
}


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("name", list(AXE_PAGES))
def test_axe_finds_no_violations(web_server, browser, axe_source, name, scheme):
    for viewport in (PHONE, DESKTOP):
        context, page = new_page(browser, viewport, color_scheme=scheme)
        try:
            page.goto(web_server + AXE_PAGES[name])
            # Injected through the DevTools protocol: the page's CSP allows no inline script.
            page.evaluate(axe_source)
            result = page.evaluate("""async () => {
                const r = await axe.run(document, {resultTypes: ['violations']});
                return r.violations.map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '));
            }""")
            assert result == [], (name, scheme, viewport, result)
            if name == "results" and scheme == "dark" and viewport is PHONE:
                shot(page, "results-390-dark.png")
            if name == "document" and viewport is PHONE and scheme == "light":
                shot(page, "document-390.png")
        finally:
            context.close()


def test_print_shows_the_results_only(web_server, browser):
    context, page = new_page(browser, DESKTOP)
    try:
        page.goto(f"{web_server}/?q={QUERY}")
        page.emulate_media(media="print")
        for hidden in ("form.search", "aside.facets", "header.site", "nav.pages"):
            assert page.locator(hidden).is_hidden(), hidden
        assert page.locator("article.hit").first.is_visible()
    finally:
        context.close()


def test_suggestions_on_a_phone(web_server, browser):
    context, page = new_page(browser, PHONE, is_mobile=True, has_touch=True)
    problems = Problems(page)
    try:
        page.goto(web_server + "/")
        page.locator("#q").tap()
        page.keyboard.type("bien doi", delay=30)
        option = page.locator("#q-suggestions [role=option]", has_text="biến đổi khí hậu")
        option.wait_for()
        box = page.locator("#q-suggestions").bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
        assert option.bounding_box()["height"] >= 44  # big enough to tap
        wait_until(page, lambda: args_of(page.url).get("q") == ["bien doi"])
        shot(page, "suggestions-390.png")
        with page.expect_navigation():
            option.tap()
        assert args_of(page.url)["q"] == ["biến đổi khí hậu"]
        assert page.locator("article.hit").count() > 0
        problems.check()
    finally:
        context.close()
