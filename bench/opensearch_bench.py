#!/usr/bin/env python3
"""The OpenSearch backend beside the Whoosh backend on the same VNTC articles, in one run.

Run on purpose, not in CI (see bench/README.md, "OpenSearch backend"):

    flock /tmp/heavy.lock .venv/bin/python bench/opensearch_bench.py [DATA_DIR] --size full

Without --url it starts a local cluster of its own (`scripts/opensearch-cluster up`,
--nodes, --heap, on ports 19500+) and stops it at the end.  Reports:

* build: `searchsvc index --rebuild` into the cluster (wall time, docs/s, peak RSS of the
  searchsvc process tree), the cluster's store size, heap and RSS per node after it;
  the Whoosh index of the same corpus is benchmark.py's (built here if missing, timed);
* queries in process: cold_queries.py's list of distinct queries, each once, then
  benchmark.py's committed mix (bench/queries.txt) once, each backend in a fresh process;
* HTTP: a fresh `searchsvc serve` per backend, the distinct list once with --clients clients.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(BENCH))

from benchmark import PY, free_port, load_queries, percentile, prepare_corpus, run_measured  # noqa: E402
from cold_queries import http_run, make_queries, write_queries  # noqa: E402

SCRIPT = REPO / "scripts" / "opensearch-cluster"


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def backend_env(backend: str, index_dir: Path, urls: str, alias: str) -> dict[str, str]:
    env = {"SEARCHSVC_BACKEND": backend, "SEARCHSVC_INDEX_DIR": str(index_dir), "SEARCHSVC_RESULT_CACHE_SIZE": "0"}
    if backend == "opensearch":
        env.update({"SEARCHSVC_OPENSEARCH_URL": urls, "SEARCHSVC_OPENSEARCH_INDEX": alias})
    return env


def worker(args) -> int:
    """One backend in this fresh process: the distinct list once, then the mix once."""
    from searchsvc.errors import BadRequest
    from searchsvc.open import open_service
    from searchsvc.search import SearchRequest
    from searchsvc.settings import load_settings

    service = open_service(load_settings())  # this process's SEARCHSVC_* (set by the parent)
    service.backend.view()
    out: dict = {"cold": [], "mix": []}
    cold = [tuple(line.split("\t", 1)) for line in args.query_file.read_text("utf-8").splitlines()
            if line and not line.startswith("#")]
    for name, queries in (("cold", [q for _, q in cold]), ("mix", [q for _, q in load_queries(args.mix)])):
        for q in queries:
            t = time.perf_counter()
            try:
                r = service.search(SearchRequest(q=q))
                total = r.total
            except BadRequest:
                total = None
            out[name].append({"q": q, "ms": (time.perf_counter() - t) * 1000, "total": total})
    service.close()
    args.out.write_text(json.dumps(out, ensure_ascii=False))
    return 0


def node_figures(urls: str, pids: list[int]) -> list[dict]:
    """Heap used/max (from the cluster) and RSS (of the JVM processes we started) per node."""
    import psutil
    import httpx

    stats = httpx.get(f"{urls.split(',')[0]}/_nodes/stats/jvm", timeout=30).json()["nodes"]
    nodes = [{"name": n["name"], "heap_used_mb": n["jvm"]["mem"]["heap_used_in_bytes"] / 1e6,
              "heap_max_mb": n["jvm"]["mem"]["heap_max_in_bytes"] / 1e6} for n in stats.values()]
    nodes.sort(key=lambda n: n["name"])
    rss = []
    for pid in pids:
        try:
            rss.append(psutil.Process(pid).memory_info().rss / 1e6)
        except psutil.Error:
            rss.append(None)
    for node, value in zip(nodes, rss):
        node["rss_mb"] = value
    return nodes


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("data", nargs="?", type=Path, default=REPO / ".." / "shared" / "data")
    ap.add_argument("--size", default="full", help="article count or 'full'")
    ap.add_argument("--work", type=Path, default=Path("/tmp/searchsvc-bench"),
                    help="corpus and Whoosh index (benchmark.py's names), cluster folder")
    ap.add_argument("--url", default="", help="an existing cluster's node URLs (default: start one)")
    ap.add_argument("--nodes", type=int, default=3)
    ap.add_argument("--heap", default="1g", help="heap per node of the cluster started here")
    ap.add_argument("--queries", type=int, default=2400, help="distinct queries (cold_queries.py's list)")
    ap.add_argument("--seed", type=int, default=17)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--json", type=Path)
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--query-file", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--mix", type=Path, default=BENCH / "queries.txt", help=argparse.SUPPRESS)
    ap.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        return worker(args)

    size = None if args.size == "full" else int(args.size)
    tag = args.size
    args.work.mkdir(parents=True, exist_ok=True)
    corpus = prepare_corpus(args.data, args.work, size)
    ndocs = sum(1 for p in corpus.rglob("*.txt"))
    res: dict = {"size": tag, "documents": ndocs, "nodes": args.nodes}

    cluster_dir, pids, urls = args.work / "os-bench-cluster", [], args.url
    if not urls:
        log(f"starting a {args.nodes}-node cluster (heap {args.heap})")
        up = subprocess.run([PY, str(SCRIPT), "up", "--dir", str(cluster_dir), "--nodes", str(args.nodes),
                             "--heap", args.heap, "--base-port", "19500"], capture_output=True, text=True)
        if up.returncode != 0:
            raise SystemExit(up.stderr[-3000:])
        urls = ",".join(f"http://127.0.0.1:{19500 + n}" for n in range(args.nodes))
        pids = [int((cluster_dir / f"node{n}.pid").read_text()) for n in range(args.nodes)]
    try:
        whoosh_index = args.work / f"index-{tag}"
        os_state = args.work / f"os-state-{tag}"
        alias = f"bench-{tag}"
        envs = {"whoosh": backend_env("whoosh", whoosh_index, urls, alias),
                "opensearch": backend_env("opensearch", os_state, urls, alias)}
        builds = {}
        for backend in ("opensearch", "whoosh"):
            if backend == "whoosh" and (whoosh_index / "CURRENT").exists():
                continue
            log(f"building {backend} ({ndocs} documents)")
            cmd = [PY, "-m", "searchsvc", "index", "--corpus", str(corpus), "--rebuild"]
            seconds, peak, _ = run_measured(cmd, envs[backend])
            builds[backend] = {"seconds": seconds, "docs_per_s": ndocs / seconds, "peak_rss_mb": peak / 1e6}
            log(f"  {backend}: {seconds:.0f} s, {ndocs / seconds:.0f} docs/s, peak RSS {peak / 1e6:.0f} MB")
        res["build"] = builds
        import httpx

        store = httpx.get(f"{urls.split(',')[0]}/{alias}/_stats/store", timeout=30).json()["_all"]
        res["cluster_store_mb"] = {"primaries": store["primaries"]["store"]["size_in_bytes"] / 1e6,
                                   "total": store["total"]["store"]["size_in_bytes"] / 1e6}
        res["nodes_after_build"] = node_figures(urls, pids)

        qfile = args.work / f"cold-queries-{tag}-{args.queries}-s{args.seed}.tsv"
        if not qfile.exists():
            write_queries(qfile, make_queries(args.data, corpus, args.queries, args.seed))
        cold = [tuple(line.split("\t", 1)) for line in qfile.read_text("utf-8").splitlines()
            if line and not line.startswith("#")]
        res["in_process"] = {}
        for backend in ("whoosh", "opensearch"):
            out = args.work / f"os-bench-{backend}.json"
            subprocess.run([PY, __file__, "--worker", "--query-file", str(qfile), "--mix", str(args.mix),
                            "--out", str(out)], check=True, env={**os.environ, **envs[backend]})
            data = json.loads(out.read_text())
            res["in_process"][backend] = {
                name: {"p50": percentile([r["ms"] for r in rows], 50), "p95": percentile([r["ms"] for r in rows], 95),
                       "n": len(rows)} for name, rows in data.items()}
            res["in_process"][backend]["totals"] = [r["total"] for r in data["cold"]]
            log(f"  {backend} in process: cold p50/p95 {res['in_process'][backend]['cold']['p50']:.1f}/"
                f"{res['in_process'][backend]['cold']['p95']:.1f} ms; mix {res['in_process'][backend]['mix']['p50']:.1f}/"
                f"{res['in_process'][backend]['mix']['p95']:.1f} ms")
        same = sum(a == b for a, b in zip(res["in_process"]["whoosh"].pop("totals"),
                                          res["in_process"]["opensearch"].pop("totals")))
        res["equal_totals"] = f"{same} of {len(cold)}"
        log(f"  equal totals: {res['equal_totals']}")
        res["http"] = {}
        for backend in ("whoosh", "opensearch"):
            port = free_port()
            cmd = [PY, "-m", "searchsvc", "serve", "--corpus", str(corpus), "--host", "127.0.0.1", "--port", str(port)]
            server_log = args.work / f"os-bench-serve-{backend}.log"
            r = http_run(cmd, port, envs[backend], cold, args.clients, server_log=server_log)
            lat = [x["ms"] for x in r["rows"]]
            res["http"][backend] = {"clients": args.clients, "rps": r["rps"], "p50": percentile(lat, 50),
                                    "p95": percentile(lat, 95), "errors": r["errors"],
                                    "failed": [x for x in r["rows"] if not x["ok"]],
                                    "server_log": str(server_log),
                                    "server_rss_mb": [rss / 1e6 for rss, _ in r["rss"]]}
            log(f"  {backend} HTTP {args.clients} clients: {r['rps']:.1f} req/s, p50 {percentile(lat, 50):.1f} "
                f"p95 {percentile(lat, 95):.1f} ms, {r['errors']} errors")
        res["nodes_after_queries"] = node_figures(urls, pids)
    finally:
        if pids:
            subprocess.run([PY, str(SCRIPT), "down", "--dir", str(cluster_dir)], capture_output=True)
    text = json.dumps(res, ensure_ascii=False, indent=1)
    print(text)
    if args.json:
        args.json.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
