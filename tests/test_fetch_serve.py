"""The schedule inside a real `searchsvc serve` follows a press site on loopback: a release
published on the site is searchable, linking to its original page, after the next tick."""

from __future__ import annotations

import time

import pytest

from .presssite import NEW_TITLE, PressSite
from .procs import get_json, running_server, search_url

pytestmark = pytest.mark.server


def _wait_for(predicate, timeout: float = 60, every: float = 0.3):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if (value := predicate()):
            return value
        time.sleep(every)
    return None


def test_new_release_is_searchable_after_the_next_tick(tmp_path):
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    corpus.mkdir()
    with PressSite() as site:
        # Only well-behaved pages here: the server runs with production timeouts.
        site.feed_items = [item for item in site.feed_items if item[0] in (
            "/tin-tuc/hoi-nghi-xuc-tien-dau-tu.html", "/tin-tuc/thong-bao-lich-tiep-dan.html")]
        site.refresh_feed()
        sources = tmp_path / "sources.toml"
        sources.write_text(f'''[[sources]]
name = "caobang"
display_name = "Cổng Thông tin điện tử tỉnh Cao Bằng"
feed = "{site.url('/rss.xml')}"
include = "/tin-tuc/"
delay_seconds = 0
''', encoding="utf-8")
        with running_server("--corpus", str(corpus), "--index", str(index), "--workers", "1",
                            "--reindex-every", "1s", "--sources", str(sources),
                            env={"SEARCHSVC_REFRESH_INTERVAL": "0.3"}, timeout=120,
                            log=tmp_path / "serve.log") as server:
            base = server.base

            def hits(q):
                status, body = get_json(search_url(base, q))
                assert status == 200, body
                return body["hits"]

            assert _wait_for(lambda: hits("xuc tien dau tu"))
            assert hits("phja oac") == []

            path = "/tin-tuc/2025/12/vuon-quoc-gia-phja-oac-phja-den.html"
            site.publish(path, NEW_TITLE, [
                "Ngày 3/12/2025, Vườn quốc gia Phja Oắc - Phja Đén của tỉnh Cao Bằng đón nhận quyết định "
                "công nhận là khu dự trữ sinh quyển, nơi bảo tồn nhiều loài lan và động vật quý hiếm.",
            ], date="2025-12-03")
            found = _wait_for(lambda: hits("phja oac"), timeout=60)
            assert found, "the new release never became searchable"
            hit = found[0]
            assert hit["url"] == site.url(path)
            assert hit["source"] == "caobang" and hit["date"] == "2025-12-03"
            assert hit["id"].startswith("caobang/tin-tuc-2025-12-vuon-quoc-gia-phja-oac-phja-den-")

            status, info = get_json(base + "/api/status")
            assert status == 200 and info["last_fetch"]["summary"]["failed"] == 0
            assert info["sources_configured"] == str(sources)
            # Later ticks ask conditionally and get 304s: nothing is downloaded twice.
            assert _wait_for(lambda: (path, 304) in [(p, s) for p, s in site.statuses])
        assert server.proc.returncode is not None
