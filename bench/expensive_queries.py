#!/usr/bin/env python3
"""Time the hostile queries of tests/test_hostile_query.py against a real index (run on purpose).

    .venv/bin/python bench/expensive_queries.py /tmp/searchsvc-bench/index-20000

Each query runs three ways (first page, page 100 of 100, newest first) through
`SearchService.search_uncached`; the first run of each query also pays for reading
its postings from disk, the later ones find them in the posting cache.
"""

from __future__ import annotations

import random
import sys
import time
from pathlib import Path

from searchsvc.open import open_service
from searchsvc.search import SearchRequest
from searchsvc.settings import load_settings

REPO = Path(__file__).resolve().parent.parent


def queries() -> dict[str, str]:
    rng = random.Random(7)
    text = (REPO / "corpus" / "thong-cao" / "cao-bang-khoa-hoc-cong-nghe.txt").read_text("utf-8")
    words = [w for w in text.split() if w.isalpha()]
    return {
        "500-way OR": " OR ".join(rng.choice(words) for _ in range(500)),
        "2,000 words": " ".join(rng.choice(words) for _ in range(2000)),
        "500 quoted pairs": " ".join(f'"{rng.choice(words)} {rng.choice(words)}"' for _ in range(500)),
        "500 exclusions": "a " + " ".join("-" + rng.choice(words) for _ in range(500)),
        "32-syllable question": " ".join(words[:32]) + "?",
    }


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    service = open_service(load_settings({}, index_dir=Path(argv[0]), result_cache_size=0))
    service.search(SearchRequest(q="khởi động"))  # open the searcher
    for name, q in queries().items():
        for args in ({}, {"page": 100, "per_page": 100}, {"sort": "date"}):
            started = time.perf_counter()
            result = service.search_uncached(SearchRequest(q=q, **args))
            ms = (time.perf_counter() - started) * 1000
            print(f"{name:22} {str(args):35} {ms:8.0f} ms  total={result.total} timed_out={result.timed_out}")
    service.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
