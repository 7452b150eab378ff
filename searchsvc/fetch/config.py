"""The sources file: one `[[sources]]` table per website to follow.

    [[sources]]
    name = "caobang"                      # folder under the corpus, and the source facet value
    display_name = "Cổng TTĐT tỉnh Cao Bằng"
    feed = "https://caobang.gov.vn/rss"   # or: sitemap = "https://…/sitemap.xml"
    include = "/tin-tuc/"                 # optional regex that article URLs must match
    max_pages = 100                       # optional: page requests per run
    delay_seconds = 2                     # optional: pause between requests to this host
    on_gone = "keep"                      # optional: "delete" or "keep" a page that answers 404/410
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from ..errors import SearchServiceError

# The name becomes a folder and a document-id prefix: keep it to a safe, stable alphabet.
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
_KEYS = {"name", "display_name", "feed", "sitemap", "include", "max_pages", "delay_seconds", "on_gone"}
DEFAULT_MAX_PAGES = 200
DEFAULT_DELAY = 1.0


class SourcesError(SearchServiceError):
    """The sources file is missing or invalid (nothing is fetched)."""


@dataclass(frozen=True)
class Source:
    name: str
    display_name: str
    feed: str | None = None
    sitemap: str | None = None
    include: re.Pattern[str] | None = None
    max_pages: int = DEFAULT_MAX_PAGES
    delay_seconds: float = DEFAULT_DELAY
    on_gone: str = "keep"

    @property
    def start_url(self) -> str:
        return self.feed or self.sitemap or ""

    def wants(self, url: str) -> bool:
        return self.include is None or self.include.search(url) is not None


def _http_url(value: object, where: str) -> str:
    if not isinstance(value, str) or urlsplit(value).scheme not in ("http", "https") or not urlsplit(value).hostname:
        raise SourcesError(f"{where}: expected an http(s) URL, got {value!r}")
    return value


def _source(table: dict, where: str) -> Source:
    unknown = set(table) - _KEYS
    if unknown:
        raise SourcesError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    name = table.get("name")
    if not isinstance(name, str) or not _NAME.match(name):
        raise SourcesError(f"{where}: name must be lowercase letters, digits, '-' or '_' (got {name!r})")
    where = f"{where} ({name})"
    if ("feed" in table) == ("sitemap" in table):
        raise SourcesError(f"{where}: give exactly one of feed or sitemap")
    include = table.get("include")
    try:
        pattern = re.compile(include) if include is not None else None
    except (re.error, TypeError) as exc:
        raise SourcesError(f"{where}: include is not a valid regex: {exc}") from None
    max_pages = table.get("max_pages", DEFAULT_MAX_PAGES)
    if not isinstance(max_pages, int) or isinstance(max_pages, bool) or max_pages < 1:
        raise SourcesError(f"{where}: max_pages must be a positive integer")
    delay = table.get("delay_seconds", DEFAULT_DELAY)
    if not isinstance(delay, (int, float)) or isinstance(delay, bool) or not 0 <= delay <= 600:
        raise SourcesError(f"{where}: delay_seconds must be a number from 0 to 600")
    on_gone = table.get("on_gone", "keep")
    if on_gone not in ("keep", "delete"):
        raise SourcesError(f"{where}: on_gone must be 'keep' or 'delete'")
    display = table.get("display_name", name)
    if not isinstance(display, str):
        raise SourcesError(f"{where}: display_name must be a string")
    return Source(
        name=name,
        display_name=display,
        feed=_http_url(table["feed"], f"{where} feed") if "feed" in table else None,
        sitemap=_http_url(table["sitemap"], f"{where} sitemap") if "sitemap" in table else None,
        include=pattern,
        max_pages=max_pages,
        delay_seconds=float(delay),
        on_gone=on_gone,
    )


def load_sources(path: Path | str) -> list[Source]:
    """Read and check the whole file; raise SourcesError naming the first problem."""
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        raise SourcesError(f"sources file {path} does not exist") from None
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise SourcesError(f"cannot read sources file {path}: {exc}") from None
    tables = data.get("sources")
    if not isinstance(tables, list) or not tables:
        raise SourcesError(f"{path}: no [[sources]] tables")
    sources = [_source(t, f"{path}: sources[{i}]") for i, t in enumerate(tables)]
    names = [s.name for s in sources]
    if len(set(names)) != len(names):
        raise SourcesError(f"{path}: source names must be unique")
    return sources
