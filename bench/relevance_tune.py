"""Try many ranking settings against the tuning half of the query sets, in one process.

The index is built once (or taken from the cache); each setting is one `Ranking` (query
plan boosts and BM25F parameters) passed to the service, so trying one costs one pass
over the queries.

    flock /tmp/heavy.lock .venv/bin/python bench/relevance_tune.py --grid 'exact_boost=0.5,1,2' \\
        --grid 'bm25:K1=0.9,1.2'

Each line: the setting, MRR@10 per set and variant (tuning queries only), and the p50/p95
latency.  The held-out half is never read here.
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from relevance import (  # noqa: E402
    DEFAULT_CACHE, DEFAULT_DATA, SIZES, evaluate, make_searchsvc, parse_assignments, ranking_from,
)
from relevance_data import load_collection, variants  # noqa: E402
from relevance_engines import BASELINES  # noqa: E402

from searchsvc.search.ranking import Ranking  # noqa: E402


def setting_ranking(settings: list[str]) -> Ranking:
    """One grid point (NAME=VALUE, `bm25:` prefixed for BM25F parameters) as a Ranking."""
    ranking = parse_assignments([s for s in settings if not s.startswith("bm25:")])
    bm25 = parse_assignments([s[5:] for s in settings if s.startswith("bm25:")])
    return ranking_from(ranking, bm25)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("data_dir", nargs="?", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--size", choices=sorted(SIZES), default="tune")
    ap.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    ap.add_argument("--limit", type=int, default=300, help="tuning queries per set (default 300)")
    ap.add_argument("--base", action="append", default=[], metavar="NAME=VALUE",
                    help="fixed setting: a Ranking field, or bm25:K1|B|title_B|idf|shared_idf")
    ap.add_argument("--grid", action="append", default=[], metavar="NAME=V1,V2",
                    help="values to try; several --grid options make a full grid")
    ap.add_argument("--sets", default="xquad,headline")
    ap.add_argument("--baselines", default="", help="also score these baselines first (e.g. fts5,tantivy)")
    args = ap.parse_args(argv)

    axes = []
    for spec in args.grid:
        key, _, values = spec.partition("=")
        axes.append([f"{key}={v}" for v in values.split(",")])
    combos = list(itertools.product(*axes)) if axes else [()]
    try:  # every setting checked before the collection loads: a typo should not cost minutes
        rankings = [setting_ranking([*args.base, *combo]) for combo in combos]
    except ValueError as exc:
        ap.error(str(exc))

    coll = load_collection(args.data_dir, args.cache, **SIZES[args.size])
    sets = args.sets.split(",")
    queries = {name: [q for q in coll.query_sets[name] if q.split == "tune"][: args.limit] for name in sets}
    for name in filter(None, args.baselines.split(",")):
        engine = BASELINES[name](coll.docs, args.cache, coll.fingerprint())
        cells = [f"{s[:5]}/{v[:3]} {evaluate(engine, s, v, qs).mrr10:.3f}"
                 for s in sets for v, qs in variants(queries[s]).items()]
        engine.close()
        print(f"{'baseline ' + name:60} | {' | '.join(cells)}", flush=True)
    for combo, ranking in zip(combos, rankings):
        settings = [*args.base, *combo]
        engine = make_searchsvc(coll, args.cache, ranking)
        cells, times = [], []
        started = time.perf_counter()
        for name in sets:
            for variant, qs in variants(queries[name]).items():
                score = evaluate(engine, name, variant, qs)
                cells.append(f"{name[:5]}/{variant[:3]} {score.mrr10:.3f}")
                times.append((score.p50_ms, score.p95_ms))
        engine.close()
        p50 = statistics.median(t[0] for t in times)
        p95 = max(t[1] for t in times)
        print(f"{' '.join(settings) or '(defaults)':60} | {' | '.join(cells)} | p50 {p50:.0f} p95 {p95:.0f} ms "
              f"({time.perf_counter() - started:.0f} s)", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
