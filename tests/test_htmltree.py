"""parse_tree's lean builder builds the tree bs4's own lxml builder builds.

The page parser reads its trees through parse_tree, which skips the stock
builder's namespace bookkeeping and keeps `class` one string; everything the
extraction reads (element names and order, attributes, text nodes) must be what
`BeautifulSoup(text, "lxml")` gives.  Checked on every HTML file in the bundled
corpora and on hostile markup.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from bs4.element import Tag

from searchsvc.ingest.decode import decode_bytes, sniff_declared_charset
from searchsvc.ingest.htmltree import parse_tree

REPO = Path(__file__).resolve().parent.parent
PAGES = sorted(p for folder in ("tests/fixtures", "corpus") for p in (REPO / folder).rglob("*.htm*"))

HOSTILE = [
    "<div>" * 3000 + "sâu" + "</div>" * 10,
    "<p>Mở <b>đóng <i>lẫn</b> lộn</i></p><!-- bình luận --><p>tiếp",
    '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'
    '<use xlink:href="#i"/></svg><o:p class="MsoNormal  x">Văn bản</o:p>',
    '<html><body><div class="a\tb" id=x data-x="1">Chữ<br>xuống dòng</div><a href=/">lỗi',
    "<table><tr><td>ô<td>ô<tr><td>hàng</table><script>if (a < b) {}</script><style>p{}</style>",
    "",
    "chỉ chữ, không thẻ",
]


def _shape(soup: BeautifulSoup) -> list[tuple]:
    """Every node in document order: tag name with attributes (class as its names), or text."""
    shape = []
    for node in soup.descendants:
        if isinstance(node, Tag):
            attrs = {k: " ".join(v) if isinstance(v, list) else v for k, v in node.attrs.items()}
            if "class" in attrs:  # the names, however spaced (htmlbody matches them as words)
                attrs["class"] = " ".join(attrs["class"].split())
            shape.append((node.name, sorted(attrs.items())))
        else:
            shape.append((type(node).__name__, str(node)))
    return shape


def _text(path: Path) -> str:
    data = path.read_bytes()
    return decode_bytes(data, sniff_declared_charset(data))[0]


def test_there_are_pages_to_compare():
    assert len(PAGES) >= 10


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.name)
def test_same_tree_as_bs4s_lxml_builder_on_real_pages(path):
    text = _text(path)
    assert _shape(parse_tree(text)) == _shape(BeautifulSoup(text, "lxml"))


@pytest.mark.parametrize("markup", HOSTILE, ids=range(len(HOSTILE)))
def test_same_tree_as_bs4s_lxml_builder_on_hostile_markup(markup):
    assert _shape(parse_tree(markup)) == _shape(BeautifulSoup(markup, "lxml"))


def test_class_stays_one_string():
    soup = parse_tree('<div class="news-detail  content">x</div>')
    assert soup.div["class"] == "news-detail  content"
