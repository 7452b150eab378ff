"""An HTML page -> title, body, date, url, source, category (ParsedHtml).

Metadata (og:, article:, JSON-LD, <time>) is read first, page chrome is removed,
then the article container's text becomes the body (see htmlbody).
"""

from __future__ import annotations

import datetime
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from bs4 import BeautifulSoup
from bs4.element import Tag

from searchsvc.analysis.normalize import normalize_text
from searchsvc.ingest.dates import find_date_line, parse_date_line, parse_date_value
from searchsvc.ingest.decode import decode_bytes, sniff_declared_charset
from searchsvc.ingest.document import SkipFile
from searchsvc.ingest.htmlbody import (
    chrome_elements,
    drop_page_furniture,
    class_names,
    paragraphs,
    pick_container,
    remove_invisible,
)
from searchsvc.ingest.htmltree import all_tags, live, parse_tree, remove, subtree_ids, text_lengths

_DATE_META = (
    "article:published_time", "og:published_time", "article:published", "datepublished", "pubdate",
    "publishdate", "publish-date", "date", "dc.date", "dc.date.issued", "dcterms.date", "dcterms.created",
)  # fmt: skip
_DATE_HOLDERS = frozenset(["span", "div", "p", "small", "em"])
_DATE_CLASS = re.compile(r"date|time|publish|ngay", re.I)
_MAX_TITLE = 200
_SITE_SUFFIX = re.compile(r"^(.*\S)\s+[-|:»]\s+([^-|»]+)$")
# How site names start ('Cổng TTĐT ...', 'Báo Cao Bằng'), or a domain ('baocaobang.vn').
_SITE_WORDS = re.compile(
    r"^(?:cổng\b|báo\b(?!\s+cáo)|tạp\s+chí\b|trang\s+(?:tin|thông\s+tin)\b|portal\b)"
    r"|\.(?:vn|com|net|org|gov)\b",
    re.I,
)


def _clean(text: str) -> str:
    return " ".join(normalize_text(text).split())


@dataclass(frozen=True)
class ParsedHtml:
    """What a page says about itself; `meta` holds every <meta> name/property -> content (lowercased keys)."""

    title: str
    body: str
    date: datetime.date | None
    url: str | None
    source: str
    category: str
    meta: Mapping[str, str] = field(default_factory=dict)


def _meta(tags: list[Tag]) -> dict[str, str]:
    found: dict[str, str] = {}
    for tag in (t for t in tags if t.name == "meta"):
        key = tag.get("property") or tag.get("name") or tag.get("itemprop")
        content = tag.get("content")
        if isinstance(key, str) and isinstance(content, str) and content.strip():
            found.setdefault(key.strip().lower(), content.strip())
    return found


def _json_ld_dates(tags: list[Tag]) -> Iterator[str]:
    for script in (t for t in tags if t.name == "script" and t.get("type") == "application/ld+json"):
        try:
            stack: list[Any] = [json.loads(script.string or "")]
        except ValueError:
            continue
        while stack:
            item = stack.pop()
            if isinstance(item, dict):
                if isinstance(item.get("datePublished"), str):
                    yield item["datePublished"]
                stack.extend(item.values())
            elif isinstance(item, list):
                stack.extend(reversed(item))


def _strip_site_suffix(title: str, site_name: str) -> str:
    """'Tin - Cổng TTĐT tỉnh Cao Bằng' -> 'Tin', only when the suffix is clearly a site name."""
    match = _SITE_SUFFIX.match(title)
    if not match:
        return title
    head, suffix = match.group(1), match.group(2).strip()
    if suffix.casefold() == site_name.casefold() or _SITE_WORDS.search(suffix):
        return head if len(head.split()) >= 2 else title
    return title


def _link(tags: list[Tag], meta: Mapping[str, str]) -> str | None:
    for tag in (t for t in tags if t.name == "link" and t.get("href")):
        rel = tag.get("rel") or ()
        if "canonical" in (rel.lower().split() if isinstance(rel, str) else [r.lower() for r in rel]):
            href = str(tag["href"]).strip()
            if href.startswith(("http://", "https://")):
                return href
    og_url = meta.get("og:url", "")
    return og_url if og_url.startswith(("http://", "https://")) else None


def _page_date(tags: list[Tag], values: list[str], hidden: set[int]) -> datetime.date | None:
    """Metadata values first, then <time>, then short date-named elements; none from `hidden` (chrome)."""
    for value in values:
        if (date := parse_date_value(value)) is not None:
            return date
    for tag in (t for t in tags if t.name == "time"):
        if id(tag) not in hidden:
            found = parse_date_value(str(tag.get("datetime") or ""))
            if (found := found or parse_date_line(_clean(tag.get_text(" ")))) is not None:
                return found
    named = [t for t in tags if t.name in _DATE_HOLDERS and _DATE_CLASS.search(class_names(t))]
    for tag in named[:20]:
        if id(tag) not in hidden and (found := parse_date_line(_clean(tag.get_text(" ")))):
            return found
    return None


def parse_html(data_or_text: bytes | str, declared: str | None = None) -> ParsedHtml:
    """An HTML page -> ParsedHtml.  Raises SkipFile for pages that cannot be parsed.

    >>> page = parse_html('<title>Hội nghị - Báo Cao Bằng</title><nav>Menu</nav><p>Đoạn.</p>')
    >>> page.title, page.body
    ('Hội nghị', 'Đoạn.')
    """
    if isinstance(data_or_text, bytes):
        data_or_text, _ = decode_bytes(data_or_text, declared or sniff_declared_charset(data_or_text))
    if "\x00" in data_or_text:  # libxml2 turns NUL into U+FFFD; normalize_text made it a space
        data_or_text = data_or_text.replace("\x00", " ")
    try:
        # lxml (libxml2) parses in linear time; bs4's html.parser is quadratic on an unclosed
        # comment (160 KB of `<!--`: 10 s) and most hostile input goes through here.
        return _parse_soup(parse_tree(data_or_text))
    except SkipFile:
        raise
    except Exception as exc:  # the parser's failure modes on garbage are not documented
        raise SkipFile(f"unparseable HTML ({type(exc).__name__})") from exc


def _parse_soup(soup: BeautifulSoup) -> ParsedHtml:
    tags = all_tags(soup)
    meta = _meta(tags)
    date_values = [meta[key] for key in _DATE_META if key in meta]
    date_values += _json_ld_dates(tags)  # before <script> elements are removed
    title_tag = next((t for t in tags if t.name == "title"), None)
    page_title = _clean(title_tag.get_text()) if title_tag else ""
    removed: set[int] = set()
    remove_invisible(tags, removed)
    tags = live(tags, removed)
    chrome = chrome_elements(soup, tags, text_lengths(soup))
    # An article's own <header> holds its headline and date: read them there, keep them out of the body.
    in_article = subtree_ids(t for t in tags if t.name in ("article", "main"))
    hidden = subtree_ids(t for t in chrome if t.name != "header" or id(t) not in in_article)
    h1 = next((_clean(t.get_text(" ")) for t in tags if t.name == "h1" and id(t) not in hidden), "")
    date = _page_date(tags, date_values, hidden)
    url = _link(tags, meta)
    remove(chrome, removed)
    tags = live(tags, removed)
    site = _clean(meta.get("og:site_name", ""))
    title = _strip_site_suffix(_clean(meta.get("og:title", "")), site) or h1
    title = title or _strip_site_suffix(page_title, site)
    body = paragraphs(pick_container(soup, tags, text_lengths(soup)))
    if body and body[0].casefold() in (title.casefold(), h1.casefold()):
        body = body[1:]
    elif not title and body and len(body[0]) <= _MAX_TITLE:  # untitled page: headline-like first line
        title, body = body[0], body[1:]
    # The date may be read from a date line before such lines go as page furniture.
    date = date or find_date_line(body)
    body = drop_page_furniture(body)
    return ParsedHtml(
        title=title,
        body="\n\n".join(body),
        date=date,
        url=url,
        source=site,
        category=_clean(meta.get("article:section", "")),
        meta=meta,
    )
