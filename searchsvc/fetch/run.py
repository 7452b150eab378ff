"""One fetch run: every source's new and changed pages into corpus/<name>/.

Per page: robots.txt, then a conditional GET (ETag / Last-Modified from the
sidecar).  304: nothing is written.  200 with the same bytes: only the
sidecar's validators are refreshed if they changed.  404/410: gone (deleted
or kept per `on_gone`).  Anything else fails that page alone and keeps its
previous copy.  Indexing is left to the incremental indexer.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from ..errors import SearchServiceError
from ..files import flock_within, write_atomic
from .client import FetchError, FetchOptions, PoliteClient, media_type
from .config import Source
from .discover import BrokenSource, Link, discover
from .pages import SourceFolder, page_file_name

log = logging.getLogger("searchsvc.fetch")

LAST_FETCH = ".searchsvc-fetch.json"  # in the corpus folder; hidden, so never indexed
LOCK = ".searchsvc-fetch.lock"
_PAGE_TYPES = ("text/html", "application/xhtml+xml", "text/plain")

Progress = Callable[[str, int, int], None]  # source name, pages done, pages to do


class FetchBusy(SearchServiceError):
    status = 409
    code = "fetch_busy"


@dataclass
class FetchSummary:
    new: int = 0
    updated: int = 0
    not_modified: int = 0
    gone: int = 0
    failed: int = 0
    robots: int = 0
    sources: int = 0
    broken: list[tuple[str, str]] = field(default_factory=list)  # (source, reason): feed/sitemap problems
    failures: list[tuple[str, str]] = field(default_factory=list)  # (url, reason)
    requests: int = 0
    seconds: float = 0.0

    @property
    def changed(self) -> int:
        return self.new + self.updated + self.gone

    def line(self) -> str:
        broken = f" ({len(self.broken)} with problems)" if self.broken else ""
        return (f"new {self.new}, updated {self.updated}, not modified {self.not_modified}, "
                f"gone {self.gone}, failed {self.failed}, skipped by robots.txt {self.robots}; "
                f"{self.sources} sources{broken}; {self.requests} requests, {self.seconds:.1f} s")

    @classmethod
    def from_dict(cls, data: dict) -> FetchSummary:
        """Back from `to_dict` (as recorded in the corpus folder), for `status`."""
        counts = {k: data.get(k, 0) for k in ("new", "updated", "not_modified", "gone", "failed", "robots",
                                              "sources", "requests", "seconds")}
        return cls(**counts, broken=[(b["source"], b["reason"]) for b in data.get("broken", [])],
                   failures=[(f["url"], f["reason"]) for f in data.get("failures", [])])

    def to_dict(self) -> dict:
        data = asdict(self)
        data["broken"] = [{"source": s, "reason": r} for s, r in self.broken]
        data["failures"] = [{"url": u, "reason": r} for u, r in self.failures]
        return data


def _now() -> str:
    return dt.datetime.now().astimezone().isoformat(timespec="seconds")


@contextmanager
def fetch_lock(corpus_dir: Path, wait: float = 0.0) -> Iterator[None]:
    """One fetch run per corpus at a time (flock: released by the kernel if we die)."""
    fd = os.open(corpus_dir / LOCK, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o644)
    try:
        if not flock_within(fd, wait):
            raise FetchBusy(f"another fetch run is writing {corpus_dir}; nothing was fetched")
        yield
    finally:
        os.close(fd)


def read_last_fetch(corpus_dir: Path) -> dict | None:
    try:
        return json.loads((Path(corpus_dir) / LAST_FETCH).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def run_fetch(sources: list[Source], corpus_dir: Path, *, options: FetchOptions | None = None,
              wait: float = 0.0, progress: Progress | None = None) -> FetchSummary:
    """Fetch every source; record the summary in the corpus folder; return it.

    Raises SearchServiceError if the corpus folder is missing, FetchBusy if another run holds the lock.
    """
    corpus_dir = Path(corpus_dir)
    if not corpus_dir.is_dir():
        raise SearchServiceError(f"corpus folder {corpus_dir} does not exist")
    started = time.monotonic()
    summary = FetchSummary(sources=len(sources))
    with fetch_lock(corpus_dir, wait), PoliteClient(options or FetchOptions()) as client:
        for source in sources:
            try:
                _fetch_source(source, client, corpus_dir, summary, progress)
            except BrokenSource as exc:
                summary.broken.append((source.name, exc.reason))
            except OSError as exc:  # e.g. the folder cannot be created: the other sources still run
                summary.broken.append((source.name, f"cannot write: {exc}"))
        summary.requests = client.requests
        summary.seconds = time.monotonic() - started
        write_atomic(corpus_dir / LAST_FETCH, json.dumps(
            {"time": _now(), "summary": summary.to_dict()}, ensure_ascii=False, indent=1))
    for name, reason in summary.broken:
        log.warning("source %s: %s", name, reason)
    for url, reason in summary.failures:
        log.warning("failed %s: %s", url, reason)
    return summary


def _fetch_source(source: Source, client: PoliteClient, corpus_dir: Path, summary: FetchSummary,
                  progress: Progress | None) -> None:
    links, problems = discover(client, source.feed, source.sitemap, source.delay_seconds)
    summary.broken.extend((source.name, p) for p in problems)
    folder = SourceFolder(corpus_dir, source.name)
    _describe(folder, source)
    known = folder.known()
    wanted: dict[str, Link] = {}
    for link in links:
        if source.wants(link.url):
            wanted.setdefault(link.url, link)
    # New pages first (feeds and sitemaps list the newest first), then re-checks of known ones.
    queue = [l for l in wanted.values() if l.url not in known] + [l for l in wanted.values() if l.url in known]
    queue = queue[:source.max_pages]
    for done, link in enumerate(queue, 1):
        if not client.allowed(link.url, source.delay_seconds):
            summary.robots += 1
        else:
            try:
                outcome = _fetch_page(link, known.get(link.url), source, client, folder)
                setattr(summary, outcome, getattr(summary, outcome) + 1)
            except FetchError as exc:
                summary.failed += 1
                summary.failures.append((link.url, exc.reason))
            except Exception as exc:  # noqa: BLE001 - one page never ends the run
                summary.failed += 1
                summary.failures.append((link.url, f"{type(exc).__name__}: {exc}"))
        if progress is not None:
            progress(source.name, done, len(queue))


def _describe(folder: SourceFolder, source: Source) -> None:
    """`.source.json`: which site this folder follows (written only when it changes)."""
    info = json.dumps({"name": source.name, "display_name": source.display_name,
                       "feed": source.feed, "sitemap": source.sitemap}, ensure_ascii=False, indent=1)
    if folder.read(".source.json") != info.encode("utf-8"):
        folder.write(".source.json", info.encode("utf-8"))


def _fetch_page(link: Link, meta: dict | None, source: Source, client: PoliteClient,
                folder: SourceFolder) -> str:
    """Fetch one page; return the FetchSummary counter to bump."""
    headers = {}
    if meta:  # conditional GET: an unchanged page costs a 304 and writes nothing
        if meta.get("etag"):
            headers["If-None-Match"] = meta["etag"]
        if meta.get("last_modified"):
            headers["If-Modified-Since"] = meta["last_modified"]
    reply = client.get(link.url, delay=source.delay_seconds, headers=headers, types=_PAGE_TYPES)
    if reply.status == 304 and meta:
        return "not_modified"
    if reply.status in (404, 410):
        if meta and source.on_gone == "delete":
            folder.remove(meta["file"])
        return "gone"
    if reply.status != 200:
        raise FetchError(f"HTTP {reply.status}")
    content_type = reply.headers.get("content-type", "text/html")
    if media_type(content_type) not in _PAGE_TYPES:
        raise FetchError(f"not a page ({media_type(content_type)})")
    if not reply.body.strip():
        raise FetchError("empty page")
    file_name = meta["file"] if meta else page_file_name(link.url, content_type)
    new_meta = {
        "requested_url": link.url,
        "url": reply.url,
        "file": file_name,
        "source": source.name,
        "etag": reply.headers.get("etag"),
        "last_modified": reply.headers.get("last-modified"),
        "content_type": content_type,
        "published": link.date.isoformat() if link.date else (meta or {}).get("published"),
        "sha1": hashlib.sha1(reply.body).hexdigest(),
        "fetched": _now(),
    }
    if meta and meta.get("sha1") == new_meta["sha1"] and folder.read(file_name) == reply.body:
        if {k: meta.get(k) for k in ("url", "etag", "last_modified", "published")} != \
                {k: new_meta[k] for k in ("url", "etag", "last_modified", "published")}:
            folder.write_meta(file_name, new_meta)
        return "not_modified"
    folder.write(file_name, reply.body)  # page first: a crash before the sidecar only costs a re-fetch
    folder.write_meta(file_name, new_meta)
    return "updated" if meta else "new"
