"""The readable article inside an HTML page, as paragraphs.

Page chrome (menus, footers, share bars, related links) is removed first, then the
article container is chosen, then its text is walked with block elements as
paragraph breaks.  Everything is iterative and linear (see htmltree): broken
pages nest thousands deep.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from bs4 import BeautifulSoup
from bs4.element import NavigableString, Tag

from searchsvc.analysis.normalize import normalize_text
from searchsvc.ingest.htmltree import ancestor_ids, remove, subtree_ids

# Never text a reader sees in the page (<title> is read before these go).
_INVISIBLE_TAGS = frozenset(
    ["script", "style", "noscript", "template", "svg", "iframe", "object", "embed", "canvas", "title"]
)
# Page chrome by element type.  <form> is handled apart: ASP.NET pages wrap everything in one.
_CHROME_TAGS = frozenset({"nav", "header", "footer", "aside", "button", "select", "textarea"})
_CHROME_NAME = re.compile(
    r"(?:^|[\s_-])(?:menu|menus|nav|navbar|navigation|footer|sidebar|breadcrumbs?|share|sharing|social"
    r"|comments?|related|relate|banner|advert|ads|toolbar|pagination)(?:$|[\s_-])",
    re.I,
)
_CONTENT_NAME = re.compile(r"content|article|detail|post|entry|story|noidung|chitiet|chi-tiet", re.I)
_CONTENT_TAGS = frozenset(["div", "section", "td"])
_BLOCK_TAGS = frozenset(
    "p div li ul ol dl dt dd h1 h2 h3 h4 h5 h6 tr table tbody thead tfoot caption section article main"
    " blockquote pre figure figcaption address center body html".split()
)
_KEEP_SHARE = 0.5  # a "chrome" element holding half the page's text is the page, not chrome


def class_names(tag: Tag) -> str:
    """The class attribute as one string (htmltree.parse_tree keeps it one; bs4's default builders give a list)."""
    value = tag.get("class") or ()
    return value if isinstance(value, str) else " ".join(value)


def _names(tag: Tag) -> str:
    """class and id, the names a page's author gave an element, as one string ('' for most elements)."""
    attrs = tag.attrs
    if "class" not in attrs and "id" not in attrs:
        return ""
    return f"{class_names(tag)} {attrs.get('id') or ''}"


def remove_invisible(tags: list[Tag], removed: set[int]) -> None:
    remove((tag for tag in tags if tag.name in _INVISIBLE_TAGS), removed)


def chrome_elements(soup: BeautifulSoup, tags: list[Tag], lengths: dict[int, int]) -> list[Tag]:
    """Elements of `tags` to drop as page chrome (run after remove_invisible), outermost first.

    >>> from searchsvc.ingest.htmltree import all_tags, text_lengths
    >>> html = '<nav>Trang chủ</nav><div class="box-share">Chia sẻ</div><p>Tin</p>'
    >>> soup = BeautifulSoup(html, "lxml")
    >>> [t.name for t in chrome_elements(soup, all_tags(soup), text_lengths(soup))]
    ['nav', 'div']
    """
    total = lengths.get(id(soup), 0) or 1
    # An unclosed <nav> or <header> may have swallowed the article: such an element is not chrome.
    wraps_article = ancestor_ids(t for t in tags if t.name in ("article", "main"))
    chrome: list[Tag] = []
    for tag in tags:
        if tag.name in ("html", "body"):
            continue
        if tag.name in _CHROME_TAGS:
            if id(tag) not in wraps_article:
                chrome.append(tag)
        elif (tag.name == "form" or _CHROME_NAME.search(_names(tag))) and (
            lengths.get(id(tag), 0) < _KEEP_SHARE * total
        ):
            chrome.append(tag)
    return chrome


def pick_container(soup: BeautifulSoup, tags: list[Tag], lengths: dict[int, int]) -> Tag:
    """The element holding the article: <article>, <main>/[role=main], a content-named block, or <body>.

    A candidate must hold at least 30% of the page's text; among nested candidates
    the innermost one keeping 70% of the largest wins (drops 'other news' boxes).
    """
    root = next((t for t in tags if t.name == "body"), soup)
    total = lengths.get(id(root), 0)
    groups: Iterable[list[Tag]] = (
        [t for t in tags if t.name == "article"],
        [t for t in tags if t.name == "main" or t.get("role") == "main"],
        [t for t in tags if t.name in _CONTENT_TAGS and _CONTENT_NAME.search(_names(t))],
    )
    for group in groups:
        if not group:
            continue
        best = max(group, key=lambda t: lengths.get(id(t), 0))
        best_len = lengths.get(id(best), 0)
        if best_len == 0 or best_len < 0.3 * total:
            continue
        inside_best = subtree_ids([best])
        inner = [t for t in group if id(t) in inside_best and lengths.get(id(t), 0) >= 0.7 * best_len]
        return min(inner, key=lambda t: lengths.get(id(t), 0))
    return root


def _block_of(node: NavigableString, root: Tag, memo: dict[int, Tag]) -> Tag:
    """Nearest block ancestor; `memo` makes it linear over the page even when nesting is deep."""
    chain: list[Tag] = []
    block = root
    for parent in node.parents:
        if parent is root or parent.name in _BLOCK_TAGS:
            block = parent
            break
        if (known := memo.get(id(parent))) is not None:
            block = known
            break
        chain.append(parent)
    for tag in chain:
        memo[id(tag)] = block
    return block


def paragraphs(root: Tag) -> list[str]:
    """Text of `root` as paragraphs: block elements and <br> break, inline text joins.

    >>> html = "<div><p>Hà <b>Nội</b>,</p>ngày 27<br>tháng 10<ul><li>Một</li></ul></div>"
    >>> soup = BeautifulSoup(html, "lxml")
    >>> paragraphs(soup.div)
    ['Hà Nội,', 'ngày 27', 'tháng 10', 'Một']
    """
    result: list[str] = []
    buffer: list[str] = []
    current: Tag | None = None
    memo: dict[int, Tag] = {}

    def flush() -> None:
        text = " ".join(normalize_text("".join(buffer)).split())
        if text:
            result.append(text)
        buffer.clear()

    for node in root.descendants:
        if isinstance(node, Tag):
            if node.name in ("br", "hr"):
                flush()
            elif node.name in ("td", "th"):
                buffer.append(" ")  # table cells in one row read as one line
            continue
        if type(node) is not NavigableString:  # comments, doctype, CDATA
            continue
        block = _block_of(node, root, memo)
        if block is not current:
            flush()
            current = block
        buffer.append(str(node))
    flush()
    return result


# -- page furniture left inside the article container -------------------------------
#
# Saved pages keep a line of tools next to the date ("26/02/2025 09:15 | Lượt xem: 1.047
# In bài"), a keyword list at the end ("Từ khóa: Nghị quyết 57, chuyển đổi số"), and
# sometimes a date line alone.  They are in the article element, so the container
# choice keeps them; they are recognised here by their words, and only in short lines
# made of nothing else (a sentence that says "chia sẻ kinh nghiệm" is text).

_FURNITURE_MAX_CHARS = 100
_COUNTER = re.compile(
    r"(?:số\s+)?(?:lượt\s+(?:xem|đọc|truy\s+cập|thích|chia\s+sẻ)|bình\s+luận|views?|comments?)"
    r"\s*[:：]?\s*\d[\d.,]*", re.I)
_TOOL_WORDS = re.compile(
    r"\b(?:in\s+bài(?:\s+viết)?|in\s+trang|bản\s+in|gửi\s+bài|gửi\s+email|gửi\s+tin|email|chia\s+sẻ|share"
    r"|lưu\s+(?:tin|bài)|cỡ\s+chữ|phóng\s+to|thu\s+nhỏ|nghe\s+(?:đọc|bài)|đọc\s+bài|quay\s+lại|trở\s+về"
    r"|về\s+đầu\s+trang|đầu\s+trang|xem\s+thêm|facebook|zalo|twitter|print|A\s*[-+]|cập\s+nhật(?:\s+lúc)?"
    r"|đăng\s+(?:lúc|ngày)|ngày\s+đăng|thứ\s+(?:hai|ba|tư|năm|sáu|bảy)|chủ\s+nhật|ngày|giờ|GMT[+-]?\d*)\b",
    re.I)
_DATE_TIME = re.compile(r"\d{1,4}[/.-]\d{1,2}(?:[/.-]\d{1,4})?|\d{1,2}[:h]\d{2}(?::\d{2})?|\b(?:AM|PM|SA|CH)\b", re.I)
_KEYWORDS_LINE = re.compile(r"^(?:từ\s+kh(?:óa|oá|oa)|tags?|chủ\s+đề|keywords?)\s*[:：]", re.I)


def is_page_furniture(line: str) -> bool:
    """A short line of page tools, counters or a bare date/time, or a keyword list.

    >>> [is_page_furniture(s) for s in ["26/02/2025 09:15 | Lượt xem: 1.047 In bài", "03/12/2024",
    ...     "Từ khóa: Nghị quyết 57, chuyển đổi số", "Chia sẻ", "Ngày 18/7/2023"]]
    [True, True, True, True, True]
    >>> [is_page_furniture(s) for s in ["Chia sẻ kinh nghiệm chuyển đổi số", "Thu Hà",
    ...     "Cao Bằng, ngày 11 tháng 10 năm 2024", "Ngày 10/5/2024, Sở tổ chức hội thảo."]]
    [False, False, False, False]
    """
    text = line.strip()
    if _KEYWORDS_LINE.match(text) and len(text) <= 2 * _FURNITURE_MAX_CHARS:
        return True
    if len(text) > _FURNITURE_MAX_CHARS:
        return False
    rest = _DATE_TIME.sub(" ", _TOOL_WORDS.sub(" ", _COUNTER.sub(" ", text)))
    return not any(ch.isalnum() for ch in rest)


def drop_page_furniture(body: list[str]) -> list[str]:
    """The paragraphs without the lines `is_page_furniture` recognises."""
    return [p for p in body if not is_page_furniture(p)]
