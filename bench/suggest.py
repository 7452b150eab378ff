#!/usr/bin/env python3
"""Latency of suggestions as you type (GET /api/suggest's work) at the VNTC scale.

    flock /tmp/heavy.lock .venv/bin/python bench/suggest.py [DATA_DIR] [--limit N] [--queries N]

DATA_DIR holds `vntc/vntc_10topics_{train,test}.jsonl.gz` (default ../shared/data).
Each article is parsed as the indexer parses a .txt file (title = first line), the
completer is built from (title, body) pairs exactly as the server builds it from the
stored fields, then prefixes are timed one at a time: what people type, taken from
real titles, cut after 1-4 words and inside the last one, with and without accents.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import statistics
import sys
import time
import resource
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from searchsvc.analysis.fold import fold  # noqa: E402
from searchsvc.ingest.parse import parse_text  # noqa: E402
from searchsvc.search.complete import Completer, lead_chars_for  # noqa: E402

EXAMPLES = ["bien d", "biến đ", "ubnd tinh", "nghi quyet", "thanh pho ho", "ha n", "bo y t",
            "giai bong da", "chung khoan", "tp hcm", "world c", "hiv/a"]


def articles(data_dir: Path, limit: int | None):
    n = 0
    for split in ("train", "test"):
        with gzip.open(data_dir / "vntc" / f"vntc_10topics_{split}.jsonl.gz", "rt", encoding="utf-8") as fh:
            for line in fh:
                title, body, _date = parse_text(json.loads(line)["text"])
                yield title, body
                n += 1
                if limit and n >= limit:
                    return


def prefixes(titles: list[str], count: int, seed: int = 57) -> list[str]:
    rng = random.Random(seed)
    out = []
    while len(out) < count:
        words = rng.choice(titles).split()
        if not words:
            continue
        k = rng.randint(1, min(4, len(words)))
        typed = words[:k]
        last = typed[-1]
        typed[-1] = last[: rng.randint(1, len(last))]
        text = " ".join(typed)
        if rng.random() < 0.5:  # half typed without accents, as many people do
            text = " ".join(fold(w) for w in text.split())
        out.append(text.lower() if rng.random() < 0.7 else text)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data_dir", nargs="?", type=Path, default=REPO.parent / "shared" / "data")
    ap.add_argument("--limit", type=int, help="Articles to read (default: all 84,132).")
    ap.add_argument("--queries", type=int, default=3000)
    ap.add_argument("--lead-chars", type=int, help="Characters of each body used besides the title"
                    " (default: what the server uses for a corpus of this size).")
    args = ap.parse_args()

    started = time.perf_counter()
    docs = list(articles(args.data_dir, args.limit))
    read_s = time.perf_counter() - started

    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    lead = args.lead_chars if args.lead_chars is not None else lead_chars_for(len(docs))
    completer = Completer.build(docs, lead_chars=lead)
    build_s = time.perf_counter() - started
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    queries = prefixes([t for t, _ in docs], args.queries)
    for q in queries[:200]:  # warm caches (fold's lru_cache, numpy)
        completer.complete(q)
    times = []
    empty = 0
    for q in queries:
        t = time.perf_counter()
        found = completer.complete(q)
        times.append((time.perf_counter() - t) * 1000)
        empty += not found
    times.sort()

    def pct(p: float) -> float:
        return times[min(len(times) - 1, int(round(p / 100 * (len(times) - 1))))]

    print(f"documents          {len(docs):,} (read and parsed in {read_s:.1f} s)")
    print(f"body lead used     {lead} characters per document")
    print(f"candidate phrases  {len(completer):,} (built in {build_s:.1f} s, peak RSS {rss_after / 1024:.0f} MB,"
          f" +{(rss_after - rss_before) / 1024:.0f} MB while building)")
    print(f"prefixes timed     {len(times):,} ({empty / len(times):.0%} with no completion)")
    print(f"latency ms         p50 {pct(50):.2f}  p95 {pct(95):.2f}  p99 {pct(99):.2f}  max {times[-1]:.2f}"
          f"  mean {statistics.fmean(times):.2f}")
    # The same prefixes through GET /api/suggest (Flask's test client: the handler, JSON and
    # headers, without the network), the completer handed to the app as the server builds it.
    import tempfile
    from urllib.parse import quote

    from searchsvc.settings import load_settings
    from searchsvc.web import create_app

    class Built:
        def get(self, engine):
            return completer

    with tempfile.TemporaryDirectory() as empty:
        app = create_app(load_settings({}, index_dir=Path(empty)))
        app.extensions["searchsvc.completer"] = Built()
        client = app.test_client()
        urls = ["/api/suggest?q=" + quote(q) for q in queries]
        for url in urls[:200]:
            client.get(url)
        http = []
        for url in urls:
            t = time.perf_counter()
            assert client.get(url).status_code == 200
            http.append((time.perf_counter() - t) * 1000)
    http.sort()
    print(f"GET /api/suggest   p50 {http[len(http) // 2]:.2f}  p95 {http[int(0.95 * (len(http) - 1))]:.2f}"
          f"  p99 {http[int(0.99 * (len(http) - 1))]:.2f} ms (handler and JSON, in process)")
    print("examples:")
    for q in EXAMPLES:
        print(f"  {q!r:18} -> {[c.text for c in completer.complete(q)][:5]}")


if __name__ == "__main__":
    main()
