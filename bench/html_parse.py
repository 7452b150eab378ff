#!/usr/bin/env python3
"""HTML parsing: time per page, the cost on hostile pages, and what is extracted.

Run on purpose, not in CI:

    .venv/bin/python bench/html_parse.py [DATA_DIR] --pages 2000 [--dump extraction.json]

Builds press-release pages of about 30 KB from VNTC articles (DATA_DIR holds
`vntc/vntc_10topics_test.jsonl.gz`, default ../shared/data): the article inside the
chrome of a provincial portal (mega menu, sidebar, scripts, footer), with the broken
markup such portals serve (unclosed <p> and <li>, <font> soup, layout tables, <br>
lines, stray end tags, comments).  Prints the median `parse_html` time and the time of
hostile pages per MB.  `--dump` writes the extraction (title, date, body, url, source,
category) of these pages and of every HTML file under corpus/ and tests/fixtures/, to
compare two versions of the parser.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from searchsvc.ingest import SkipFile, parse_html  # noqa: E402

SITES = ["Cổng Thông tin điện tử tỉnh Cao Bằng", "Sở Khoa học và Công nghệ tỉnh Lạng Sơn",
         "Báo Hà Giang điện tử", "UBND huyện Trùng Khánh"]
MENU = ["Trang chủ", "Giới thiệu", "Tin tức - Sự kiện", "Chính trị", "Kinh tế", "Văn hóa - Xã hội",
        "Quốc phòng - An ninh", "Văn bản", "Thủ tục hành chính", "Dịch vụ công", "Hỏi đáp", "Liên hệ"]
SCRIPT = ("var _gaq = _gaq || []; _gaq.push(['_setAccount', 'UA-000000-1']);\n"
          "function showMenu(id){ var el = document.getElementById(id); if (el && el.innerHTML.indexOf('<li>') < 0)"
          " { el.innerHTML = '<li><a href=\"#\">' + id + '</a></li>'; } return el; }\n") * 40
STYLE = ".menu li{float:left;padding:4px 8px}.sidebar a{color:#036}.news-detail p{text-align:justify}\n" * 70


def _articles(data_dir: Path, count: int) -> list[tuple[str, list[str]]]:
    out = []
    with gzip.open(data_dir / "vntc" / "vntc_10topics_test.jsonl.gz", "rt", encoding="utf-8") as fh:
        for line in fh:
            text = json.loads(line)["text"]
            lines = [" ".join(x.split()) for x in text.splitlines() if x.strip()]
            if len(lines) >= 3:
                out.append((lines[0], lines[1:]))
            if len(out) >= count:
                break
    return out


def _menu(rng: random.Random) -> str:
    items = []
    for top in MENU:
        subs = "".join(f'<li><a href="/{rng.randrange(10**6)}.html">{top} {k}</a>' + ("</li>" if rng.random() < .7 else "")
                       for k in range(rng.randrange(6, 16)))
        items.append(f'<li class="dropdown"><a href="/c/{rng.randrange(999)}">{top}</a><ul class="sub">{subs}</ul></li>')
    return f'<div id="mainmenu" class="menu-top"><ul>{"".join(items)}</ul></div>'


def _body(rng: random.Random, paras: list[str]) -> str:
    style = rng.choice(["p", "open-p", "font", "br", "div"])
    if style == "p":
        return "\n".join(f"<p>{p}</p>" for p in paras)
    if style == "open-p":  # unclosed paragraphs, as old editors write them
        return "\n".join(f"<P align=justify>{p}" for p in paras)
    if style == "font":
        return "\n".join(f'<p><font face="Arial" size=2><span style="font-size:12pt">{p}</span></font></p>' for p in paras)
    if style == "br":
        return '<div align="justify">' + "<br>\n".join(paras) + "<br></div>"
    return "\n".join(f'<div class="MsoNormal">{p}&nbsp;</div>' for p in paras)


def page(rng: random.Random, title: str, paras: list[str]) -> str:
    site = rng.choice(SITES)
    day, month, year = rng.randrange(1, 29), rng.randrange(1, 13), rng.randrange(2008, 2026)
    meta = (f'<meta property="og:title" content="{title}"><meta property="og:site_name" content="{site}">'
            f'<meta property="article:published_time" content="{year}-{month:02d}-{day:02d}T08:00:00+07:00">'
            if rng.random() < 0.5 else "")
    related = "".join(f'<li><a href="/tin/{rng.randrange(10**6)}.html">{t}</a></li>'
                      for t in rng.sample(MENU, 6) * 4)
    heading = rng.choice([f'<h1 class="title">{title}</h1>', f'<h2 class="title">{title}</h2>',
                          f'<div class="title"><b>{title}</b></div>'])
    date_line = f'<span class="date">Ngày {day}/{month}/{year} {rng.randrange(24)}:{rng.randrange(60):02d}</span>'
    share = '<div class="share-box"><a href="#">Facebook</a> <a href="#">Zalo</a> <a href="#">In bài</a></div>'
    article = (f'{heading}<div class="meta">{date_line} | Lượt xem: {rng.randrange(10000)}</div>\n'
               f'<p class="sapo"><b>{paras[0]}</b></p>\n{_body(rng, paras[1:])}\n'
               f'<p align="right"><b>{rng.choice(["Thu Hà", "PV", "Minh Tuấn"])}</b></p>{share}')
    if rng.random() < 0.5:  # layout table, as older portals render an article
        main = (f'<table width="100%" cellpadding=0><tr><td width="70%" valign="top" class="content">'
                f"{article}</td><td class=\"sidebar\"><ul>{related}</ul></td></tr></table>")
    else:
        main = (f'<div class="container"><div class="news-detail">{article}</div>'
                f'<div class="sidebar"><h3>Tin liên quan</h3><ul>{related}</ul></div></div>')
    stray = "</div></span>" if rng.random() < 0.3 else ""
    return (f'<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN">\n<html><head>'
            f'<meta http-equiv="Content-Type" content="text/html; charset=utf-8"><title>{title} - {site}</title>'
            f"{meta}<style>{STYLE}</style><script type=\"text/javascript\">{SCRIPT}</script></head>\n"
            f'<body><!-- header --><div class="header"><img src="/logo.png" alt="{site}"></div>{_menu(rng)}\n'
            f'<div class="breadcrumb"><a href="/">Trang chủ</a> &raquo; <a href="/tin">Tin tức</a></div>\n'
            f"{main}{stray}\n<!-- footer --><div class=\"footer\"><p>Cơ quan chủ quản: {site}</p>"
            f"<p>Địa chỉ: số 011 Hoàng Đình Giong &amp; Điện thoại: (0206) 3 852 000</p></div>"
            f"<script>{SCRIPT[:400]}</script></body></html>")


def hostile() -> dict[str, str]:
    return {
        "unclosed comments": "<!--" * 250_000,
        "100k nested div": "<div>" * 100_000 + "Nội dung" + "</div>" * 100_000,
        "nested inline tags": "<b><i>" * 170_000,
        "flat tags": "<p>x</p>" * 125_000,
        "unclosed attribute quote": '<p title="' + "x " * 500_000,
        "lone <": "<" * 1_000_000,
    }


def _extract(text: str) -> dict:
    try:
        p = parse_html(text)
    except SkipFile as skip:
        return {"skip": skip.reason}
    return {"title": p.title, "date": p.date and p.date.isoformat(), "body": p.body, "url": p.url,
            "source": p.source, "category": p.category}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data_dir", nargs="?", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--dump", type=Path)
    parser.add_argument("--no-hostile", action="store_true")
    args = parser.parse_args()
    rng = random.Random(13)
    pages = [page(rng, t, ps) for t, ps in _articles(args.data_dir, args.pages)]
    sizes = [len(p.encode()) for p in pages]
    times = []
    for text in pages:
        started = time.perf_counter()
        parse_html(text)
        times.append(time.perf_counter() - started)
    print(f"{len(pages)} generated pages, median {statistics.median(sizes) / 1024:.1f} KB: "
          f"parse_html median {statistics.median(times) * 1000:.1f} ms, "
          f"p90 {statistics.quantiles(times, n=10)[-1] * 1000:.1f} ms, "
          f"{sum(sizes) / 1e6 / sum(times):.2f} MB/s")
    if not args.no_hostile:
        for name, text in hostile().items():
            started = time.perf_counter()
            try:
                parse_html(text)
            except SkipFile:
                pass
            seconds = time.perf_counter() - started
            mb = len(text.encode()) / 1e6
            print(f"  {name:26s} {mb:5.2f} MB {seconds:6.2f} s  {seconds / mb:6.2f} s/MB", flush=True)
    if args.dump:
        files = sorted(p for d in ("corpus", "tests/fixtures") for p in (REPO / d).rglob("*")
                       if p.is_file() and p.suffix.lower() in (".html", ".htm"))
        from searchsvc.ingest import read_document
        out: dict[str, dict] = {}
        for path in files:
            root = REPO / "corpus" if path.is_relative_to(REPO / "corpus") else path.parent
            try:
                doc = read_document(root, path)
                out[str(path.relative_to(REPO))] = {"title": doc.title, "date": doc.date and doc.date.isoformat(),
                                                    "body": doc.body, "url": doc.url, "source": doc.source,
                                                    "category": doc.category}
            except SkipFile as skip:
                out[str(path.relative_to(REPO))] = {"skip": skip.reason}
        for i, text in enumerate(pages):
            out[f"generated/{i}"] = _extract(text)
        args.dump.write_text(json.dumps(out, ensure_ascii=False, indent=1, sort_keys=True), encoding="utf-8")


if __name__ == "__main__":
    main()
