"""`searchsvc fetch` against a real press site on loopback (tests/presssite.py): discovery,
politeness, conditional GET, failures that keep what was there, and indexing the result."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import os
import re
import subprocess
import time
from pathlib import Path

import pytest

from searchsvc import __version__
from searchsvc.fetch import FetchOptions, Source, run_fetch
from searchsvc.fetch.run import fetch_lock
from searchsvc.ingest import read_document
from searchsvc.search import SearchRequest
from tests.conftest import index_corpus, open_search

from .presssite import CP1258_TITLE, UTF8_TITLE, Page, PressSite, article, to_cp1258
from .procs import searchsvc

# Short timeouts and caps so the slow page and the bombs cost a second, not minutes.
OPTIONS = FetchOptions(timeout=0.5, backoff=0.05, max_body_bytes=200_000, max_decoded_bytes=1_000_000)


@pytest.fixture
def other():
    """Another website: nothing may ever be requested from it."""
    with PressSite() as site:
        yield site


@pytest.fixture
def site(other):
    with PressSite(other_site=other.base) as site:
        yield site


@pytest.fixture
def corpus(tmp_path) -> Path:
    path = tmp_path / "corpus"
    path.mkdir()
    return path


def rss(site, **kw) -> Source:
    return Source("caobang", "Cổng TTĐT tỉnh Cao Bằng", feed=site.url("/rss.xml"), delay_seconds=0, **kw)


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in folder.iterdir()}


def sidecar(folder: Path, url: str) -> dict:
    for path in folder.glob(".*.html.json"):
        meta = json.loads(path.read_text(encoding="utf-8"))
        if meta["requested_url"] == url:
            return meta
    raise AssertionError(f"no sidecar for {url}")


@pytest.mark.slow
def test_first_run_fetches_new_pages_and_survives_every_misbehaviour(site, other, corpus):
    summary = run_fetch([rss(site)], corpus, options=OPTIONS)

    assert (summary.new, summary.updated, summary.not_modified, summary.gone, summary.failed,
            summary.robots) == (6, 0, 0, 1, 5, 1), summary.failures
    assert summary.line().startswith(
        "new 6, updated 0, not modified 0, gone 1, failed 5, skipped by robots.txt 1; 1 sources")
    reasons = dict(summary.failures)
    assert reasons[site.url("/tin-tuc/trang-cham.html")] == "timed out after 3 attempts"
    assert "once decompressed" in reasons[site.url("/tin-tuc/trang-nen.html")]  # gzip bomb
    assert reasons[site.url("/tin-tuc/trang-qua-lon.html")].startswith("too large")
    assert "another site refused" in reasons[site.url("/tin-tuc/chuyen-sang-trang-khac.html")]
    assert "robots.txt disallows" in reasons[site.url("/tin-tuc/chuyen-vao-noi-bo.html")]
    assert summary.broken == [("caobang", "1 links to other sites ignored")]

    folder = corpus / "caobang"
    pages = sorted(p.name for p in folder.glob("*.html"))
    assert len(pages) == 6 and all(name.startswith("tin-tuc-") for name in pages)
    assert not list(corpus.rglob("*noi-bo*")) and not list(corpus.rglob("*trang-nen*"))
    # Polite: our user agent everywhere, robots.txt once, the disallowed folder never asked for,
    # the 500 and the 429 retried once each, the 429's Retry-After (1 s) honoured.
    assert {h["User-Agent"] for _, h, _ in site.requests} == {f"searchsvc/{__version__}"}
    assert site.hits("/robots.txt") == 1 and site.hits("/noi-bo/bao-cao-mat.html") == 0
    assert site.hits("/tin-tuc/tiem-chung-vac-xin.html") == 2
    times = [t for p, _, t in site.requests if p == "/tin-tuc/phong-trao-thi-dua.html"]
    assert len(times) == 2 and times[1] - times[0] >= 0.95
    assert site.hits("/tin-tuc/trang-cham.html") == 3
    assert other.requests == []  # neither the foreign link nor the foreign redirect was followed
    # The moved page is stored under the URL the feed gave, linking to where it now lives.
    moved = sidecar(folder, site.url("/tin-tuc/bai-cu.html"))
    assert moved["url"] == site.url("/tin-tuc/2025/khanh-thanh-cau.html")
    assert (corpus / ".searchsvc-fetch.json").is_file()


@pytest.mark.slow
def test_pages_become_documents_with_their_url_and_own_date(site, corpus, tmp_path):
    run_fetch([rss(site)], corpus, options=OPTIONS)
    folder = corpus / "caobang"
    legacy = sidecar(folder, site.url("/tin-tuc/thong-bao-lich-tiep-dan.html"))
    doc = read_document(corpus, folder / legacy["file"])
    assert doc.title == CP1258_TITLE and doc.encoding.startswith("cp1258")
    assert "Trụ sở tiếp công dân tỉnh" in doc.body
    assert doc.url == site.url("/tin-tuc/thong-bao-lich-tiep-dan.html") and doc.source == "caobang"

    summary = index_corpus(corpus, tmp_path / "index")
    assert (summary.added, summary.skipped) == (6, 0), summary.skipped_files
    engine = open_search(tmp_path / "index")
    try:
        def top(q):
            hits = engine.search(SearchRequest(q=q)).hits
            assert hits, q
            return hits[0]

        hit = top("xuc tien dau tu")  # the page says 20/11; the feed says 21/11: the page wins
        assert (hit.url, hit.date, hit.source) == (
            site.url("/tin-tuc/hoi-nghi-xuc-tien-dau-tu.html"), dt.date(2025, 11, 20), "caobang")
        assert top("tiếp công dân").date == dt.date(2025, 11, 28)  # windows-1258 page, its dateline
        assert top("cầu Bản Giốc").url == site.url("/tin-tuc/2025/khanh-thanh-cau.html")
        assert top("mot trieu luot khach").date == dt.date(2025, 11, 3)  # no date on the page: the feed's
    finally:
        engine.close()


@pytest.mark.slow
def test_second_run_is_all_304s_and_rewrites_nothing(site, corpus):
    run_fetch([rss(site)], corpus, options=OPTIONS)
    folder = corpus / "caobang"
    before = snapshot(folder)
    site.requests.clear()
    site.statuses.clear()

    again = run_fetch([rss(site)], corpus, options=OPTIONS)
    assert (again.new, again.updated, again.not_modified, again.gone, again.failed, again.robots) == (
        0, 0, 6, 1, 5, 1)
    assert snapshot(folder) == before  # same bytes, same mtimes, sidecars included
    assert sorted(p for p, status in site.statuses if status == 304) == sorted(
        p for p, h, _ in site.requests if "If-None-Match" in h and p != "/tin-tuc/bai-cu.html")
    assert len([s for _, s in site.statuses if s == 304]) == 6  # the moved page: 301, then 304

    # One page changes: only it (and its sidecar) is rewritten.
    path = "/tin-tuc/thong-bao-lich-tiep-dan.html"
    site.pages[path].body = to_cp1258(article(CP1258_TITLE, [
        "Cao Bằng, ngày 29 tháng 11 năm 2025", "Lịch tiếp công dân được điều chỉnh sang ngày 15/12/2025."],
        charset="windows-1258"))
    third = run_fetch([rss(site)], corpus, options=OPTIONS)
    assert (third.updated, third.not_modified) == (1, 5)
    after = snapshot(folder)
    meta = sidecar(folder, site.url(path))
    changed = {name for name in after if after[name] != before.get(name)}
    assert changed == {meta["file"], f".{meta['file']}.json"}
    assert to_cp1258("điều chỉnh") not in before[meta["file"]][0]
    assert to_cp1258("điều chỉnh") in after[meta["file"]][0]


@pytest.mark.slow
def test_failed_page_keeps_its_copy_and_gone_page_is_deleted_when_asked(site, corpus):
    run_fetch([rss(site)], corpus, options=OPTIONS)
    folder = corpus / "caobang"
    utf8 = sidecar(folder, site.url("/tin-tuc/hoi-nghi-xuc-tien-dau-tu.html"))
    moved = sidecar(folder, site.url("/tin-tuc/bai-cu.html"))
    kept = (folder / utf8["file"]).read_bytes()
    page = site.pages["/tin-tuc/hoi-nghi-xuc-tien-dau-tu.html"]
    page.body, page.delay = article(UTF8_TITLE, ["Nội dung mới chưa tải được."]).encode(), 3.0
    site.pages["/tin-tuc/2025/khanh-thanh-cau.html"].status = 410

    summary = run_fetch([rss(site, on_gone="delete")], corpus, options=OPTIONS)
    assert (folder / utf8["file"]).read_bytes() == kept
    assert summary.gone == 2 and summary.failed == 6
    assert not (folder / moved["file"]).exists() and not (folder / f".{moved['file']}.json").exists()

    site.pages["/tin-tuc/2025/khanh-thanh-cau.html"].status = 200
    site.pages["/tin-tuc/da-go-bo.html"].status = 404
    kept_run = run_fetch([rss(site)], corpus, options=OPTIONS)  # on_gone = "keep" (default)
    assert kept_run.new == 1 and (folder / moved["file"]).exists()


def test_atom_feed_and_sitemap_index(site, corpus):
    sources = [
        Source("thongcao", "Thông cáo báo chí", feed=site.url("/atom.xml"), delay_seconds=0),
        Source("sodo", "Sơ đồ trang", sitemap=site.url("/sitemap.xml"), delay_seconds=0,
               include=re.compile(r"/(tin-tuc|thong-cao)/")),
    ]
    summary = run_fetch(sources, corpus, options=OPTIONS)
    assert (summary.new, summary.failed, summary.broken) == (6, 0, [])
    assert site.hits("/sitemap-tin-tuc.xml") == 1 and site.hits("/sitemap-thong-cao.xml") == 1
    assert site.hits("/") == 0  # listed in the sitemap, excluded by `include`
    assert len(list((corpus / "thongcao").glob("*.html"))) == 2
    assert len(list((corpus / "sodo").glob("*.html"))) == 4
    meta = sidecar(corpus / "sodo", site.url("/thong-cao/thien-tai-bao-so-3.html"))
    assert meta["published"] == "2025-09-08"  # the sitemap's lastmod


def test_broken_feeds_and_sitemaps_are_reported_not_fatal(site, corpus):
    site.html("/sitemap-hong.xml", "<urlset><url><loc>khong dong the")
    site.pages["/sitemap-hong.xml"].content_type = "application/xml"
    sources = [
        Source("bom", "XML bomb", feed=site.url("/bomb.xml"), delay_seconds=0),
        Source("html", "HTML served as a feed", feed=site.url("/trang-chu.html"), delay_seconds=0),
        Source("mat", "Missing feed", feed=site.url("/khong-co.rss"), delay_seconds=0),
        Source("hong", "Invalid sitemap", sitemap=site.url("/sitemap-hong.xml"), delay_seconds=0),
        Source("thongcao", "Thông cáo báo chí", feed=site.url("/atom.xml"), delay_seconds=0),
    ]
    summary = run_fetch(sources, corpus, options=OPTIONS)
    broken = dict(summary.broken)
    assert "refused" in broken["bom"] and "Entities" in broken["bom"]
    assert "not a readable feed" in broken["html"]
    assert "HTTP 404" in broken["mat"]
    assert "not a readable sitemap" in broken["hong"]
    assert summary.new == 2  # the good source after them still ran
    assert summary.line().endswith("5 sources (4 with problems); " + summary.line().split("problems); ")[1])


def test_per_host_delay_is_kept(site, corpus):
    run_fetch([Source("thongcao", "TC", feed=site.url("/atom.xml"), delay_seconds=0.3)], corpus, options=OPTIONS)
    times = [t for _, _, t in site.requests]
    assert len(times) == 4  # robots.txt, feed, two pages
    assert min(b - a for a, b in zip(times, times[1:])) >= 0.29


def test_nothing_is_written_outside_the_corpus_folder(site, corpus, tmp_path):
    hostile = ["/../../../escape.html", "/%2e%2e/%2e%2e/escape2.html", "/tin-tuc/..%2f..%2f..%2fescape3.html",
               "/.hidden.html", "/tin-tuc/" + "dài-" * 200 + ".html"]
    for path in hostile:
        site.html(path, article("Trang thử đường dẫn", ["Nội dung thử đường dẫn."]))
    site.feed_items = [(p, "Thử", "Mon, 01 Dec 2025 10:00:00 +0700") for p in hostile]
    site.refresh_feed()
    before = {p for p in tmp_path.rglob("*")}
    run_fetch([rss(site)], corpus, options=OPTIONS)
    created = {p for p in tmp_path.rglob("*")} - before
    assert created and all(p.is_relative_to(corpus) for p in created)
    names = [p.name for p in (corpus / "caobang").iterdir()]
    assert all(len(n) < 120 and "/" not in n for n in names)
    assert not any(n.endswith(".html") and n.startswith(".") and not n.startswith(".tmp") for n in names)


def test_source_folder_that_is_a_symlink_is_refused(site, corpus, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    os.symlink(outside, corpus / "caobang")
    summary = run_fetch([rss(site)], corpus, options=OPTIONS)
    assert summary.new == 0 and "symbolic link" in dict(summary.broken)["caobang"]
    assert list(outside.iterdir()) == []


def _sources_file(tmp_path: Path, site: PressSite) -> Path:
    path = tmp_path / "sources.toml"
    path.write_text(f'''
[[sources]]
name = "thongcao"
display_name = "Thông cáo báo chí tỉnh Cao Bằng"
feed = "{site.url('/atom.xml')}"
delay_seconds = 0
''', encoding="utf-8")
    return path


@pytest.mark.slow
def test_cli_fetch_exit_codes_and_status(site, corpus, tmp_path):
    sources = _sources_file(tmp_path, site)
    done = cli("fetch", "--sources", sources, "--corpus", corpus)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1].startswith(
        "new 2, updated 0, not modified 0, gone 0, failed 0, skipped by robots.txt 0; 1 sources; 4 requests")

    status = cli("status", "--corpus", corpus, "--index", tmp_path / "index", "--json")
    assert json.loads(status.stdout)["last_fetch"]["summary"]["new"] == 2
    text = cli("status", "--corpus", corpus, "--index", tmp_path / "index").stdout
    assert "last fetch:" in text and "new 2, updated 0" in text

    missing = cli("fetch", "--sources", tmp_path / "nope.toml", "--corpus", corpus)
    assert missing.returncode == 2 and "does not exist" in missing.stderr
    bad = tmp_path / "bad.toml"
    bad.write_text('[[sources]]\nname = "../x"\nfeed = "file:///etc/passwd"\n', encoding="utf-8")
    invalid = cli("fetch", "--sources", bad, "--corpus", corpus)
    assert invalid.returncode == 2 and "name must be" in invalid.stderr
    with fetch_lock(corpus):
        busy = cli("fetch", "--sources", sources, "--corpus", corpus)
    assert busy.returncode == 3 and "another fetch run" in busy.stderr


def cli(*args) -> subprocess.CompletedProcess:
    proc = searchsvc(*map(str, args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out, err = proc.communicate(timeout=120)
    return subprocess.CompletedProcess(args, proc.returncode, out, err)


def test_sources_file_is_checked(tmp_path):
    from searchsvc.fetch import SourcesError, load_sources

    from .procs import ROOT

    sample = load_sources(ROOT / "sources.example.toml")
    assert [s.name for s in sample] == ["caobang", "bo-ngoai-giao"]
    assert sample[0].feed and sample[1].sitemap and sample[1].on_gone == "delete"
    assert sample[0].wants("https://caobang.gov.vn/tin-tuc/a.html") and not sample[0].wants("https://caobang.gov.vn/")
    bad = {
        'name = "Cao Bang"\nfeed = "https://a.vn/rss"': "name must be",
        'name = "a"': "exactly one of feed or sitemap",
        'name = "a"\nfeed = "https://a.vn/rss"\nsitemap = "https://a.vn/s.xml"': "exactly one",
        'name = "a"\nfeed = "ftp://a.vn/rss"': "http(s) URL",
        'name = "a"\nfeed = "https://a.vn/rss"\ninclude = "(("': "not a valid regex",
        'name = "a"\nfeed = "https://a.vn/rss"\nmax_pages = 0': "max_pages",
        'name = "a"\nfeed = "https://a.vn/rss"\ndelay_seconds = -1': "delay_seconds",
        'name = "a"\nfeed = "https://a.vn/rss"\non_gone = "purge"': "on_gone",
        'name = "a"\nfeed = "https://a.vn/rss"\nfed = "x"': "unknown key",
    }
    for body, message in bad.items():
        path = tmp_path / "s.toml"
        path.write_text("[[sources]]\n" + body + "\n", encoding="utf-8")
        with pytest.raises(SourcesError, match=message.replace("(", r"\(").replace(")", r"\)")):
            load_sources(path)
    path.write_text("[[sources]]\nname = 'a'\nfeed = 'https://a.vn/r'\n[[sources]]\nname = 'a'\n"
                    "feed = 'https://a.vn/r'\n", encoding="utf-8")
    with pytest.raises(SourcesError, match="unique"):
        load_sources(path)


def test_schedule_fetches_then_indexes(site, corpus, tmp_path):
    sources = _sources_file(tmp_path, site)
    done = cli("schedule", "--every", "1s", "--max-runs", "1", "--sources", sources,
               "--corpus", corpus, "--index", tmp_path / "index")
    assert done.returncode == 0, done.stderr
    assert "fetch: new 2, updated 0" in done.stderr and "reindex: added 2" in done.stderr
    engine = open_search(tmp_path / "index")
    try:
        hit = engine.search(SearchRequest(q="ky hop thu 25")).hits[0]
        assert hit.url == site.url("/thong-cao/ket-qua-ky-hop-hdnd.html") and hit.source == "thongcao"
    finally:
        engine.close()


def test_long_retry_after_pdf_and_gzipped_sitemap(site, corpus):
    pdf = Page(b"%PDF-1.7 " + b"x" * 150_000, "application/pdf")
    site.pages["/thong-cao/van-ban.pdf"] = pdf
    site.pages["/sitemap-thong-cao.xml"].body = site.pages["/sitemap-thong-cao.xml"].body.replace(
        b"</urlset>", f"<url><loc>{site.url('/thong-cao/van-ban.pdf')}</loc></url></urlset>".encode())
    page = site.pages["/thong-cao/thien-tai-bao-so-3.html"]
    page.fail_first, page.fail_status, page.retry_after = 5, 429, "3600"
    urlset = site.pages["/sitemap-thong-cao.xml"].body
    site.pages["/sitemap-nen.xml.gz"] = Page(gzip.compress(urlset), "application/gzip")
    started = time.monotonic()
    summary = run_fetch([Source("sodo", "Sơ đồ nén", sitemap=site.url("/sitemap-nen.xml.gz"), delay_seconds=0)],
                        corpus, options=OPTIONS)
    assert time.monotonic() - started < 5  # did not sleep an hour
    assert (summary.new, summary.failed) == (1, 2)
    reasons = dict(summary.failures)
    assert "Retry-After 3600 s is over 120 s" in reasons[site.url("/thong-cao/thien-tai-bao-so-3.html")]
    assert reasons[site.url("/thong-cao/van-ban.pdf")] == "not a page (application/pdf)"
    assert site.hits("/thong-cao/thien-tai-bao-so-3.html") == 1
