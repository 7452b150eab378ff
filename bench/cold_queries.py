#!/usr/bin/env python3
"""Cold queries: thousands of distinct queries, each searched once, beside FTS5 and Tantivy.

Run on purpose, not in CI (see bench/README.md, section "Cold queries"):

    flock /tmp/heavy.lock .venv/bin/python bench/cold_queries.py [DATA_DIR] --sizes 20000

benchmark.py times 64 queries repeated after a warm-up pass, so every posting list is
in the process's caches.  Here each query of a distinct, seeded list (XQuAD-vi questions
and VNTC headlines, as written and without accents, short names from titles, document
codes from bodies) runs exactly once in a process started for the run, with no warm-up
pass; the same process then runs benchmark.py's mix once (reported apart) and --rounds
more times (the warm figures, as benchmark.py measures them).  Then over HTTP: a fresh server per run, the list once with 1 client and once
with `--clients` clients.  The corpus, the searchsvc index and the FTS5 database are
benchmark.py's for the same size (same --work, same names), so the figures sit beside its.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import random
import re
import shutil
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(BENCH))

import benchmark  # noqa: E402  (bench/ modules: the corpus, FTS5 and HTTP helpers are reused)
from benchmark import (PY, Fts5Searcher, free_port, fts5_match, load_queries,  # noqa: E402
                       percentile, prepare_corpus, run_measured)

# Shares of the distinct-query list, by kind (a kind whose pool runs short leaves its
# places to the others, in this order).
SHARES = {
    "xquad": 0.20,  # XQuAD-vi questions as written
    "xquad-unaccented": 0.20,  # the same set, every mark stripped (a phone without an IME)
    "headline": 0.20,  # first line of VnExpress / Tuổi Trẻ articles in the corpus
    "headline-unaccented": 0.20,
    "name": 0.10,  # 2-3 capitalised syllables from titles (Nguyễn Tấn Dũng, Đà Nẵng)
    "code": 0.10,  # document codes / numbers found in bodies (57-NQ/TW, nghị định 15)
}
ENGINES = ("searchsvc", "fts5", "tantivy")
SLOWEST = 15


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


# -- the query list ------------------------------------------------------------------

_CODE = re.compile(
    r"(?<![\w/-])(?:\d{1,4}/\d{4}/[A-ZĐ]{1,6}(?:-[A-ZĐ]{1,6})+"  # 15/2006/NĐ-CP, 112/2005/QĐ-TTg-like
    r"|\d{1,4}-[A-ZĐ]{1,6}/[A-ZĐ]{1,6})(?![\w/-])"  # 57-NQ/TW
)
_ACT = re.compile(r"\b(nghị định|quyết định|thông tư|chỉ thị|nghị quyết|công văn)\s+(?:số\s+)?(\d{1,4})\b",
                  re.IGNORECASE)
_NAME_TOKEN = re.compile(r"[^\W\d_]+")
_PUNCT = "\"'“”‘’()[],.:;!?…-–"


def _names_in(title: str) -> list[tuple[str, str]]:
    """Runs of 2-3 capitalised syllables, not counting the title's first word (every
    title starts with a capital) nor runs longer than 3 (`Ủy Ban Nhân Dân Thành Phố`);
    punctuation ends a run.  Each with the lowercase word that follows it ('' if none):
    `Phó Chủ` is always followed by `tịch`, so it is a title cut short, not a name."""
    out: list[tuple[str, str]] = []
    run: list[str] = []

    def flush(after: str = "") -> None:
        if 2 <= len(run) <= 3:
            out.append((" ".join(run), after))
        run.clear()

    for n, token in enumerate(title.split()):
        word = token.strip(_PUNCT)
        if token[0] in _PUNCT:
            flush()
        if (n > 0 and _NAME_TOKEN.fullmatch(word) and word[0].isupper()
                and (len(word) == 1 or word[1:].islower())):
            run.append(word)
        else:
            flush(word.lower())
        if token[-1] in _PUNCT:
            flush()
    flush()
    return out


def _corpus_pools(corpus: Path) -> dict[str, list[str]]:
    """Headlines, names and codes of the corpus's articles (read from the files the
    indexes are built from)."""
    from relevance_data import HEADLINE_SOURCES, _lines, is_headline

    headlines: list[str] = []
    names: dict[str, int] = {}
    followers: dict[str, dict[str, int]] = {}
    codes: dict[str, int] = {}
    for path in sorted(corpus.rglob("*.txt")):
        source = path.name.split("-")[2].upper()  # <split>-<topic>-<source>[-t]-<n>.txt
        lines = _lines(path.read_bytes().decode("utf-16"))
        if not lines:
            continue
        first, rest = lines[0], lines[1:]
        if source in HEADLINE_SOURCES and is_headline(first, rest):
            headlines.append(first)
        for name, after in set(_names_in(first)):
            names[name] = names.get(name, 0) + 1
            if after:
                f = followers.setdefault(name, {})
                f[after] = f.get(after, 0) + 1
        body = "\n".join(rest)
        found = {m.group(0) for m in _CODE.finditer(body)}
        found |= {f"{m.group(1).lower()} {int(m.group(2))}" for m in _ACT.finditer(body)}
        for code in found:
            codes[code] = codes.get(code, 0) + 1
    return {
        "headline": headlines,
        # a name in two titles or more (a name people would look up, not a one-off phrase),
        # not followed by the same lowercase word in half of them (`Phó Chủ` tịch)
        "name": sorted(n for n, c in names.items()
                       if c >= 2 and 2 * max(followers.get(n, {}).values(), default=0) < c),
        "code": sorted(codes),
    }


def make_queries(data_dir: Path, corpus: Path, count: int, seed: int) -> list[tuple[str, str]]:
    """`count` distinct (kind, query) pairs, deterministic for a corpus and seed."""
    from relevance_data import load_xquad, strip_diacritics

    from searchsvc.analysis import normalize_text

    pools = _corpus_pools(corpus)
    questions = [q.text for q in load_xquad(data_dir)[1]]
    pools = {
        "xquad": questions,
        "xquad-unaccented": [strip_diacritics(q) for q in questions],
        "headline": pools["headline"],
        "headline-unaccented": [strip_diacritics(h) for h in pools["headline"]],
        "name": pools["name"],
        "code": pools["code"],
    }
    rng = random.Random(seed)
    order = {}
    for kind in SHARES:
        items = sorted(set(pools[kind]))
        rng.shuffle(items)
        order[kind] = items
    seen: set[str] = set()
    chosen: list[tuple[str, str]] = []
    cursor = dict.fromkeys(SHARES, 0)

    def take(kind: str, want: int) -> int:
        got = 0
        items = order[kind]
        while got < want and cursor[kind] < len(items):
            q = items[cursor[kind]]
            cursor[kind] += 1
            key = " ".join(normalize_text(q).lower().split())
            if key and key not in seen:
                seen.add(key)
                chosen.append((kind, q))
                got += 1
        return got

    for kind, share in SHARES.items():
        take(kind, round(count * share))
    while len(chosen) < count:  # pools that ran short: the others fill their places
        if not sum(take(kind, 1) for kind in SHARES if len(chosen) < count):
            break
    chosen = chosen[:count]
    rng.shuffle(chosen)  # kinds interleaved: the caches warm up alike for every kind
    return chosen


def write_queries(path: Path, queries: list[tuple[str, str]]) -> None:
    lines = ["# cold_queries.py: kind<TAB>query, in the order they are run"]
    lines += [f"{kind}\t{q}" for kind, q in queries]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


# -- engines (each in its own process) -------------------------------------------------

def open_engine(engine: str, target: Path):
    """(search function returning the total, close function) for one engine."""
    if engine == "searchsvc":
        from searchsvc.errors import BadRequest
        from searchsvc.open import open_service
        from searchsvc.search import SearchRequest
        from searchsvc.settings import load_settings

        # The settings' defaults (not this shell's SEARCHSVC_* variables), result cache off.
        service = open_service(load_settings({}, index_dir=target, result_cache_size=0))
        service.backend.view()  # open the index now: the first query's time is a query's time

        def search(q: str) -> dict:
            try:
                r = service.search(SearchRequest(q=q))  # the API's default request
            except BadRequest as exc:
                return {"total": None, "error": str(exc)}
            return {"total": r.total, "timed_out": r.timed_out}

        return search, service.close
    if engine == "fts5":
        fts = Fts5Searcher(target)

        def search(q: str) -> dict:
            return {"total": fts.search(q)["total"]}

        return search, lambda: fts.con().close()
    if engine == "tantivy":
        t = TantivySearcher(target)
        return t.search, lambda: None
    raise ValueError(engine)


class TantivySearcher:
    """relevance_engines.TantivyEngine's index (one field of title + body, ASCII folding),
    searched as benchmark.py searches FTS5: syllables ANDed, more than 5 ORed, a quoted
    query as a phrase; top 10 (their ids read) and the count."""

    def __init__(self, folder: Path) -> None:
        from relevance_engines import TantivyEngine

        if not (folder / "BUILT").exists():  # TantivyEngine would build an empty index here
            raise FileNotFoundError(f"no Tantivy index in {folder}")
        self.engine = TantivyEngine([], folder.parent, folder.name.removeprefix("tantivy-"))

    def query(self, q: str):
        import tantivy

        from searchsvc.analysis import normalize_text, tokenize

        e = self.engine
        text = normalize_text(q)
        phrase = re.fullmatch(r'\s*"(.*)"\s*', text)
        inner = phrase.group(1) if phrase else text
        syllables = [t for t in tokenize(inner) if t.kind in ("word", "number")]  # as fts5_match counts
        terms = list(dict.fromkeys(e.analyzer.analyze(inner)))
        if not terms:
            return None
        if phrase and len(terms) > 1:
            return tantivy.Query.phrase_query(e.schema, "text", e.analyzer.analyze(inner))
        occur = tantivy.Occur.Should if len(syllables) > 5 else tantivy.Occur.Must
        return tantivy.Query.boolean_query([(occur, tantivy.Query.term_query(e.schema, "text", t)) for t in terms])

    def search(self, q: str) -> dict:
        query = self.query(q)
        if query is None:
            return {"total": 0}
        searcher = self.engine.searcher
        result = searcher.search(query, 10, count=True)
        ids = [searcher.doc(address)["doc_id"][0] for _, address in result.hits]
        return {"total": result.count, "ids": len(ids)}


def tantivy_build(corpus: Path, folder: Path) -> None:
    """The corpus files through searchsvc's reader (as FTS5 gets them) into relevance_engines'
    Tantivy index (one text field: title + body, simple tokenizer, lowercase, ASCII folding)."""
    from relevance_data import Doc
    from relevance_engines import TantivyEngine

    from searchsvc.ingest import SkipFile, iter_corpus_files, read_document

    docs = []
    for path in iter_corpus_files(corpus):
        try:
            d = read_document(corpus, path)
        except SkipFile:
            continue
        docs.append(Doc(id=d.id, title=d.title, body=d.body, source="vntc"))
    shutil.rmtree(folder, ignore_errors=True)
    TantivyEngine(docs, folder.parent, folder.name.removeprefix("tantivy-"))
    print(json.dumps({"documents": len(docs)}))


def rss_now(pid: int | str = "self") -> tuple[int, int, int]:
    """(VmRSS, VmHWM, RssAnon) in bytes from /proc.  RssAnon is the process's own memory;
    the rest of RSS is mapped files (the index's flat postings), shared with the page cache."""
    vals = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(("VmRSS:", "VmHWM:", "RssAnon:")):
            key, value = line.split(":", 1)
            vals[key] = int(value.split()[0]) * 1024
    return vals.get("VmRSS", 0), vals.get("VmHWM", 0), vals.get("RssAnon", 0)


# Where a search's time goes: (label, file suffix, function) whose cumulative time is shown.
# Indented ones are part of the one above; "all callers" ones are spread over several.
PHASES = (
    ("matching (Evaluator.run: plan -> masks and scores)", "whoosh/evaluate.py", "run"),
    ("posting lists, all callers (IndexArrays.postings)", "whoosh/postings.py", "postings"),
    ("  not cached yet: _leaf_postings (Whoosh blocks, unpickle)", "whoosh/postings.py", "_leaf_postings"),
    ("positions, all callers (IndexArrays.positions)", "whoosh/postings.py", "positions"),
    ("stored fields of the hits (backend._stored)", "whoosh/backend.py", "_stored"),
    ("facets", "whoosh/backend.py", "_facets"),
    ("hits: title highlight + snippet (SearchService._hit)", "search/service.py", "_hit"),
    ("tokenize, all callers (mostly snippets)", "analysis/tokenize.py", "tokenize"),
    ("did-you-mean: suggest()", "search/suggest.py", "suggest"),
    ("  pair counts (IndexVocabulary.adjacent)", "whoosh/vocabulary.py", "adjacent"),
    ("  one-edit variants (terms_within_one_edit)", "whoosh/postings.py", "terms_within_one_edit"),
    ("did-you-mean: check and capitals (_as_written)", "search/service.py", "_as_written"),
)


def profile_phases(stats: pstats.Stats, total: float) -> str:
    """Cumulative seconds of the PHASES functions (recursion counted once, as pstats does)."""
    lines = [f"{'where (cumulative, under cProfile)':60} {'s':>7} {'share':>6}"]
    for label, suffix, func in PHASES:
        cum = sum(v[3] for (file, _line, name), v in stats.stats.items()
                  if name == func and file.endswith(suffix))
        lines.append(f"{label:60} {cum:7.2f} {cum / total:6.0%}")
    return "\n".join(lines)


def worker(args) -> int:
    """One engine in this (fresh) process: the cold list once each, then the warm mix."""
    cold = [tuple(line.split("\t", 1)) for line in args.query_file.read_text("utf-8").splitlines()
            if line and not line.startswith("#")]
    started = time.perf_counter()
    search, close = open_engine(args.worker, args.target)
    open_ms = (time.perf_counter() - started) * 1000
    out = {"engine": args.worker, "open_ms": open_ms, "pid": os.getpid()}
    if args.profile:
        prof = cProfile.Profile()
        t0 = time.perf_counter()
        prof.enable()
        for _, q in [c for c in cold if args.profile_kind in (None, c[0])][:args.profile]:
            search(q)
        prof.disable()
        out["profile_seconds"] = time.perf_counter() - t0
        text = io.StringIO()
        stats = pstats.Stats(prof, stream=text)
        text.write(profile_phases(stats, out["profile_seconds"]) + "\n\n")
        stats.sort_stats("cumulative").print_stats(25)
        text.write("\n-- by own time --\n")
        stats.sort_stats("tottime").print_stats(25)
        out["profile"] = text.getvalue()
        close()
        args.out.write_text(json.dumps(out, ensure_ascii=False))
        return 0
    rows = []
    for kind, q in cold:
        t = time.perf_counter()
        try:
            r = search(q)
        except Exception as exc:  # noqa: BLE001 - an engine's failure is a figure, not a crash
            r = {"total": None, "error": f"{type(exc).__name__}: {exc}"}
        rows.append({"kind": kind, "q": q, "ms": (time.perf_counter() - t) * 1000, **r})
    out["cold"] = rows
    out["rss_after_cold"], _, out["anon_after_cold"] = rss_now()
    warm = load_queries(args.warm)
    passes = []
    for _ in range(1 + args.rounds):  # as benchmark.py: one pass (kept apart), then the measured ones
        for _, q in warm:
            t = time.perf_counter()
            search(q)
            passes.append((time.perf_counter() - t) * 1000)
    out["mix_first"] = passes[:len(warm)]  # the mix's first search in a process that ran the cold list
    out["warm"] = passes[len(warm):]
    out["warm_queries"] = len(warm)
    out["rss"], out["rss_peak"], out["anon"] = rss_now()
    close()
    args.out.write_text(json.dumps(out, ensure_ascii=False))
    return 0


# -- HTTP ------------------------------------------------------------------------------

def tantivy_serve(folder: Path, port: int) -> None:
    """A minimal threaded HTTP server answering /api/search from Tantivy, like benchmark.py's
    FTS5 server (searches hold the GIL only around the Python parts; tantivy runs without it)."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    searcher = TantivySearcher(folder)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True

        def do_GET(self):  # noqa: N802
            url = urllib.parse.urlsplit(self.path)
            if url.path == "/healthz":
                body = b"ok"
            elif url.path == "/api/search":
                q = urllib.parse.parse_qs(url.query).get("q", [""])[0]
                body = json.dumps({"query": q, "hits": [], **searcher.search(q)}).encode()
            else:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    ThreadingHTTPServer.daemon_threads = True
    ThreadingHTTPServer.request_queue_size = 64
    ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()


_TIMED_OUT = re.compile(rb'"timed_out":\s*true')


def http_once(port: int, queries: list[tuple[str, str]], clients: int) -> dict:
    """Every query sent once, `clients` threads (each one keep-alive connection) taking
    the next query from a shared list."""
    import http.client

    lock = threading.Lock()
    nxt = [0]
    rows: list[dict] = []

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        conn.connect()  # connecting is not part of any query's time
        mine = []
        while True:
            with lock:
                i = nxt[0]
                nxt[0] += 1
            if i >= len(queries):
                break
            kind, q = queries[i]
            path = "/api/search?" + urllib.parse.urlencode({"q": q})
            t = time.perf_counter()
            error = ""
            try:
                conn.request("GET", path)
                resp = conn.getresponse()
                body = resp.read()
                ok = resp.status == 200 and b'"hits"' in body
                timed_out = bool(_TIMED_OUT.search(body))
                if not ok:  # what went wrong, for the report
                    error = f"HTTP {resp.status}: {body[:300].decode('utf-8', 'replace')}"
            except (OSError, http.client.HTTPException) as exc:
                ok, timed_out = False, False
                error = f"{type(exc).__name__}: {exc}"
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            mine.append({"kind": kind, "q": q, "ms": (time.perf_counter() - t) * 1000, "ok": ok,
                         "timed_out": timed_out, **({"error": error} if error else {})})
        conn.close()
        with lock:
            rows.extend(mine)

    started = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    return {"rows": rows, "wall": wall, "rps": len(rows) / wall, "errors": sum(not r["ok"] for r in rows),
            "timed_out": sum(r["timed_out"] for r in rows)}


def server_rss(pid: int) -> list[tuple[int, int]]:
    """(RSS, RSS less mapped files) of a server process and its children (the forked
    workers), in bytes."""
    import psutil

    out = []
    try:
        parent = psutil.Process(pid)
        for p in [parent] + parent.children(recursive=True):
            try:
                info = p.memory_info()
                out.append((info.rss, info.rss - info.shared))
            except psutil.Error:
                pass
    except psutil.Error:
        pass
    return out


def http_run(cmd: list[str], port: int, env: dict | None, queries, clients: int,
             server_log: Path | None = None) -> dict:
    """A fresh server, the list once over HTTP, the server's RSS, the server stopped.
    The server's log goes to `server_log` (else nowhere)."""
    import signal

    log_file = open(server_log, "wb") if server_log else subprocess.DEVNULL  # noqa: SIM115 (closed below)
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=log_file,
                            env={**os.environ, **(env or {})}, start_new_session=True)
    try:
        benchmark.wait_healthy(port, proc)
        result = http_once(port, queries, clients)
        result["rss"] = server_rss(proc.pid)
        return result
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        if server_log:
            log_file.close()


# -- one size ----------------------------------------------------------------------------

def drop_caches() -> str:
    """Empty the OS page cache if this machine lets us; say what happened."""
    try:
        subprocess.run(["sync"], check=True)
        with open("/proc/sys/vm/drop_caches", "w") as fh:
            fh.write("3\n")
        return "dropped"
    except OSError as exc:
        return f"not dropped ({exc.strerror or exc})"


def build_all(args, size, corpus: Path, paths: dict[str, Path]) -> None:
    engines = args.engine_list
    if "searchsvc" in engines:
        from searchsvc.whoosh import store

        if args.reuse and store.current_generation(paths["searchsvc"]) is not None:
            log(f"  searchsvc: reusing {paths['searchsvc']}")
        else:
            cmd = [PY, "-m", "searchsvc", "index", "--corpus", str(corpus), "--index", str(paths["searchsvc"]),
                   "--rebuild", "--procs", str(args.procs), "--json"]
            wall, peak, _ = run_measured(cmd)
            log(f"  searchsvc: built in {wall:.1f} s (peak RSS {peak / 2**20:.0f} MB)")
    if "fts5" in engines:
        if args.reuse and paths["fts5"].exists():
            log(f"  fts5: reusing {paths['fts5']}")
        else:
            wall, _, _ = run_measured([PY, str(BENCH / "benchmark.py"), "--fts5-build", str(corpus),
                                       str(paths["fts5"])])
            log(f"  fts5: built in {wall:.1f} s")
    if "tantivy" in engines:
        if args.reuse and (paths["tantivy"] / "BUILT").exists():
            log(f"  tantivy: reusing {paths['tantivy']}")
        else:
            wall, _, _ = run_measured([PY, __file__, "--tantivy-build", str(corpus), str(paths["tantivy"])])
            log(f"  tantivy: built in {wall:.1f} s")


def run_size(args, size: int | None) -> dict:
    tag = str(size or "full")
    corpus = prepare_corpus(args.data, args.work, size)
    ndocs = int((corpus / ".complete").read_text())
    label = f"{size // 1000}k" if size and size >= 1000 else tag
    label = f"{label} ({ndocs} docs)"
    paths = {"searchsvc": args.work / f"index-{tag}", "fts5": args.work / f"fts5-{tag}.db",
             "tantivy": args.work / f"tantivy-corpus-{tag}"}
    log(f"== {label}: corpus {corpus}")
    build_all(args, size, corpus, paths)

    qfile = args.work / f"cold-queries-{tag}-{args.queries}-s{args.seed}.tsv"
    t = time.perf_counter()
    queries = make_queries(args.data, corpus, args.queries, args.seed)
    write_queries(qfile, queries)
    counts: dict[str, int] = {}
    for kind, _ in queries:
        counts[kind] = counts.get(kind, 0) + 1
    log(f"  {len(queries)} distinct queries in {qfile} ({time.perf_counter() - t:.0f} s): "
        + ", ".join(f"{k} {v}" for k, v in counts.items()))
    res: dict = {"size": label, "queries_file": str(qfile), "kinds": counts, "engines": {}, "http": {}}

    if args.profile:
        out = args.work / "cold-profile.json"
        note = drop_caches() if args.drop_caches else "not asked"
        subprocess.run([PY, __file__, "--worker", "searchsvc", "--target", str(paths["searchsvc"]),
                        "--query-file", str(qfile), "--out", str(out), "--profile", str(args.profile)]
                       + (["--profile-kind", args.profile_kind] if args.profile_kind else []), check=True)
        prof = json.loads(out.read_text())
        res["profile"] = prof
        log(f"  profile: first {args.profile} cold queries in {prof['profile_seconds']:.1f} s under cProfile "
            f"(OS cache {note})")
        if args.profile_only:
            return res

    for engine in args.engine_list:
        note = drop_caches() if args.drop_caches else "not asked"
        out = args.work / f"cold-{engine}-{tag}.json"
        cmd = [PY, __file__, "--worker", engine, "--target", str(paths[engine]), "--query-file", str(qfile),
               "--warm", str(args.warm), "--rounds", str(args.rounds), "--out", str(out)]
        t = time.perf_counter()
        subprocess.run(cmd, check=True)
        data = json.loads(out.read_text())
        data["drop_caches"] = note
        res["engines"][engine] = data
        cold = [r["ms"] for r in data["cold"]]
        log(f"  {engine} in process: cold p50 {percentile(cold, 50):.1f} p95 {percentile(cold, 95):.1f} ms, "
            f"warm p95 {percentile(data['warm'], 95):.1f} ms, open {data['open_ms']:.0f} ms, "
            f"RSS {data['rss'] / 2**20:.0f} MB (own {data['anon'] / 2**20:.0f}), caches {note} ({time.perf_counter() - t:.0f} s)")

    if args.http:
        for engine in args.engine_list:
            for clients in (1, args.clients):
                port = free_port()
                env = None
                if engine == "searchsvc":
                    cmd = [PY, "-m", "searchsvc", "serve", "--corpus", str(corpus), "--index",
                           str(paths["searchsvc"]), "--host", "127.0.0.1", "--port", str(port)]
                    env = {"SEARCHSVC_RESULT_CACHE_SIZE": "0"}
                elif engine == "fts5":
                    cmd = [PY, str(BENCH / "benchmark.py"), "--fts5-serve", str(paths["fts5"]), str(port)]
                else:
                    cmd = [PY, __file__, "--tantivy-serve", str(paths["tantivy"]), str(port)]
                r = http_run(cmd, port, env, queries, clients)
                res["http"][f"{engine}/{clients}"] = r
                lat = [x["ms"] for x in r["rows"]]
                log(f"  {engine} HTTP {clients} client(s): {r['rps']:.1f} req/s, p50 {percentile(lat, 50):.1f} "
                    f"p95 {percentile(lat, 95):.1f} ms, {r['errors']} errors, {r['timed_out']} timed out, "
                    f"RSS {'/'.join(f'{b / 2**20:.0f}' for b, _ in r['rss'])} MB "
                    f"(own {'/'.join(f'{a / 2**20:.0f}' for _, a in r['rss'])})")
    out = args.work / f"cold-result-{tag}.json"  # every query's time, per engine and run
    out.write_text(json.dumps(res, ensure_ascii=False))
    log(f"  per-query results: {out}")
    return res


# -- report ----------------------------------------------------------------------------

def _ms(v: float) -> str:
    return f"{v:,.0f}" if v >= 100 else f"{v:.1f}"


def _stats(values: list[float]) -> str:
    return " | ".join(_ms(percentile(values, p)) for p in (50, 95, 99)) + f" | {_ms(max(values))}"


def report(res: dict, rows: list[dict]) -> str:
    lines = [f"### {res['size']}: {sum(res['kinds'].values())} distinct queries "
             f"({', '.join(f'{k} {v}' for k, v in res['kinds'].items())})", ""]
    lines += ["| engine | run | queries | p50 ms | p95 ms | p99 ms | max ms | req/s | errors | timed out | RSS MB | own MB |",
              "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    p95s: dict[tuple[str, str], float] = {}

    def add(engine, run, values, rps="", errors="", timed_out="", rss="", own=""):
        """One row; `rss` and `own` are strings of MB figures ('412' or '38/412/405')."""
        p95s[(engine, run)] = percentile(values, 95)
        lines.append(f"| {engine} | {run} | {len(values)} | {_stats(values)} | {rps} | {errors} | {timed_out} "
                     f"| {rss} | {own} |")
        rows.append({"size": res["size"], "engine": engine, "run": run, "queries": len(values),
                     **{f"p{p}": percentile(values, p) for p in (50, 95, 99)}, "max": max(values),
                     "rps": float(rps) if rps else None, "errors": errors if errors != "" else None,
                     "timed_out": timed_out if timed_out != "" else None,
                     "rss_mb": [int(x) for x in rss.split("/")] if rss else None,
                     "own_mb": [int(x) for x in own.split("/")] if own else None})

    for engine, data in res["engines"].items():
        cold = [r["ms"] for r in data["cold"]]
        errs = sum(r.get("total") is None for r in data["cold"])
        tos = sum(bool(r.get("timed_out")) for r in data["cold"])
        add(engine, "cold, in process", cold, errors=errs, timed_out=tos if engine == "searchsvc" else "",
            rss=f"{data['rss_after_cold'] / 2**20:.0f}", own=f"{data['anon_after_cold'] / 2**20:.0f}")
        add(engine, f"mix's first pass, in process ({data['warm_queries']})", data["mix_first"])
        add(engine, f"warm, in process ({data['warm_queries']} x {len(data['warm']) // data['warm_queries']})",
            data["warm"], rss=f"{data['rss'] / 2**20:.0f}", own=f"{data['anon'] / 2**20:.0f}")
    for key, r in res["http"].items():
        engine, clients = key.split("/")
        lat = [x["ms"] for x in r["rows"]]
        rss = "/".join(f"{b / 2**20:.0f}" for b, _ in r["rss"])
        own = "/".join(f"{a / 2**20:.0f}" for _, a in r["rss"])
        add(engine, f"cold, HTTP {clients} client{'s' if clients != '1' else ''}", lat, rps=f"{r['rps']:.1f}",
            errors=r["errors"], timed_out=r["timed_out"] if engine == "searchsvc" else "", rss=rss, own=own)
    lines.append("")
    lines.append("RSS: in process, after the cold list and after the warm mix; over HTTP, the server's "
                 "processes after the run (searchsvc: parent/worker/worker). Own: RSS less mapped "
                 "files (the index files a process maps are shared with the page cache and every "
                 "other process reading them).")
    notes = {e: d.get("drop_caches") for e, d in res["engines"].items()}
    lines.append(f"OS file cache before each in-process run: {notes}. Open (ms): "
                 + ", ".join(f"{e} {d['open_ms']:.0f}" for e, d in res["engines"].items()))

    if "tantivy" in res["engines"] and "searchsvc" in res["engines"]:
        lines.append("")
        ratios = []
        for (engine, run), v in p95s.items():
            if engine == "searchsvc" and ("tantivy", run) in p95s:
                ratios.append(f"{run} {v / p95s[('tantivy', run)]:.1f}x")
        lines.append("p95 searchsvc / Tantivy: " + "; ".join(ratios))
    if "fts5" in res["engines"] and "searchsvc" in res["engines"]:
        ratios = [f"{run} {v / p95s[('fts5', run)]:.1f}x" for (engine, run), v in p95s.items()
                  if engine == "searchsvc" and ("fts5", run) in p95s]
        lines.append("p95 searchsvc / FTS5: " + "; ".join(ratios))

    kinds = list(res["kinds"])
    if res["engines"]:
        lines += ["", "p95 (ms) by kind, cold:", "",
                  "| kind | " + " | ".join(f"{e} in process" for e in res["engines"])
                  + "".join(f" | {k.replace('/', ' HTTP ')}" for k in res["http"]) + " |",
                  "|---|" + "---:|" * (len(res["engines"]) + len(res["http"]))]
        for kind in kinds:
            cells = []
            for data in res["engines"].values():
                cells.append(_ms(percentile([r["ms"] for r in data["cold"] if r["kind"] == kind], 95)))
            for r in res["http"].values():
                cells.append(_ms(percentile([x["ms"] for x in r["rows"] if x["kind"] == kind], 95)))
            lines.append(f"| {kind} | " + " | ".join(cells) + " |")

    if res["engines"]:
        # Caches fill as the list is run: the first quarter is closest to a freshly started server.
        lines += ["", "cold in process, p50 / p95 (ms) by quarter of the list and by words in the query:", ""]
        bins = ((1, 3), (4, 5), (6, 10), (11, 1000))
        lines += ["| engine | " + " | ".join(f"queries {i + 1}/4" for i in range(4)) + " | "
                  + " | ".join(f"{lo}-{hi} words" if hi < 1000 else f"{lo}+ words" for lo, hi in bins) + " |",
                  "|---|" + "---:|" * 8]
        for engine, data in res["engines"].items():
            cold = data["cold"]
            quarter = len(cold) // 4 or 1
            cells = []
            for i in range(4):
                part = [r["ms"] for r in cold[i * quarter:(i + 1) * quarter if i < 3 else None]]
                cells.append(f"{_ms(percentile(part, 50))} / {_ms(percentile(part, 95))}" if part else "-")
            for lo, hi in bins:
                part = [r["ms"] for r in cold if lo <= len(r["q"].split()) <= hi]
                cells.append(f"{_ms(percentile(part, 50))} / {_ms(percentile(part, 95))} ({len(part)})"
                             if part else "-")
            lines.append(f"| {engine} | " + " | ".join(cells) + " |")

    if "searchsvc" in res["engines"]:
        other = {e: {r["q"]: r for r in d["cold"]} for e, d in res["engines"].items() if e != "searchsvc"}
        lines += ["", f"{SLOWEST} slowest cold queries of searchsvc in process:", "",
                  "| ms | kind | total | query |" + "".join(f" {e} ms |" for e in other),
                  "|---:|---|---:|---|" + "---:|" * len(other)]
        for r in sorted(res["engines"]["searchsvc"]["cold"], key=lambda r: -r["ms"])[:SLOWEST]:
            q = r["q"] if len(r["q"]) <= 90 else r["q"][:87] + "..."
            q = q.replace("|", "\\|")
            total = r.get("total")
            total = f"{total:,}" if total is not None else r.get("error", "error")
            cells = "".join(f" {_ms(other[e][r['q']]['ms']) if r['q'] in other[e] else '-'} |" for e in other)
            lines.append(f"| {_ms(r['ms'])} | {r['kind']} | {total}{' (timed out)' if r.get('timed_out') else ''} "
                         f"| {q} |{cells}")

    if "searchsvc" in res["engines"]:
        cold = [r["ms"] for r in res["engines"]["searchsvc"]["cold"]]
        t = res["engines"].get("tantivy")
        checks = [f"in-process cold p95 {_ms(percentile(cold, 95))} ms (target <= 100)"]
        if "searchsvc/1" in res["http"]:
            lat = [x["ms"] for x in res["http"]["searchsvc/1"]["rows"]]
            checks.append(f"HTTP 1 client p95 {_ms(percentile(lat, 95))} ms (target <= 150)")
        multi = [k for k in res["http"] if k.startswith("searchsvc/") and k != "searchsvc/1"]
        for k in multi:
            r = res["http"][k]
            checks.append(f"HTTP {k.split('/')[1]} clients {r['rps']:.1f} req/s, {r['errors']} errors "
                          f"(target >= 30, 0)")
        if t:
            ratio = percentile(cold, 95) / percentile([r["ms"] for r in t["cold"]], 95)
            checks.append(f"cold p95 / Tantivy's {ratio:.1f}x (target <= 5x)")
        lines += ["", "Against the targets (meant for 84k): " + "; ".join(checks) + "."]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("data", nargs="?", type=Path, default=REPO / ".." / "shared" / "data",
                    help="folder holding vntc/*.jsonl.gz and xquad-vi/ (default ../shared/data)")
    ap.add_argument("--sizes", default="20000", help="comma-separated article counts or 'full' (as benchmark.py)")
    ap.add_argument("--work", type=Path, default=Path("/tmp/searchsvc-bench"),
                    help="scratch folder (benchmark.py's: its corpora, indexes and FTS5 databases are shared)")
    ap.add_argument("--reuse", action="store_true",
                    help="use the searchsvc index, FTS5 database and Tantivy index already in --work")
    ap.add_argument("--queries", type=int, default=2400, help="distinct queries in the cold list")
    ap.add_argument("--seed", type=int, default=17, help="seed of the query list")
    ap.add_argument("--engines", default=",".join(ENGINES), help="comma-separated: searchsvc,fts5,tantivy")
    ap.add_argument("--http", action=argparse.BooleanOptionalAction, default=True,
                    help="also send the list over HTTP to a fresh server per run (default: yes)")
    ap.add_argument("--clients", type=int, default=8, help="concurrent clients of the second HTTP run")
    ap.add_argument("--warm", type=Path, default=BENCH / "queries.txt", help="the repeated (warm) mix")
    ap.add_argument("--rounds", type=int, default=2,
                    help="measured passes over the warm mix, after one pass reported apart (as benchmark.py)")
    ap.add_argument("--procs", type=int, default=2, help="searchsvc index --procs")
    ap.add_argument("--drop-caches", action="store_true",
                    help="empty the OS page cache before each in-process run (needs root, and a machine that allows it)")
    ap.add_argument("--profile", type=int, default=0, metavar="N",
                    help="first run the first N cold queries of searchsvc under cProfile in a fresh process")
    ap.add_argument("--profile-kind", choices=SHARES, help="with --profile: only queries of this kind")
    ap.add_argument("--profile-only", action="store_true", help="with --profile: stop after the profile")
    ap.add_argument("--json", type=Path, help="also write the table rows as JSON here")
    # worker modes (internal)
    ap.add_argument("--worker", choices=ENGINES, help=argparse.SUPPRESS)
    ap.add_argument("--target", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--query-file", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--tantivy-build", nargs=2, type=Path, metavar=("CORPUS", "FOLDER"), help=argparse.SUPPRESS)
    ap.add_argument("--tantivy-serve", nargs=2, metavar=("FOLDER", "PORT"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    if args.worker:
        return worker(args)
    if args.tantivy_build:
        tantivy_build(*args.tantivy_build)
        return 0
    if args.tantivy_serve:
        tantivy_serve(Path(args.tantivy_serve[0]), int(args.tantivy_serve[1]))
        return 0

    args.engine_list = [e.strip() for e in args.engines.split(",") if e.strip()]
    unknown = set(args.engine_list) - set(ENGINES)
    if unknown:
        ap.error(f"unknown engines: {', '.join(sorted(unknown))}")
    args.work.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    rows: list[dict] = []
    reports = []
    for token in args.sizes.split(","):
        size = None if token.strip() == "full" else int(token)
        res = run_size(args, size)
        if "profile" in res:
            print(f"\ncProfile, first {args.profile} cold {args.profile_kind or ''} queries of searchsvc ({res['size']}), "
                  f"{res['profile']['profile_seconds']:.1f} s under the profiler:\n")
            print(res["profile"]["profile"])
        if res["engines"] or res["http"]:
            reports.append(report(res, rows))
        if args.json:
            args.json.write_text(json.dumps(rows, ensure_ascii=False, indent=1))
    print(f"\ncold_queries.py: --sizes {args.sizes} --queries {args.queries} --seed {args.seed}, "
          f"{os.cpu_count()} CPUs, {time.monotonic() - started:.0f} s in all\n")
    print("\n\n".join(reports))
    return 0


if __name__ == "__main__":
    sys.exit(main())
