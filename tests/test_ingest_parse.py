"""Text and HTML parsing: title, body paragraphs, date, url, and resistance to broken input."""

from __future__ import annotations

import datetime
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from searchsvc.ingest import ParsedHtml, SkipFile, parse_html, parse_text
from tests.fixtures.ingest.make_fixtures import (
    BODY,
    CORPUS,
    PARAGRAPHS,
    PRESS_HTML_BODY,
    PRESS_HTML_PATH,
    TITLE,
    URL,
    VNTC_STYLE,
)

OCT_27 = datetime.date(2025, 10, 27)


def test_vntc_style_text_leading_space_and_crlf() -> None:
    assert parse_text(VNTC_STYLE) == (TITLE, BODY, None)


def test_text_with_ngay_line_gets_its_date() -> None:
    text = (CORPUS / "Thông cáo báo chí 27-10.txt").read_text("utf-8")
    assert parse_text(text) == ("Thông cáo báo chí", "Ngày 27/10/2025\n\n" + BODY, OCT_27)


@pytest.mark.parametrize(
    "line",
    [
        "Ngày 27/10/2025",
        "ngày 27-10-2025",
        "27/10/2025",
        "27.10.2025",
        "Hà Nội, ngày 27 tháng 10 năm 2025",
        "TP. Hồ Chí Minh, ngày 27/10/2025",
        "Thứ Hai, 27/10/2025 08:30 (GMT+7)",
        "Cập nhật: 27-10-2025 08:30",
    ],
)
def test_date_lines_near_the_top(line: str) -> None:
    assert parse_text(f"Tiêu đề thông cáo\n{line}\n{PARAGRAPHS[1]}") == (
        "Tiêu đề thông cáo",
        f"{line}\n\n{PARAGRAPHS[1]}",
        OCT_27,
    )


def test_dates_inside_sentences_or_related_links_are_not_the_date() -> None:
    # PARAGRAPHS[0] mentions 'ngày 22/12/2024'; VNTC ends with 'Title(dd/mm/yyyy)' links.
    text = f"{TITLE}\n{PARAGRAPHS[0]}\nGiá dầu tăng trở lại(09/12/2004)\nTriển lãm kéo dài đến hết 30/4/2005."
    assert parse_text(text)[2] is None


def test_a_dateline_in_the_last_lines_counts() -> None:
    text = f"{TITLE}\n\n{BODY}\n\nHà Nội, ngày 27 tháng 10 năm 2025"
    assert parse_text(text)[2] == OCT_27


def test_leading_date_line_is_not_the_title() -> None:
    assert parse_text("Ngày 27/10/2025\n\nTiêu đề\nNội dung.") == ("Tiêu đề", "Nội dung.", OCT_27)


def test_hard_wrapped_lines_are_rejoined_but_sentences_stay_paragraphs() -> None:
    text = "Tiêu đề\nĐoàn công tác đã làm việc,\nkhảo sát tại tỉnh Cao Bằng.\nToàn tỉnh tổ chức hội nghị."
    assert parse_text(text)[1] == (
        "Đoàn công tác đã làm việc, khảo sát tại tỉnh Cao Bằng.\n\nToàn tỉnh tổ chức hội nghị."
    )


def test_text_is_normalised() -> None:
    title, body, _ = parse_text("Ha\u0300 No\u0323\u0302i\u00ad\n\u00d0a\u0300 Na\u0306\u0303ng \u2013 2025")
    assert (title, body) == ("Hà Nội", "Đà Nẵng - 2025")


def test_empty_text() -> None:
    assert parse_text(" \r\n \n") == ("", "", None)


def test_press_release_page() -> None:
    page = parse_html((CORPUS / PRESS_HTML_PATH).read_bytes())
    assert page == ParsedHtml(
        title=TITLE,
        body=PRESS_HTML_BODY,
        date=datetime.date(2025, 10, 29),
        url=URL,  # canonical wins over og:url (which carries tracking parameters)
        source="Cổng TTĐT tỉnh Cao Bằng",
        category="Thời sự",
        meta=page.meta,
    )
    assert page.meta["og:site_name"] == "Cổng TTĐT tỉnh Cao Bằng"
    for chrome in ("Trang chủ", "Giới thiệu", "Chia sẻ", "Tin liên quan", "Tin mới nhất", "Bản quyền",
                   "Theo dõi", "quảng cáo", "dataLayer", "color", "28/10/2025"):  # fmt: skip
        assert chrome not in page.body


def test_cp1258_declared_page_with_date_line_in_content() -> None:
    page = parse_html((CORPUS / "html/cp1258-declared.html").read_bytes())
    # The date line gives the page its date, then goes as page furniture.
    assert (page.title, page.body, page.date, page.url) == (TITLE, BODY, OCT_27, None)


def test_tcvn3_font_page_without_title_uses_its_headline() -> None:
    page = parse_html((CORPUS / "html/tcvn3-font-latin1-declared.htm").read_bytes())
    assert (page.title, page.body) == (TITLE, BODY)


def test_broken_html_still_parses() -> None:
    page = parse_html((CORPUS / "html/broken.html").read_bytes())
    assert (page.title, page.body) == ("Cao Bằng", "Đoàn công tác làm việc\n\ntại tỉnh Cao Bằng")


def _page(head: str, body: str) -> ParsedHtml:
    return parse_html(f"<html><head>{head}</head><body>{body}</body></html>")


def test_title_fallbacks_and_site_suffix() -> None:
    article = f"<article><p>{PARAGRAPHS[1]}</p></article>"
    assert _page(f"<title>{TITLE} - Cổng TTĐT tỉnh Cao Bằng</title>", article).title == TITLE
    assert _page(f"<title>{TITLE} | baocaobang.vn</title>", article).title == TITLE
    # A suffix that is not a site name stays.
    assert _page("<title>Hội nghị tổng kết - Báo cáo tình hình</title>", article).title == (
        "Hội nghị tổng kết - Báo cáo tình hình"
    )
    site_h1 = "<header><h1>Cổng TTĐT</h1></header>"  # the logo in the page header is not the headline
    article_h1 = f"<article><h1>{TITLE}</h1><p>{PARAGRAPHS[1]}</p></article>"
    h1_page = _page("<title>Trang chủ</title>", site_h1 + article_h1)
    assert (h1_page.title, h1_page.body) == (TITLE, PARAGRAPHS[1])


def test_dates_from_json_ld_time_and_meta() -> None:
    text = f"<article><p>{PARAGRAPHS[1]}</p></article>"
    json_ld = '{"@graph": [{"@type": "NewsArticle", "datePublished": "2025-10-27T09:00:00+07:00"}]}'
    json_ld = f'<script type="application/ld+json">{json_ld}</script>'
    assert _page(json_ld, text).date == OCT_27
    assert _page('<meta name="pubdate" content="2025-10-26T20:00:00Z">', text).date == OCT_27  # Vietnam time
    time_page = f'<article><time datetime="2025-10-27">hôm nay</time><p>{PARAGRAPHS[1]}</p></article>'
    assert _page("", time_page).date == OCT_27
    # The site header shows today's date: that is not the article's date.
    assert _page("", f'<header><span class="date">Thứ Ba, 28/10/2025</span></header>{text}').date is None
    assert _page("", f'<div class="post-date">27/10/2025 08:30</div>{text}').date == OCT_27


def test_aspnet_form_wrapping_the_whole_page_is_not_chrome() -> None:
    body = (
        '<form id="form1" method="post"><div id="menu-top">Trang chủ</div>'
        f'<div class="news-content"><p>{PARAGRAPHS[0]}</p><p>{PARAGRAPHS[1]}</p></div>'
        '<div class="footer">Bản quyền</div></form>'
    )
    assert _page("", body).body == f"{PARAGRAPHS[0]}\n\n{PARAGRAPHS[1]}"


def test_innermost_content_block_drops_other_news() -> None:
    body = (
        '<div id="main-content">'
        f'<div class="detail-content"><p>{PARAGRAPHS[0]}</p><p>{PARAGRAPHS[2]}</p></div>'
        '<div class="box-tin-khac"><p>Tin khác</p></div></div>'
    )
    assert _page("", body).body == f"{PARAGRAPHS[0]}\n\n{PARAGRAPHS[2]}"


def test_body_fallback_and_inline_whitespace() -> None:
    page = _page("", "<p>Hà  <b>Nội</b>\n  ngày <i>27</i>,<br>tháng 10</p><div>Một<div>Hai</div>Ba</div>")
    assert page.title == "Hà Nội ngày 27,"
    assert page.body == "tháng 10\n\nMột\n\nHai\n\nBa"


@pytest.mark.parametrize(
    "garbage, text",
    [
        (b"<div>" * 20000 + "Hà Nội".encode(), "Hà Nội"),
        (b"<" * 5000 + "Hà Nội".encode(), ""),
        (b'<p a="' + b"x" * 100000, ""),
        (b"<!-- " + "Hà Nội ".encode() * 100, ""),
        (b"<table><tr><td>" * 3000 + "Hà Nội".encode(), "Hà Nội"),
        (b"<html><body><script>var x = '</div>", ""),
    ],
)
def test_garbage_html_parses_or_skips(garbage: bytes, text: str) -> None:
    """Text that is there is found; markup, comments and scripts never become text."""
    try:
        page = parse_html(garbage)
    except SkipFile as exc:
        assert exc.reason and not text
    else:
        found = f"{page.title}\n{page.body}"
        assert text in found
        assert not any(markup in found for markup in ("<div", "<p ", "<td", "<!--", "var x", "xxxx"))


@pytest.mark.parametrize(
    "nested",
    ["<b>Hà Nội ", "<div class='nav-x'>Hà Nội ", "<nav><h1>Hà Nội ", "<aside><time>Hà Nội ", "<form>Hà Nội "],
)
def test_deeply_nested_pages_take_linear_time(nested: str) -> None:
    # Per-element subtree or ancestor walks made 20,000 levels take minutes; linear is ~1 s.
    started = time.perf_counter()
    parse_html((nested * 20_000).encode())
    assert time.perf_counter() - started < 15


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("<>/=\"' !-&#;pdivabrHàNộiscript\n")), max_size=300))
def test_random_markup_never_raises_anything_but_skipfile(markup: str) -> None:
    try:
        parse_html(markup)
    except SkipFile:
        pass


def test_page_furniture_is_dropped_from_the_body() -> None:
    """Tools, counters, bare dates and keyword lists inside the article element (as on
    corpus/web/trien-khai-nghi-quyet-57-cao-bang.html) are not text; sentences are."""
    article = (
        "<article><h1>Cao Bằng triển khai Nghị quyết 57</h1>"
        '<div class="meta"><span class="date">26/02/2025 09:15</span> | '
        '<span class="views">Lượt xem: 1.047</span> <a class="btn-print" href="#">In bài</a></div>'
        "<p>UBND tỉnh chia sẻ kinh nghiệm chuyển đổi số với các địa phương.</p>"
        "<p>Ngày 26/02/2025, Sở Khoa học và Công nghệ tổ chức hội nghị.</p>"
        '<p class="author"><strong>Phòng Quản lý khoa học</strong></p>'
        '<div class="tags">Từ khóa: <a href="#">Nghị quyết 57</a>, <a href="#">chuyển đổi số</a></div>'
        "</article>"
    )
    page = _page("", article)
    assert page.body.split("\n\n") == [
        "UBND tỉnh chia sẻ kinh nghiệm chuyển đổi số với các địa phương.",
        "Ngày 26/02/2025, Sở Khoa học và Công nghệ tổ chức hội nghị.",
        "Phòng Quản lý khoa học",
    ]
    assert page.date == datetime.date(2025, 2, 26)


def test_bundled_pages_carry_no_counters() -> None:
    root = Path(__file__).resolve().parent.parent / "corpus" / "web"
    for path in sorted(root.glob("*.html")):
        body = parse_html(path.read_bytes()).body
        assert "Lượt xem" not in body and "In bài" not in body and "Từ khóa:" not in body, path
