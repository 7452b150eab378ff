"""Measure tokenize() speed on real articles (JSON lines with a `text` field, gzipped).

    .venv/bin/python bench/tokenize_speed.py ../shared/data/vntc/vntc_10topics_train.jsonl.gz
    -> 5000 articles, 2139 chars/article, 472 tokens/article; ms/article: best 0.663, median ...

The indexing budget is per article, so we report ms/article; the best round is the
least disturbed by other processes, the median what to expect on a busy machine.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from searchsvc.analysis.normalize import normalize_text  # noqa: E402
from searchsvc.analysis.tokenize import tokenize  # noqa: E402


def load(path: str, limit: int) -> list[str]:
    """First `limit` texts of a .jsonl.gz file, normalised as the indexer stores them."""
    texts: list[str] = []
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for line in f:
            texts.append(normalize_text(json.loads(line)["text"]))
            if len(texts) >= limit:
                break
    return texts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", help="gzipped JSON lines with a `text` field")
    parser.add_argument("--articles", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    texts = load(args.path, args.articles)
    chars = sum(map(len, texts)) / len(texts)
    times: list[float] = []
    tokens = 0
    for _ in range(args.rounds):
        start = time.perf_counter()
        tokens = sum(len(tokenize(text)) for text in texts)
        times.append((time.perf_counter() - start) / len(texts) * 1000)
    times.sort()
    print(
        f"{len(texts)} articles, {chars:.0f} chars/article, {tokens / len(texts):.0f} "
        f"tokens/article; ms/article: best {times[0]:.3f}, median {times[len(times) // 2]:.3f}"
    )


if __name__ == "__main__":
    main()
