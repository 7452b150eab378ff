"""Article links from an RSS/Atom feed or a sitemap (index), parsed defensively.

Feeds go to feedparser, which copes with the broken feeds real sites serve; but
first the bytes are checked with defusedxml so that entity tricks (billion
laughs, external entities) are refused before any parser expands them.
Sitemaps are parsed with defusedxml directly.  A broken feed or sitemap is a
`BrokenSource` with a reason, never a crash.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import time
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit, urlunsplit

import defusedxml.ElementTree as safe_xml
import feedparser
from defusedxml import DefusedXmlException

from .client import FetchError, PoliteClient, inflate_capped, site_key

MAX_CHILD_SITEMAPS = 50
_ENTITY_DECL = re.compile(rb"<!ENTITY", re.I)


class BrokenSource(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Link:
    url: str
    date: dt.date | None = None  # from the feed entry or the sitemap's lastmod


def clean_url(url: str) -> str | None:
    """An absolute http(s) URL without its fragment, or None."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", parts.query, ""))


def refuse_entities(data: bytes, what: str) -> None:
    """Raise BrokenSource for XML that declares entities or a DTD with them (XML bombs, XXE)."""
    try:
        safe_xml.fromstring(data)
    except DefusedXmlException as exc:
        raise BrokenSource(f"{what} refused: {type(exc).__name__}") from None
    except Exception:  # noqa: BLE001 - not well-formed: the lenient parser may still read it
        if _ENTITY_DECL.search(data):
            raise BrokenSource(f"{what} refused: entity declarations") from None


def parse_feed(data: bytes, base_url: str, content_type: str = "") -> list[Link]:
    """Links of an RSS or Atom document, newest first as the feed lists them."""
    refuse_entities(data, "feed")
    # A file-like object: feedparser would treat bare bytes that name a file or URL as one to open.
    parsed = feedparser.parse(io.BytesIO(data), response_headers={
        "content-type": content_type or "application/xml", "content-location": base_url})
    if not parsed.entries:
        if parsed.get("bozo"):
            raise BrokenSource(f"not a readable feed ({type(parsed.get('bozo_exception')).__name__})")
        if not parsed.get("version"):
            raise BrokenSource("not a feed (no RSS or Atom element)")
        return []
    links = []
    for entry in parsed.entries:
        href = entry.get("link") or next(
            (l.get("href") for l in entry.get("links", []) if l.get("rel", "alternate") == "alternate"), None)
        url = clean_url(urljoin(base_url, href)) if href else None
        if url:
            stamp = entry.get("published_parsed") or entry.get("updated_parsed")
            links.append(Link(url, _date(stamp)))
    return links


def _date(stamp: time.struct_time | None) -> dt.date | None:
    try:
        return dt.date(stamp.tm_year, stamp.tm_mon, stamp.tm_mday) if stamp else None
    except ValueError:
        return None


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def parse_sitemap(data: bytes, base_url: str) -> tuple[list[Link], list[str]]:
    """(page links, child sitemap URLs) of a sitemap or a sitemap index."""
    refuse_entities(data, "sitemap")
    try:
        root = safe_xml.fromstring(data)
    except Exception as exc:  # noqa: BLE001 - any parse failure is a broken sitemap
        raise BrokenSource(f"not a readable sitemap ({type(exc).__name__})") from None
    kind = _local(root.tag)
    if kind not in ("urlset", "sitemapindex"):
        raise BrokenSource(f"not a sitemap (root element <{kind}>)")
    links, children = [], []
    for item in root:
        values = {_local(child.tag): (child.text or "").strip() for child in item}
        url = clean_url(urljoin(base_url, values.get("loc", ""))) if values.get("loc") else None
        if not url:
            continue
        if kind == "sitemapindex":
            children.append(url)
        else:
            links.append(Link(url, _iso_date(values.get("lastmod", ""))))
    return links, children


def _iso_date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        return None


def _get_xml(client: PoliteClient, url: str, delay: float) -> tuple[bytes, str]:
    if not client.allowed(url, delay):
        raise BrokenSource(f"{url} is disallowed by robots.txt")
    try:
        reply = client.get(url, delay=delay)
    except FetchError as exc:
        raise BrokenSource(f"{url}: {exc.reason}") from None
    if reply.status != 200:
        raise BrokenSource(f"{url}: HTTP {reply.status}")
    body = reply.body
    if body[:2] == b"\x1f\x8b":  # a .xml.gz sitemap served as a gzip file
        try:
            body = inflate_capped(body, client.options.max_decoded_bytes)
        except FetchError as exc:
            raise BrokenSource(f"{url}: {exc.reason}") from None
    return body, reply.headers.get("content-type", "")


def discover(client: PoliteClient, feed: str | None, sitemap: str | None,
             delay: float) -> tuple[list[Link], list[str]]:
    """(links on the same site as the feed/sitemap, problems met).  Raises BrokenSource only
    when the feed or top sitemap itself cannot be read; a broken child sitemap is a problem."""
    start = feed or sitemap or ""
    problems: list[str] = []
    if feed:
        data, content_type = _get_xml(client, feed, delay)
        links = parse_feed(data, feed, content_type)
    else:
        data, _ = _get_xml(client, start, delay)
        links, children = parse_sitemap(data, start)
        for child in children[:MAX_CHILD_SITEMAPS]:
            if site_key(child) != site_key(start):
                problems.append(f"{child}: sitemap on another site ignored")
                continue
            try:
                data, _ = _get_xml(client, child, delay)
                links.extend(parse_sitemap(data, child)[0])  # one level deep: no index inside an index
            except BrokenSource as exc:
                problems.append(exc.reason)
        if len(children) > MAX_CHILD_SITEMAPS:
            problems.append(f"only the first {MAX_CHILD_SITEMAPS} of {len(children)} sitemaps read")
        # Newest first, so that max_pages takes the latest releases.
        links.sort(key=lambda link: link.date or dt.date.min, reverse=True)
    home = site_key(start)
    same_site = [link for link in links if site_key(link.url) == home]
    if len(same_site) < len(links):
        problems.append(f"{len(links) - len(same_site)} links to other sites ignored")
    return same_site, problems
