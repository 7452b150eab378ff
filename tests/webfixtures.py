"""The web tests' corpus: written here, indexed once per session by the `web_index`
fixture in conftest.py (which also provides `web_app`, `client`, `web_server`).

The corpus is built here rather than read from tests/fixtures/corpus because the web
tests need particular things: ids with sub-folders and Vietnamese letters, a document
whose text contains markup, enough matching documents for two result pages, and
documents spread over several years, sources and categories for the facets.
"""

from __future__ import annotations

import datetime as dt
import html
from pathlib import Path

from searchsvc.open import open_backend
from searchsvc.search.service import SearchService
from searchsvc.settings import load_settings

# Ids of documents the tests look at.
CLIMATE_ID = "thông-cáo/môi-trường/hội-thảo-biến-đổi-khí-hậu.html"
SCRIPT_ID = "canh-bao/lua-dao.txt"
NQ57_ID = "so-khcn/nghi-quyet-57.html"

SCRIPT_TITLE = "Cảnh báo <script>alert('tiêu đề')</script> thủ đoạn lừa đảo"
SCRIPT_BODY = (
    "Công an tỉnh cảnh báo thủ đoạn lừa đảo qua mạng <script>alert('nội dung')</script> "
    "nhắm vào người dân.\n\nKẻ gian gửi đường link <img src=x onerror=alert(2)> giả mạo "
    "cơ quan nhà nước để chiếm đoạt tài khoản."
)

# The indexer takes a document's source from its first folder and its category from
# the second (HTML metadata only fills in for files higher up).
SOURCES = ["thông-cáo", "báo-chí", "web"]
CATEGORIES = ["môi-trường", "khoa-học", "thời-sự"]


def _html_page(title: str, paragraphs: list[str], *, date: dt.date, source: str,
               category: str, url: str) -> str:
    body = "\n".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    return f"""<!DOCTYPE html>
<html lang="vi">
<head>
<meta charset="utf-8">
<title>{html.escape(title)} - {html.escape(source)}</title>
<meta property="og:site_name" content="{html.escape(source)}">
<meta property="og:title" content="{html.escape(title)}">
<meta property="og:url" content="{html.escape(url)}">
<meta property="article:published_time" content="{date.isoformat()}T08:00:00+07:00">
<meta property="article:section" content="{html.escape(category)}">
<link rel="canonical" href="{html.escape(url)}">
</head>
<body>
<article>
<h1>{html.escape(title)}</h1>
{body}
</article>
</body>
</html>
"""


def write_web_corpus(root: Path) -> Path:
    """Write the web test corpus under `root` and return it."""
    files: dict[str, str] = {
        CLIMATE_ID: _html_page(
            "Hội thảo về biến đổi khí hậu tại Cao Bằng",
            [
                "Ngày 10/5/2024, Sở Tài nguyên và Môi trường tỉnh Cao Bằng tổ chức hội thảo "
                "về ứng phó với biến đổi khí hậu và bảo vệ môi trường.",
                "Các chuyên gia đánh giá tác động của biến đổi khí hậu tới nông nghiệp, "
                "nguồn nước và đời sống của người dân vùng cao.",
                "Hội thảo thống nhất đẩy mạnh chuyển đổi xanh, trồng rừng và tuyên truyền "
                "nâng cao nhận thức cộng đồng.",
            ],
            date=dt.date(2024, 5, 10),
            source="Sở Tài nguyên và Môi trường",
            category="Môi trường",
            url="https://stnmt.caobang.example/tin-tuc/hoi-thao-bien-doi-khi-hau.html",
        ),
        NQ57_ID: _html_page(
            "Cao Bằng triển khai Nghị quyết 57-NQ/TW về khoa học, công nghệ",
            [
                "UBND tỉnh Cao Bằng ban hành kế hoạch thực hiện Nghị quyết số 57-NQ/TW ngày "
                "22/12/2024 của Bộ Chính trị về đột phá phát triển khoa học, công nghệ, đổi "
                "mới sáng tạo và chuyển đổi số quốc gia.",
                "Kế hoạch đặt mục tiêu 100% dịch vụ công trực tuyến toàn trình.",
            ],
            date=dt.date(2025, 2, 26),
            source="Sở Khoa học và Công nghệ",
            category="Khoa học - Công nghệ",
            url="https://skhcn.caobang.example/tin-tuc/nghi-quyet-57.html",
        ),
        SCRIPT_ID: f"{SCRIPT_TITLE}\n\n{SCRIPT_BODY}\n",
    }
    # Enough further matches for "biến đổi khí hậu" to fill two pages of ten.
    places = ["Hà Giang", "Lạng Sơn", "Bắc Kạn", "Thái Nguyên", "Tuyên Quang", "Lào Cai",
              "Yên Bái", "Sơn La", "Điện Biên", "Lai Châu", "Hòa Bình", "Phú Thọ", "Đắk Lắk"]
    for n, place in enumerate(places):
        year = 2023 + n % 3
        source, category = SOURCES[n % len(SOURCES)], CATEGORIES[n % len(CATEGORIES)]
        files[f"{source}/{category}/ban-tin-{n:02d}.html"] = _html_page(
            f"{place} chủ động thích ứng với biến đổi khí hậu",
            [
                f"Tỉnh {place} triển khai các giải pháp thích ứng với biến đổi khí hậu, "
                "phòng chống thiên tai và bảo vệ rừng đầu nguồn.",
                f"Năm {year}, tỉnh hỗ trợ {n + 2}.{n}00 hộ dân chuyển đổi cây trồng phù hợp.",
            ],
            date=dt.date(year, 1 + n % 12, 1 + n),
            source=f"Nguồn {n}",
            category=f"Chuyên mục {n}",
            url=f"https://tinh.example/ban-tin/{n}",
        )
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


class ExplodingService(SearchService):
    """A search service with a bug: every search fails with an unexpected exception."""

    def search(self, req):
        raise RuntimeError("secret internal detail /etc/passwd")


def exploding_service(index_dir: Path) -> ExplodingService:
    return ExplodingService(open_backend(load_settings({}, index_dir=index_dir)))
