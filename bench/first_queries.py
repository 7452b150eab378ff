"""Distinct unaccented queries, each searched once in a fresh process: what the first
search of a query costs when its postings and accent restoration are not yet cached
(the operating system's file cache may be warm).

    .venv/bin/python bench/first_queries.py /tmp/searchsvc-bench/index-full            # with did-you-mean
    .venv/bin/python bench/first_queries.py /tmp/searchsvc-bench/index-full --no-suggest

Prints the median, 90th percentile, maximum and total over the queries.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from searchsvc.open import open_service
from searchsvc.search import SearchRequest
from searchsvc.settings import load_settings

QUERIES = [
    "nguoi dan bi thiet hai do bao lut", "thanh pho ho chi minh", "bien doi khi hau", "gia vang hom nay tang",
    "doi tuyen bong da viet nam", "ty gia do la my", "hoc sinh thi tot nghiep", "benh vien bach mai",
    "cong an thanh pho", "gia xang dau", "tai nan giao thong", "xuat khau gao", "bao cao tai chinh",
    "chung khoan giam diem", "mua lu mien trung", "dai hoc quoc gia", "nha dau tu nuoc ngoai", "bo giao duc",
    "ho chi minh", "ha noi",
]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("index", type=Path, help="an index folder built by `searchsvc index`")
    ap.add_argument("--no-suggest", action="store_true", help="without did-you-mean (accent restoration)")
    args = ap.parse_args()
    service = open_service(load_settings({}, index_dir=args.index, result_cache_size=0))
    service.search(SearchRequest(q="xyzzy", suggest=False))  # open the index; no query's postings
    times = []
    for q in QUERIES:
        started = time.perf_counter()
        service.search(SearchRequest(q=q, suggest=not args.no_suggest))
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    print(f"suggest={not args.no_suggest}: {len(times)} queries, median {statistics.median(times):.0f} ms, "
          f"p90 {times[int(0.9 * len(times)) - 1]:.0f} ms, max {times[-1]:.0f} ms, total {sum(times):.0f} ms")


if __name__ == "__main__":
    main()
