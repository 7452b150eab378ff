#!/usr/bin/env python3
"""Performance benchmark: searchsvc vs SQLite FTS5 on VNTC news articles.

Run on purpose, not in CI (see bench/README.md, section "Performance"):

    flock /tmp/heavy.lock .venv/bin/python bench/benchmark.py [DATA_DIR] --sizes 5000,20000,full

DATA_DIR holds `vntc/vntc_10topics_{train,test}.jsonl.gz` (default ../shared/data).
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import http.client
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SPLITS = ("train", "test")


def _slug(text: str) -> str:
    """'Chinh tri Xa hoi' -> 'chinh-tri-xa-hoi'; 'XH_VNE_ (12).txt' -> 'xh-vne-12'."""
    text = re.sub(r"\.txt$", "", text, flags=re.IGNORECASE)
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _records(data_dir: Path):
    for split in SPLITS:
        with gzip.open(data_dir / "vntc" / f"vntc_10topics_{split}.jsonl.gz", "rt", encoding="utf-8") as fh:
            for line in fh:
                yield json.loads(line)


def prepare_corpus(data_dir: Path, work: Path, size: int | None) -> Path:
    """Write the first `size` VNTC articles (all when None) as corpus files; cached.

    Order is the SHA-1 of the record id (stable, topics and sources mixed), so
    the 5k corpus is a prefix of the 20k one.  Files keep their original bytes
    (UTF-16 with BOM and CRLF, as VNTC ships them):
    corpus-5000/vntc/<topic>/<split>-<file>.txt.
    """
    corpus = work / f"corpus-{size or 'full'}"
    done = corpus / ".complete"
    if done.exists():
        return corpus
    shutil.rmtree(corpus, ignore_errors=True)
    keyed = []
    for rec in _records(data_dir):
        key = hashlib.sha1(rec["id"].encode("utf-8")).hexdigest()
        rel = f"vntc/{_slug(rec['category'])}/{rec['split']}-{_slug(rec['file_name'])}.txt"
        keyed.append((key, rel, rec["text"]))
    keyed.sort()
    if size is not None:
        keyed = keyed[:size]
    for _, rel, text in keyed:
        path = corpus / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-16"))
    done.write_text(f"{len(keyed)}\n")
    return corpus


# -- helpers ------------------------------------------------------------------

PY = sys.executable


def load_queries(path: Path) -> list[tuple[str, str]]:
    """(kind, query) pairs from the committed mix."""
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            kind, query = line.split("\t", 1)
            out.append((kind, query))
    return out


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of a non-empty list."""
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, int(round(p / 100 * len(ordered) + 0.5)) - 1))
    return ordered[k]


def dir_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def corpus_bytes(corpus: Path) -> int:
    return sum(p.stat().st_size for p in corpus.rglob("*.txt"))


def children_cpu_seconds() -> float:
    """User + system CPU time of every finished child process (and theirs, once reaped)."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def tree_memory(pid: int, kind: str = "rss") -> list[int]:
    """Memory in bytes of a process and each of its descendants: "rss", or "pss"
    (proportional set size: pages shared by several processes split among them)."""
    import psutil

    try:
        root = psutil.Process(pid)
        tree = [root] + root.children(recursive=True)
    except psutil.Error:
        return []
    sizes = []
    for p in tree:
        try:
            sizes.append(p.memory_info().rss if kind == "rss" else p.memory_full_info().pss)
        except psutil.Error:
            pass
    return sizes


def run_measured(cmd: list[str], env: dict | None = None, pss: dict | None = None) -> tuple[float, int, str]:
    """Run a command; return (wall seconds, peak RSS of its whole process tree in bytes, stdout).

    RSS counts a page once per process that maps it: forked workers share the parent's
    pages (its imports), so the sum overstates what the tree holds.  With `pss` (a dict),
    the peak sum of proportional set sizes (shared pages split among their sharers) is
    also sampled, twice a second, into pss["peak"].
    """
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, **(env or {})})
    peak = 0
    out_chunks: list[str] = []
    reader = threading.Thread(target=lambda: out_chunks.append(proc.stdout.read()), daemon=True)
    reader.start()
    err_chunks: list[str] = []
    err_reader = threading.Thread(target=lambda: err_chunks.append(proc.stderr.read()), daemon=True)
    err_reader.start()
    samples = 0
    while proc.poll() is None:
        peak = max(peak, sum(tree_memory(proc.pid)))
        if pss is not None and samples % 5 == 0:
            pss["peak"] = max(pss.get("peak", 0), sum(tree_memory(proc.pid, "pss")))
        samples += 1
        time.sleep(0.1)
    wall = time.perf_counter() - started
    reader.join()
    err_reader.join()
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{''.join(err_chunks)[-3000:]}")
    return wall, peak, "".join(out_chunks)


# -- SQLite FTS5 baseline ------------------------------------------------------

FTS5_SCHEMA = """
CREATE TABLE IF NOT EXISTS files(id TEXT PRIMARY KEY, hash TEXT, rowid_ INTEGER);
CREATE VIRTUAL TABLE IF NOT EXISTS docs USING fts5(
    id UNINDEXED, title, body, tokenize = 'unicode61 remove_diacritics 2');
"""


def fts5_index(corpus: Path, db_path: Path, rebuild: bool) -> dict:
    """Build (or incrementally update) the FTS5 baseline; same reader and parser as searchsvc."""
    from searchsvc.ingest import SkipFile, doc_id, file_hash, iter_corpus_files, read_document

    if rebuild and db_path.exists():
        db_path.unlink()
    con = sqlite3.connect(db_path)
    con.executescript(FTS5_SCHEMA)
    known = dict(con.execute("SELECT id, hash FROM files"))
    rowids = dict(con.execute("SELECT id, rowid_ FROM files"))
    counts = {"added": 0, "updated": 0, "deleted": 0, "unchanged": 0, "skipped": 0}
    seen = set()
    with con:
        for path in iter_corpus_files(corpus):
            ident = doc_id(corpus, path)  # searchsvc's id and change rules, so the two count alike
            seen.add(ident)
            try:
                if ident in known and file_hash(corpus, path) == known[ident]:
                    counts["unchanged"] += 1
                    continue
                doc = read_document(corpus, path)
            except SkipFile:
                counts["skipped"] += 1
                continue
            if ident in known:
                con.execute("DELETE FROM docs WHERE rowid = ?", (rowids[ident],))
                counts["updated"] += 1
            else:
                counts["added"] += 1
            cur = con.execute("INSERT INTO docs(id, title, body) VALUES (?, ?, ?)", (doc.id, doc.title, doc.body))
            con.execute("INSERT OR REPLACE INTO files VALUES (?, ?, ?)", (ident, doc.content_hash, cur.lastrowid))
        for ident in set(known) - seen:
            con.execute("DELETE FROM docs WHERE rowid = ?", (rowids[ident],))
            con.execute("DELETE FROM files WHERE id = ?", (ident,))
            counts["deleted"] += 1
    if rebuild:
        con.execute("INSERT INTO docs(docs) VALUES ('optimize')")
        con.commit()
    con.close()
    return counts


def fts5_match(query: str) -> str:
    """The query mix in FTS5 syntax: syllables quoted and ANDed, quoted parts as phrases,
    more than 5 syllables ORed (as searchsvc does for question-length queries)."""
    from searchsvc.analysis import normalize_text, tokenize

    text = normalize_text(query)
    parts: list[str] = []
    phrase = re.fullmatch(r'\s*"(.*)"\s*', text)
    inner = phrase.group(1) if phrase else text
    words = [inner[t.start:t.end] for t in tokenize(inner) if t.kind in ("word", "number")]
    words = [w.replace('"', '""') for w in words]
    if phrase:
        return '"' + " ".join(words) + '"'
    parts = [f'"{w}"' for w in words]
    return (" OR " if len(parts) > 5 else " ").join(parts)


class Fts5Searcher:
    def __init__(self, db_path: Path) -> None:
        self.db_path = db_path
        self.local = threading.local()

    def con(self) -> sqlite3.Connection:
        con = getattr(self.local, "con", None)
        if con is None:
            con = self.local.con = sqlite3.connect(self.db_path, check_same_thread=False)
        return con

    def search(self, query: str) -> dict:
        match = fts5_match(query)
        con = self.con()
        total = con.execute("SELECT count(*) FROM docs WHERE docs MATCH ?", (match,)).fetchone()[0]
        rows = con.execute(
            "SELECT id, title, snippet(docs, 2, '<mark>', '</mark>', '…', 24), bm25(docs, 0, 2.0, 1.0) "
            "FROM docs WHERE docs MATCH ? ORDER BY bm25(docs, 0, 2.0, 1.0) LIMIT 10", (match,)).fetchall()
        return {"query": query, "total": total,
                "hits": [{"id": r[0], "title": r[1], "snippet": r[2], "score": -r[3]} for r in rows]}


def fts5_serve(db_path: Path, port: int) -> None:
    """A minimal threaded HTTP server answering /api/search from FTS5 (the HTTP baseline)."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    searcher = Fts5Searcher(db_path)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body are two writes: no 40 ms delayed-ACK stall

        def do_GET(self):  # noqa: N802
            url = urllib.parse.urlsplit(self.path)
            if url.path == "/healthz":
                body, status = b"ok", 200
            elif url.path == "/api/search":
                q = urllib.parse.parse_qs(url.query).get("q", [""])[0]
                body, status = json.dumps(searcher.search(q), ensure_ascii=False).encode(), 200
            else:
                body, status = b"not found", 404
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    ThreadingHTTPServer.daemon_threads = True
    ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()


# -- measurements --------------------------------------------------------------


def time_queries(search, queries: list[tuple[str, str]], rounds: int) -> list[float]:
    """Milliseconds per query over `rounds` passes of the mix, after one unmeasured warm-up pass."""
    for _, q in queries:
        search(q)
    times = []
    for _ in range(rounds):
        for _, q in queries:
            t = time.perf_counter()
            search(q)
            times.append((time.perf_counter() - t) * 1000)
    return times


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(port: int, proc: subprocess.Popen, timeout: float = 600) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError("server did not become healthy")


def http_load(port: int, queries: list[tuple[str, str]], clients: int, seconds: float) -> dict:
    """`clients` threads, each with one keep-alive connection, cycling through the mix."""
    stop = time.monotonic() + seconds
    lat: list[float] = []
    errors = [0]
    lock = threading.Lock()

    def client(offset: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        i = offset
        mine: list[float] = []
        while time.monotonic() < stop:
            q = queries[i % len(queries)][1]
            i += 1
            path = "/api/search?" + urllib.parse.urlencode({"q": q})
            t = time.perf_counter()
            try:
                conn.request("GET", path)
                resp = conn.getresponse()
                body = resp.read()
                ok = resp.status == 200 and b'"hits"' in body
            except (OSError, http.client.HTTPException):
                ok = False
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            mine.append((time.perf_counter() - t) * 1000)
            if not ok:
                with lock:
                    errors[0] += 1
        with lock:
            lat.extend(mine)

    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(n * len(queries) // clients,)) for n in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    return {"rps": len(lat) / wall, "p50": percentile(lat, 50), "p95": percentile(lat, 95),
            "requests": len(lat), "errors": errors[0]}


def with_server(cmd: list[str], port: int, env: dict | None, fn):
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            env={**os.environ, **(env or {})}, start_new_session=True)
    try:
        wait_healthy(port, proc)
        result = fn()
        if isinstance(result, dict):  # what the server holds after the load
            result["rss"] = tree_memory(proc.pid)
        return result
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def change_files(corpus: Path, fraction: float) -> dict[Path, bytes]:
    """Append a line to every 1/fraction-th file (UTF-16 kept); return the original bytes."""
    files = sorted(corpus.rglob("*.txt"))
    step = max(1, round(1 / fraction))
    originals = {}
    for path in files[::step]:
        data = path.read_bytes()
        originals[path] = data
        text = data.decode("utf-16") + "\r\nCập nhật: bài viết đã được chỉnh sửa.\r\n"
        path.write_bytes(text.encode("utf-16"))
    return originals


@dataclass
class Row:
    size: str
    metric: str
    ours: float | None
    fts5: float | None
    unit: str
    lower_is_better: bool = True
    note: str = ""
    extra: dict = field(default_factory=dict)


def bench_size(args, size: int | None, queries, rows: list[Row]) -> None:
    label = f"{size // 1000}k" if size else "full"
    corpus = prepare_corpus(args.data, args.work, size)
    ndocs = int((corpus / ".complete").read_text())
    label = f"{label} ({ndocs} docs)"
    index_dir = args.work / f"index-{size or 'full'}"
    db = args.work / f"fts5-{size or 'full'}.db"
    mb = corpus_bytes(corpus) / 1e6
    env = {"SEARCHSVC_INDEX_LIMITMB": str(args.limitmb)} if args.limitmb else {}
    log = args.log

    def add(metric, ours, fts5, unit, lower=True, note=""):
        rows.append(Row(label, metric, ours, fts5, unit, lower, note))
        r = rows[-1]
        log(f"  {metric}: searchsvc {fmt(r.ours)} {unit} | FTS5 {fmt(r.fts5)} {unit} | {ratio(r)}")

    log(f"== {label}: corpus {corpus} ({mb:.0f} MB on disk)")
    phases = set(args.phases.split(","))
    if "build" in phases:
        build(args, corpus, index_dir, db, ndocs, mb, env, add)
    if "query" in phases:
        in_process(args, queries, index_dir, db, add)
    if "http" in phases and args.http_seconds > 0:
        over_http(args, queries, corpus, index_dir, db, env, add)
    if "reindex" in phases:
        reindex(args, corpus, index_dir, db, env, add)


def build(args, corpus, index_dir, db, ndocs, mb, env, add) -> None:
    log = args.log
    build_cmd = [PY, "-m", "searchsvc", "index", "--corpus", str(corpus), "--index", str(index_dir),
                 "--rebuild", "--procs", str(args.procs), "--json"]
    cpu_before = children_cpu_seconds()
    pss: dict = {}
    wall, peak, out = run_measured(build_cmd, env, pss=pss)
    cores = (children_cpu_seconds() - cpu_before) / wall  # how busy the cores were, on average
    summary = json.loads(out)
    cpu_before = children_cpu_seconds()
    fwall, fpeak, _ = run_measured([PY, __file__, "--fts5-build", str(corpus), str(db)])
    fcores = (children_cpu_seconds() - cpu_before) / fwall
    from searchsvc.whoosh import store  # segments and size on disk: the Whoosh backend's files

    gen = store.current_generation(index_dir)
    segments = len(list(gen.glob("*.pst")))  # one postings file per segment
    add("index build time", wall, fwall, "s",
        note=f"cores busy on average: {cores:.2f} of {os.cpu_count()} (FTS5 {fcores:.2f})")
    add("index docs/s", ndocs / wall, ndocs / fwall, "docs/s", lower=False)
    add("index MB/s", mb / wall, mb / fwall, "MB/s", lower=False)
    add("index peak RSS", peak / 2**20, fpeak / 2**20, "MB",
        note=f"peak PSS (shared pages counted once): {pss.get('peak', 0) / 2**20:.0f} MB")
    add("index size on disk", dir_bytes(gen) / 2**20, db.stat().st_size / 2**20, "MB",
        note=f"{segments} segments")
    if summary["documents"] != ndocs:
        log(f"  WARNING: {summary['documents']} documents indexed of {ndocs}")


def in_process(args, queries, index_dir, db, add) -> None:
    """In-process queries (the API's default request: facets, suggestion, snippets)."""
    log = args.log
    from searchsvc.open import open_service
    from searchsvc.search import SearchRequest
    from searchsvc.settings import load_settings

    # The settings' defaults, not this shell's SEARCHSVC_* variables; search_uncached,
    # so the result cache never answers a repeated query of the mix.
    service = open_service(load_settings({}, index_dir=index_dir))
    ours = time_queries(lambda q: service.search_uncached(SearchRequest(q=q)), queries, args.rounds)
    service.close()
    fts = Fts5Searcher(db)
    theirs = time_queries(fts.search, queries, args.rounds)
    for p in (50, 95, 99):
        add(f"query p{p} in-process", percentile(ours, p), percentile(theirs, p), "ms")
    by_kind: dict[str, list[float]] = {}
    per_query = len(queries)
    for n, ms in enumerate(ours):
        by_kind.setdefault(queries[n % per_query][0], []).append(ms)
    slowest = sorted(((ms, queries[n % per_query][1]) for n, ms in enumerate(ours)), reverse=True)[:5]
    log("  p95 by kind (ms): " + ", ".join(f"{k} {percentile(v, 95):.0f}" for k, v in by_kind.items()))
    log("  slowest: " + "; ".join(f"{q!r} {ms:.0f} ms" for ms, q in slowest))


def warm_up(port: int, queries: list[tuple[str, str]]) -> None:
    """One unmeasured pass over the mix, as the in-process phase has: a server that has
    been up for a while has its postings and term sets in memory."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    for _kind, q in queries:
        conn.request("GET", "/api/search?" + urllib.parse.urlencode({"q": q}))
        conn.getresponse().read()
    conn.close()


def over_http(args, queries, corpus, index_dir, db, env, add) -> None:
    """Over HTTP against the production server (waitress), and the FTS5 baseline server,
    each after one warm-up pass over the mix."""
    # The mix repeats, so by default the server's result cache is off: the figures are
    # searching, not dictionary look-ups (--http-cache measures the production default).
    env = dict(env or {})
    if not args.http_cache:
        env["SEARCHSVC_RESULT_CACHE_SIZE"] = "0"
    for clients in (1, 8):
        port = free_port()
        serve = [PY, "-m", "searchsvc", "serve", "--corpus", str(corpus), "--index", str(index_dir),
                 "--host", "127.0.0.1", "--port", str(port)]

        def measured(port: int = port) -> dict:
            warm_up(port, queries)
            return http_load(port, queries, clients, args.http_seconds)

        r_ours = with_server(serve, port, env, measured)
        port = free_port()
        r_fts = with_server([PY, __file__, "--fts5-serve", str(db), str(port)], port, None,
                            lambda port=port: measured(port))
        add(f"HTTP {clients} client(s) requests/s", r_ours["rps"], r_fts["rps"], "req/s", lower=False)
        add(f"HTTP {clients} client(s) p50", r_ours["p50"], r_fts["p50"], "ms")
        add(f"HTTP {clients} client(s) p95", r_ours["p95"], r_fts["p95"], "ms")
        add(f"HTTP {clients} client(s) errors", r_ours["errors"], r_fts["errors"], "errors",
            note=f"{r_ours['requests']} / {r_fts['requests']} requests")
        ours_rss, fts_rss = r_ours["rss"], r_fts["rss"]
        add(f"HTTP {clients} client(s) server RSS after the load", sum(ours_rss) / 2**20, sum(fts_rss) / 2**20,
            "MB", note=f"searchsvc: {len(ours_rss)} processes, largest {max(ours_rss, default=0) / 2**20:.0f} MB")


def reindex(args, corpus, index_dir, db, env, add) -> None:
    """Incremental reindex: 1% of files changed, then nothing changed."""
    originals = change_files(corpus, 0.01)
    try:
        inc = [PY, "-m", "searchsvc", "index", "--corpus", str(corpus), "--index", str(index_dir),
               "--procs", str(args.procs), "--json"]
        finc = [PY, __file__, "--fts5-update", str(corpus), str(db)]
        wall1, _, out1 = run_measured(inc, env)
        fwall1, _, _ = run_measured(finc)
        changed = json.loads(out1)
        add("reindex, 1% changed", wall1, fwall1, "s", note=f"{changed['updated']} updated")
        wall0, _, out0 = run_measured(inc, env)
        fwall0, _, _ = run_measured(finc)
        add("reindex, nothing changed", wall0, fwall0, "s", note=f"{json.loads(out0)['unchanged']} unchanged")
    finally:
        for path, data in originals.items():
            path.write_bytes(data)


def fmt(v: float | None) -> str:
    if v is None:
        return "-"
    if v >= 100:
        return f"{v:,.0f}"
    if v >= 10:
        return f"{v:.1f}"
    return f"{v:.2f}"


def ratio(r: Row) -> str:
    if r.ours is None or r.fts5 is None or r.fts5 == 0 or r.ours == 0:
        return "-"
    x = r.ours / r.fts5 if r.lower_is_better else r.fts5 / r.ours
    return f"{x:.1f}x"


def table(rows: list[Row]) -> str:
    """One Markdown table; ratio = how many times slower/larger searchsvc is than FTS5."""
    lines = ["| corpus | metric | searchsvc | SQLite FTS5 | ratio (searchsvc cost / FTS5) | note |",
             "|---|---|---:|---:|---:|---|"]
    for r in rows:
        unit = f" {r.unit}" if r.unit else ""
        lines.append(f"| {r.size} | {r.metric} | {fmt(r.ours)}{unit} | {fmt(r.fts5)}{unit} | {ratio(r)} | {r.note} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data", nargs="?", type=Path, default=REPO / ".." / "shared" / "data",
                        help="folder holding vntc/*.jsonl.gz (default ../shared/data)")
    parser.add_argument("--sizes", default="5000,20000,full", help="comma-separated article counts or 'full'")
    parser.add_argument("--work", type=Path, default=Path("/tmp/searchsvc-bench"),
                        help="scratch folder for corpora and indexes (~2 GB for all sizes)")
    parser.add_argument("--queries", type=Path, default=REPO / "bench" / "queries.txt")
    parser.add_argument("--procs", type=int, default=2, help="searchsvc index --procs")
    parser.add_argument("--limitmb", type=int, default=0, help="SEARCHSVC_INDEX_LIMITMB (0: the default)")
    parser.add_argument("--rounds", type=int, default=3, help="measured passes over the query mix")
    parser.add_argument("--http-seconds", type=float, default=20.0, help="per HTTP run; 0 skips HTTP")
    parser.add_argument("--http-cache", action="store_true",
                        help="keep searchsvc's result cache on over HTTP (default: off, so repeats are searched)")
    parser.add_argument("--json", type=Path, help="also write the rows as JSON here")
    parser.add_argument("--phases", default="build,query,http,reindex",
                        help="which measurements to run (later ones reuse the index and database left by build)")
    parser.add_argument("--fts5-build", nargs=2, metavar=("CORPUS", "DB"), help=argparse.SUPPRESS)
    parser.add_argument("--fts5-update", nargs=2, metavar=("CORPUS", "DB"), help=argparse.SUPPRESS)
    parser.add_argument("--fts5-serve", nargs=2, metavar=("DB", "PORT"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    sys.path.insert(0, str(REPO))

    if args.fts5_build:
        print(json.dumps(fts5_index(Path(args.fts5_build[0]), Path(args.fts5_build[1]), rebuild=True)))
        return 0
    if args.fts5_update:
        print(json.dumps(fts5_index(Path(args.fts5_update[0]), Path(args.fts5_update[1]), rebuild=False)))
        return 0
    if args.fts5_serve:
        fts5_serve(Path(args.fts5_serve[0]), int(args.fts5_serve[1]))
        return 0

    args.work.mkdir(parents=True, exist_ok=True)
    args.log = lambda msg: print(msg, file=sys.stderr, flush=True)
    queries = load_queries(args.queries)
    rows: list[Row] = []
    started = time.monotonic()
    for token in args.sizes.split(","):
        size = None if token.strip() == "full" else int(token)
        bench_size(args, size, queries, rows)
        if args.json:
            args.json.write_text(json.dumps([r.__dict__ for r in rows], ensure_ascii=False, indent=1))
    print(f"\nsearchsvc benchmark: {len(queries)} queries x {args.rounds} rounds, --procs {args.procs}, "
          f"{os.cpu_count()} CPUs, {time.monotonic() - started:.0f} s in all\n")
    print(table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
