"""Polite HTTP: robots.txt, a pause per host, retries, same-site redirects, size caps.

One `PoliteClient` serves a whole fetch run (one connection pool, one robots.txt
and one clock per host).  Bodies are read raw and decompressed here, with a
bound on the output of every step, so a gzip bomb costs at most the cap.
"""

from __future__ import annotations

import email.utils
import logging
import time
import zlib
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit
from urllib.robotparser import RobotFileParser

import httpx

from .. import __version__

log = logging.getLogger("searchsvc.fetch")
# httpx logs every request at INFO; the fetch run logs one summary line instead.
logging.getLogger("httpx").setLevel(logging.WARNING)

USER_AGENT = f"searchsvc/{__version__}"
_REDIRECTS = {301, 302, 303, 307, 308}
_DEFAULT_PORTS = {"http": 80, "https": 443}


class FetchError(Exception):
    """A request that produced nothing usable; `reason` is what the summary shows."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class FetchOptions:
    user_agent: str = USER_AGENT
    timeout: float = 20.0  # seconds for connect, and between bytes while reading
    max_body_bytes: int = 5 * 1024 * 1024  # as sent on the wire
    max_decoded_bytes: int = 20 * 1024 * 1024  # after gzip/deflate; the indexer skips larger files anyway
    attempts: int = 3  # per request, for 5xx, 429, timeouts and connection errors
    backoff: float = 2.0  # seconds before the 2nd attempt, doubled after
    max_retry_after: float = 120.0  # a longer Retry-After gives up for this run
    max_redirects: int = 5
    max_crawl_delay: float = 60.0  # robots.txt Crawl-delay is honoured up to this


@dataclass
class Reply:
    status: int
    url: str  # after redirects
    headers: httpx.Headers
    body: bytes = b""


def site_key(url: str) -> tuple[str, int | None]:
    """Two URLs are the same site when host (without `www.`) and port agree; http->https is allowed.

    >>> site_key("https://www.caobang.gov.vn/a") == site_key("http://caobang.gov.vn:80/b")
    True
    """
    parts = urlsplit(url)
    host = (parts.hostname or "").lower().removeprefix("www.")
    port = parts.port if parts.port not in (None, _DEFAULT_PORTS.get(parts.scheme)) else None
    return host, port


def _retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header: delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


@dataclass
class _Host:
    last_request: float = -1e9
    robots: RobotFileParser | None = None
    robots_delay: float = 0.0


@dataclass
class PoliteClient:
    options: FetchOptions = field(default_factory=FetchOptions)
    requests: int = 0

    def __post_init__(self) -> None:
        # Redirects are followed by hand (only within the site); no cookies kept; no proxies from the environment.
        self._http = httpx.Client(
            follow_redirects=False, timeout=self.options.timeout, trust_env=False,
            headers={"User-Agent": self.options.user_agent, "Accept-Encoding": "gzip, deflate"},
        )
        self._hosts: dict[str, _Host] = {}

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> PoliteClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # --- politeness ---------------------------------------------------------------------

    def _host(self, url: str) -> _Host:
        parts = urlsplit(url)
        return self._hosts.setdefault(f"{parts.scheme}://{parts.netloc}", _Host())

    def _pause(self, url: str, delay: float) -> None:
        host = self._host(url)
        wait = host.last_request + max(delay, host.robots_delay) - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        host.last_request = time.monotonic()

    def allowed(self, url: str, delay: float) -> bool:
        """What robots.txt says for our user agent (fetched once per host per run)."""
        host = self._host(url)
        if host.robots is None:
            host.robots = self._load_robots(url, delay)
            crawl_delay = host.robots.crawl_delay(self.options.user_agent)
            if crawl_delay:
                host.robots_delay = min(float(crawl_delay), self.options.max_crawl_delay)
        return host.robots.can_fetch(self.options.user_agent, url)

    def _load_robots(self, url: str, delay: float) -> RobotFileParser:
        robots_url = urljoin(url, "/robots.txt")
        parser = RobotFileParser(robots_url)
        try:
            reply = self.get(robots_url, delay=delay, cap=512 * 1024)
        except FetchError as exc:
            # RFC 9309: an unreachable robots.txt means "assume everything is disallowed".
            log.warning("robots.txt %s: %s; not fetching from this host this run", robots_url, exc.reason)
            parser.disallow_all = True
            return parser
        if reply.status == 200:
            parser.parse(reply.body.decode("utf-8", "replace").splitlines())
        elif 400 <= reply.status < 500:
            parser.allow_all = True  # no robots.txt: no restrictions
        else:
            parser.disallow_all = True
        return parser

    # --- requests -----------------------------------------------------------------------

    def get(self, url: str, *, delay: float, headers: dict[str, str] | None = None,
            cap: int | None = None, types: tuple[str, ...] = ()) -> Reply:
        """GET with retries on 5xx/429/timeouts; returns the final reply (any status but 5xx/429).

        With `types`, a 200 of another Content-Type is returned without its body (a PDF is not downloaded).

        Raises FetchError when every attempt failed, a redirect leaves the site, or a body is too big.
        """
        opts = self.options
        problem = ""
        for attempt in range(opts.attempts):
            wait = opts.backoff * 2 ** attempt
            try:
                reply = self._follow(url, delay, headers or {}, cap, types)
            except (httpx.TimeoutException, httpx.TransportError) as exc:
                problem = "timed out" if isinstance(exc, httpx.TimeoutException) else f"connection failed ({exc})"
            else:
                if reply.status != 429 and reply.status < 500:
                    return reply
                problem = f"HTTP {reply.status}"
                asked = _retry_after(reply.headers.get("retry-after"))
                if asked is not None:
                    if asked > opts.max_retry_after:
                        raise FetchError(f"{problem}, Retry-After {asked:.0f} s is over {opts.max_retry_after:.0f} s")
                    wait = max(asked, 0.0)
            if attempt + 1 < opts.attempts:
                log.debug("%s: %s; retry in %.1f s", url, problem, wait)
                time.sleep(wait)
        raise FetchError(f"{problem} after {opts.attempts} attempts")

    def _follow(self, url: str, delay: float, headers: dict[str, str], cap: int | None,
                types: tuple[str, ...]) -> Reply:
        origin = site_key(url)
        for _ in range(self.options.max_redirects + 1):
            self._pause(url, delay)
            self.requests += 1
            with self._http.stream("GET", url, headers=headers) as resp:
                location = resp.headers.get("location")
                if resp.status_code in _REDIRECTS and location:
                    target = urljoin(url, location)
                    if urlsplit(target).scheme not in ("http", "https") or site_key(target) != origin:
                        raise FetchError(f"redirect to another site refused ({target})")
                    robots = self._host(target).robots  # None while robots.txt itself is being fetched
                    if robots is not None and not robots.can_fetch(self.options.user_agent, target):
                        raise FetchError(f"redirected to a page robots.txt disallows ({target})")
                    url = target
                    continue
                wanted = not types or media_type(resp.headers.get("content-type", "")) in types
                body = self._read(resp, cap) if resp.status_code == 200 and wanted else b""
                return Reply(resp.status_code, url, resp.headers, body)
        raise FetchError(f"more than {self.options.max_redirects} redirects")

    def _read(self, resp: httpx.Response, cap: int | None) -> bytes:
        raw_cap = self.options.max_body_bytes
        out_cap = min(cap or self.options.max_decoded_bytes, self.options.max_decoded_bytes)
        declared = resp.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > raw_cap:
            raise FetchError(f"too large ({declared} bytes > {raw_cap})")
        encoding = resp.headers.get("content-encoding", "identity").strip().lower()
        inflater = _inflater(encoding)
        out = bytearray()
        received = 0
        # The timeout bounds each read; this bounds the whole body against a server that drips bytes.
        deadline = time.monotonic() + 4 * self.options.timeout
        for chunk in resp.iter_raw():
            if time.monotonic() > deadline:
                raise FetchError("timed out reading the body")
            received += len(chunk)
            if received > raw_cap:
                raise FetchError(f"too large (more than {raw_cap} bytes)")
            out += _bounded(inflater, chunk, out_cap - len(out)) if inflater else chunk
            if len(out) > out_cap:
                raise FetchError(f"too large once decompressed (more than {out_cap} bytes)")
        return bytes(out)


def media_type(content_type: str) -> str:
    """'text/html; charset=utf-8' -> 'text/html' (a missing header is taken as HTML)."""
    return content_type.split(";")[0].strip().lower() or "text/html"


def _inflater(encoding: str):
    if encoding in ("identity", ""):
        return None
    if encoding in ("gzip", "x-gzip"):
        return zlib.decompressobj(16 + zlib.MAX_WBITS)
    if encoding == "deflate":
        return zlib.decompressobj()
    raise FetchError(f"unsupported Content-Encoding {encoding!r}")


def _bounded(inflater, chunk: bytes, room: int) -> bytes:
    """Decompress `chunk` but never produce more than room+1 bytes (enough to detect overflow)."""
    out = bytearray()
    data = chunk
    try:
        while True:
            out += inflater.decompress(data, room + 1 - len(out))
            data = inflater.unconsumed_tail
            if len(out) > room or not data:
                break
    except zlib.error as exc:
        raise FetchError(f"corrupt compressed body ({exc})") from None
    return bytes(out)


def inflate_capped(data: bytes, cap: int) -> bytes:
    """A gzip file's content (a `.xml.gz` sitemap), refusing more than `cap` bytes."""
    out = _bounded(zlib.decompressobj(16 + zlib.MAX_WBITS), data, cap)
    if len(out) > cap:
        raise FetchError(f"too large once decompressed (more than {cap} bytes)")
    return out
