"""A provincial press portal on loopback, for the fetch tests: feeds, sitemaps, articles
(UTF-8 and windows-1258), and the ways real sites misbehave (moves, 410, slowness, 5xx,
429, robots.txt, XML and gzip bombs, oversized pages, redirects to other sites).

    with PressSite() as site:   # serves http://127.0.0.1:<free port>/ from a thread
        site.url("/rss.xml"); site.requests  # [(path, headers, time), ...]
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import threading
import time
import unicodedata
from dataclasses import dataclass
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from xml.sax.saxutils import escape

SITE_NAME = "Cổng Thông tin điện tử tỉnh Cao Bằng"


def article(title: str, paragraphs: list[str], date: str | None = None, charset: str = "utf-8") -> str:
    meta = f'<meta property="article:published_time" content="{date}">' if date else ""
    body = "\n".join(f"<p>{p}</p>" for p in paragraphs)
    return f"""<!DOCTYPE html>
<html lang="vi"><head><meta charset="{charset}"><title>{title} - {SITE_NAME}</title>
<meta property="og:site_name" content="{SITE_NAME}">{meta}</head>
<body><header><nav><a href="/">Trang chủ</a> | <a href="/tin-tuc/">Tin tức</a> | <a href="/thong-cao/">Thông cáo báo chí</a></nav></header>
<main><article><h1>{title}</h1>
{body}
</article></main>
<footer>Bản quyền thuộc {SITE_NAME}. Địa chỉ: số 011 Hoàng Đình Giong, phường Thục Phán, tỉnh Cao Bằng.</footer>
</body></html>"""


_TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}


def to_cp1258(text: str) -> bytes:
    """Windows-1258 as Vietnamese offices wrote it: precomposed vowels, tone marks combining."""
    out = []
    for ch in text:
        parts = unicodedata.normalize("NFD", ch)
        base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in _TONES))
        out.append(base + "".join(c for c in parts if c in _TONES))
    return "".join(out).encode("cp1258")


@dataclass
class Page:
    body: bytes
    content_type: str = "text/html; charset=utf-8"
    status: int = 200
    location: str | None = None  # for redirects
    delay: float = 0.0  # seconds before answering
    fail_first: int = 0  # answer `fail_status` this many times first
    fail_status: int = 500
    retry_after: str | None = None
    gzip: bool = False  # body is already gzip-compressed
    last_modified: str | None = None
    no_length: bool = False  # stream without Content-Length, then close

    @property
    def etag(self) -> str:
        return '"' + hashlib.sha1(self.body).hexdigest()[:16] + '"'


UTF8_TITLE = "Hội nghị xúc tiến đầu tư tỉnh Cao Bằng năm 2025"
CP1258_TITLE = "Thông báo lịch tiếp công dân định kỳ tháng 12 năm 2025"
NEW_TITLE = "Vườn quốc gia Phja Oắc - Phja Đén đón nhận danh hiệu khu dự trữ sinh quyển"


class PressSite:
    def __init__(self, other_site: str = "http://127.0.0.1:9") -> None:
        self.pages: dict[str, Page] = {}
        self.feed_items: list[tuple[str, str, str]] = []  # (path, title, RFC 822 date), newest first
        self.requests: list[tuple[str, dict[str, str], float]] = []  # (path, headers, monotonic time)
        self.statuses: list[tuple[str, int]] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        self._server.site = self  # type: ignore[attr-defined]
        self.base = f"http://127.0.0.1:{self._server.server_address[1]}"
        # A short poll interval: shutdown() waits up to one interval (0.5 s by default),
        # twice per fetch test (the site and the other site).
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)
        self.build(other_site)

    def url(self, path: str) -> str:
        return self.base + path

    def __enter__(self) -> PressSite:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()

    def hits(self, path: str) -> int:
        return sum(1 for p, _, _ in self.requests if p == path)

    # --- content --------------------------------------------------------------------------

    def html(self, path: str, text: str, **kw) -> None:
        self.pages[path] = Page(text.encode("utf-8"), **kw)

    def build(self, other_site: str = "http://127.0.0.1:9") -> None:
        self.pages["/robots.txt"] = Page(
            b"User-agent: *\nDisallow: /noi-bo/\n\nUser-agent: BadBot\nDisallow: /\n", "text/plain")
        self.html("/tin-tuc/hoi-nghi-xuc-tien-dau-tu.html", article(UTF8_TITLE, [
            "Sáng ngày 20/11/2025, Ủy ban nhân dân tỉnh Cao Bằng tổ chức Hội nghị xúc tiến đầu tư năm 2025 "
            "với sự tham dự của hơn 200 doanh nghiệp trong và ngoài nước.",
            "Tại hội nghị, tỉnh đã trao quyết định chủ trương đầu tư cho 12 dự án với tổng vốn đăng ký "
            "hơn 8.000 tỷ đồng, tập trung vào nông nghiệp công nghệ cao, du lịch và cửa khẩu Trà Lĩnh.",
        ], date="2025-11-20T08:30:00+07:00"), last_modified=formatdate(1763600000, usegmt=True))
        self.pages["/tin-tuc/thong-bao-lich-tiep-dan.html"] = Page(to_cp1258(article(CP1258_TITLE, [
            "Cao Bằng, ngày 28 tháng 11 năm 2025",
            "Thực hiện Luật Tiếp công dân, Chủ tịch Ủy ban nhân dân tỉnh thông báo lịch tiếp công dân "
            "định kỳ tháng 12 năm 2025 tại Trụ sở tiếp công dân tỉnh.",
            "Công dân đến liên hệ cần mang theo giấy tờ tùy thân và các tài liệu liên quan đến nội dung "
            "khiếu nại, tố cáo, kiến nghị, phản ánh.",
        ], charset="windows-1258")), "text/html; charset=windows-1258")
        self.pages["/tin-tuc/bai-cu.html"] = Page(b"", status=301, location="/tin-tuc/2025/khanh-thanh-cau.html")
        self.html("/tin-tuc/2025/khanh-thanh-cau.html", article(
            "Khánh thành cầu Bản Giốc nối đôi bờ sông Quây Sơn", [
                "Ngày 15/11/2025, tỉnh Cao Bằng khánh thành cầu Bản Giốc bắc qua sông Quây Sơn, "
                "rút ngắn đường đến khu du lịch thác Bản Giốc cho bà con xã Đàm Thủy."],
            date="2025-11-15"))
        self.pages["/tin-tuc/da-go-bo.html"] = Page(b"<h1>410 Gone</h1>", status=410)
        self.html("/tin-tuc/trang-cham.html", article("Trang phản hồi chậm", ["Nội dung không kịp tải."]),
                  delay=3.0)
        self.html("/tin-tuc/tiem-chung-vac-xin.html", article(
            "Triển khai tiêm vắc xin sởi cho trẻ em vùng cao", [
                "Sở Y tế tỉnh Cao Bằng triển khai chiến dịch tiêm vắc xin phòng bệnh sởi cho trẻ em "
                "từ 1 đến 10 tuổi tại các xã vùng cao biên giới."], date="2025-11-10"), fail_first=1)
        self.html("/tin-tuc/phong-trao-thi-dua.html", article(
            "Phát động phong trào thi đua chào mừng Đại hội Đảng bộ tỉnh", [
                "Ban Thường vụ Tỉnh ủy phát động đợt thi đua cao điểm lập thành tích chào mừng "
                "Đại hội đại biểu Đảng bộ tỉnh lần thứ XX."], date="2025-11-05"),
                  fail_first=1, fail_status=429, retry_after="1")
        self.html("/tin-tuc/khong-ghi-ngay.html", article(
            "Cao Bằng đón hơn một triệu lượt khách du lịch", [
                "Trong mười tháng đầu năm, tỉnh đón hơn một triệu lượt khách đến tham quan "
                "công viên địa chất toàn cầu UNESCO Non nước Cao Bằng."]))
        self.html("/noi-bo/bao-cao-mat.html", article("Báo cáo nội bộ", ["Không công bố."]))
        self.pages["/tin-tuc/trang-nen.html"] = Page(_gzip_bomb(), gzip=True)
        self.pages["/tin-tuc/trang-qua-lon.html"] = Page(
            article("Trang quá lớn", ["Đoạn văn lặp lại. " * 20000]).encode("utf-8"), no_length=True)
        self.pages["/tin-tuc/chuyen-vao-noi-bo.html"] = Page(b"", status=302, location="/noi-bo/bao-cao-mat.html")
        self.pages["/tin-tuc/chuyen-sang-trang-khac.html"] = Page(
            b"", status=301, location=other_site + "/tin-tuc/bai-viet.html")
        self.feed_items = [
            ("/tin-tuc/hoi-nghi-xuc-tien-dau-tu.html", UTF8_TITLE, "Fri, 21 Nov 2025 08:30:00 +0700"),
            ("/tin-tuc/thong-bao-lich-tiep-dan.html", CP1258_TITLE, "Fri, 28 Nov 2025 09:00:00 +0700"),
            ("/tin-tuc/bai-cu.html", "Khánh thành cầu Bản Giốc", "Sat, 15 Nov 2025 10:00:00 +0700"),
            ("/tin-tuc/da-go-bo.html", "Tin đã gỡ bỏ", "Fri, 14 Nov 2025 10:00:00 +0700"),
            ("/tin-tuc/trang-cham.html", "Trang chậm", "Thu, 13 Nov 2025 10:00:00 +0700"),
            ("/tin-tuc/tiem-chung-vac-xin.html", "Tiêm vắc xin sởi", "Mon, 10 Nov 2025 10:00:00 +0700"),
            ("/tin-tuc/phong-trao-thi-dua.html", "Phong trào thi đua", "Wed, 05 Nov 2025 10:00:00 +0700"),
            ("/tin-tuc/khong-ghi-ngay.html", "Đón hơn một triệu lượt khách", "Mon, 03 Nov 2025 10:00:00 +0700"),
            ("/noi-bo/bao-cao-mat.html", "Báo cáo nội bộ", "Sun, 02 Nov 2025 10:00:00 +0700"),
            ("/tin-tuc/trang-nen.html", "Trang nén", "Sat, 01 Nov 2025 10:00:00 +0700"),
            ("/tin-tuc/trang-qua-lon.html", "Trang quá lớn", "Fri, 31 Oct 2025 10:00:00 +0700"),
            ("/tin-tuc/chuyen-sang-trang-khac.html", "Chuyển trang", "Thu, 30 Oct 2025 10:00:00 +0700"),
            ("/tin-tuc/chuyen-vao-noi-bo.html", "Chuyển vào nội bộ", "Thu, 30 Oct 2025 09:00:00 +0700"),
            (other_site + "/tin-tuc/lien-ket-ngoai.html", "Liên kết ngoài", "Wed, 29 Oct 2025 10:00:00 +0700"),
        ]
        self.refresh_feed()
        self.html("/thong-cao/ket-qua-ky-hop-hdnd.html", article(
            "Thông cáo báo chí kết quả Kỳ họp thứ 25 Hội đồng nhân dân tỉnh khóa XVII", [
                "Kỳ họp thứ 25 Hội đồng nhân dân tỉnh Cao Bằng khóa XVII đã thông qua 18 nghị quyết "
                "quan trọng về phát triển kinh tế - xã hội."], date="2025-12-02"))
        self.html("/thong-cao/thien-tai-bao-so-3.html", article(
            "Thông cáo về thiệt hại do bão số 3 gây ra trên địa bàn tỉnh", [
                "Mưa lớn do hoàn lưu bão số 3 làm sạt lở nhiều tuyến đường, Ban Chỉ huy phòng chống "
                "thiên tai tỉnh đã di dời 320 hộ dân đến nơi an toàn."], date="2025-09-08"))
        atom_entries = "".join(f"""<entry><title>{escape(t)}</title><link href="{escape(self.url(p))}"/>
<id>{escape(self.url(p))}</id><updated>{d}</updated></entry>""" for p, t, d in [
            ("/thong-cao/ket-qua-ky-hop-hdnd.html", "Kết quả Kỳ họp thứ 25", "2025-12-02T10:00:00+07:00"),
            ("/thong-cao/thien-tai-bao-so-3.html", "Thiệt hại do bão số 3", "2025-09-08T16:00:00+07:00")])
        self.pages["/atom.xml"] = Page(f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Thông cáo báo chí - {SITE_NAME}</title>
<id>{self.url('/atom.xml')}</id><updated>2025-12-02T10:00:00+07:00</updated>{atom_entries}</feed>""".encode(),
            "application/atom+xml")
        self.pages["/sitemap.xml"] = Page(f"""<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<sitemap><loc>{self.url('/sitemap-tin-tuc.xml')}</loc></sitemap>
<sitemap><loc>{self.url('/sitemap-thong-cao.xml')}</loc></sitemap>
</sitemapindex>""".encode(), "application/xml")
        self.pages["/sitemap-tin-tuc.xml"] = _urlset(self, [
            ("/tin-tuc/hoi-nghi-xuc-tien-dau-tu.html", "2025-11-20"),
            ("/tin-tuc/thong-bao-lich-tiep-dan.html", "2025-11-28"), ("/", "2025-12-03")])
        self.pages["/sitemap-thong-cao.xml"] = _urlset(self, [
            ("/thong-cao/ket-qua-ky-hop-hdnd.html", "2025-12-02"), ("/thong-cao/thien-tai-bao-so-3.html", "2025-09-08")])
        self.pages["/bomb.xml"] = Page(b"""<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY a "hahahahahahahahahaha"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
<!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;"><!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">
<!ENTITY g "&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;"><!ENTITY h "&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;">]>
<rss version="2.0"><channel><title>&h;</title><item><title>&h;</title>
<link>/tin-tuc/hoi-nghi-xuc-tien-dau-tu.html</link></item></channel></rss>""", "application/rss+xml")
        self.html("/trang-chu.html", article("Trang chủ", ["Đây là trang HTML, không phải RSS."]))

    def refresh_feed(self) -> None:
        items = "".join(f"""<item><title>{escape(t)}</title><link>{escape(p if p.startswith('http') else self.url(p))}</link>
<pubDate>{d}</pubDate><description>{escape(t)}</description></item>""" for p, t, d in self.feed_items)
        self.pages["/rss.xml"] = Page(f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Tin tức - {SITE_NAME}</title><link>{self.url('/')}</link>
<description>Tin tức, sự kiện tỉnh Cao Bằng</description><language>vi</language>{items}</channel></rss>""".encode(),
            "application/rss+xml; charset=utf-8")

    def publish(self, path: str, title: str, paragraphs: list[str], date: str) -> None:
        """A new release: the page goes up and to the top of the RSS feed."""
        with self._lock:
            self.html(path, article(title, paragraphs, date=date))
            self.feed_items.insert(0, (path, title, "Thu, 04 Dec 2025 08:00:00 +0700"))
            self.refresh_feed()


@functools.cache
def _gzip_bomb() -> bytes:
    """30 MB of HTML in about 30 kB of gzip."""
    return gzip.compress(b"<p>" + b"a" * (30 * 1024 * 1024) + b"</p>", compresslevel=9)


def _urlset(site: PressSite, entries: list[tuple[str, str]]) -> Page:
    urls = "".join(f"<url><loc>{site.url(p)}</loc><lastmod>{d}</lastmod></url>" for p, d in entries)
    return Page(f"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>""".encode(), "application/xml")


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:  # quiet
        pass

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        site: PressSite = self.server.site  # type: ignore[attr-defined]
        path = self.path.split("?", 1)[0]
        with site._lock:
            site.requests.append((path, dict(self.headers.items()), time.monotonic()))
            page = site.pages.get(path)
            failing = page is not None and page.fail_first > 0
            if failing:
                page.fail_first -= 1
        if page is None:
            return self._send(404, b"<h1>404</h1>", "text/html")
        if page.delay:
            time.sleep(page.delay)
        if failing:
            return self._send(page.fail_status, b"<h1>Server busy</h1>", "text/html",
                              {"Retry-After": page.retry_after} if page.retry_after else {})
        if page.location:
            return self._send(page.status, b"", "text/html", {"Location": page.location})
        if page.status != 200:
            return self._send(page.status, page.body, "text/html")
        headers = {"ETag": page.etag}
        if page.last_modified:
            headers["Last-Modified"] = page.last_modified
        if self.headers.get("If-None-Match") == page.etag or (
                page.last_modified and self.headers.get("If-Modified-Since") == page.last_modified
                and not self.headers.get("If-None-Match")):
            return self._send(304, b"", None, headers)
        if page.gzip:
            headers["Content-Encoding"] = "gzip"
        if page.no_length:
            self.send_response(200)
            self.send_header("Content-Type", page.content_type)
            self.send_header("Connection", "close")
            self.end_headers()
            try:
                for i in range(0, len(page.body), 16384):
                    self.wfile.write(page.body[i:i + 16384])
            except (BrokenPipeError, ConnectionResetError):  # the client stopped at its size cap
                pass
            self.close_connection = True
            return
        self._send(200, page.body, page.content_type, headers)

    def _send(self, status: int, body: bytes, content_type: str | None, headers: dict | None = None) -> None:
        site: PressSite = self.server.site  # type: ignore[attr-defined]
        site.statuses.append((self.path, status))
        self.send_response(status)
        if content_type:
            self.send_header("Content-Type", content_type)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        if status != 304:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if status != 304:
            try:
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeouts, size caps)
                pass
