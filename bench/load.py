"""Load test: a mixed query workload against the real production server on loopback,
with incremental reindexing running at the same time.

    flock /tmp/heavy.lock .venv/bin/python bench/load.py            # defaults: 3,000 extra docs, 8 users, 60 s

What it does (see bench/README.md, section "Load"):
  1. builds a corpus: the bundled sample corpus plus --docs VNTC articles from
     ../shared/data/vntc (cached with its index in $TMPDIR/searchsvc-load-<docs>/);
  2. copies corpus and index to a fresh temporary folder and starts
     `python -m searchsvc serve` (waitress) on 127.0.0.1 at a free port;
  3. runs locust headless (--users users, --duration seconds; each user also stops after
     --max-requests requests) against it, only ever to 127.0.0.1;
  4. meanwhile changes, adds and deletes corpus files and runs `searchsvc index` twice;
  5. prints requests/s, p50/p95/p99 latency and errors, checks that the server serves the
     reindexed content, stops everything, and exits 1 on any error.

This same file is the locustfile: locust imports it as a module (not __main__), which
defines the user class below; run as a script it is the driver and never imports locust.
"""

from __future__ import annotations

import os
import random

if __name__ != "__main__":  # imported by locust: the workload
    from locust import HttpUser, between, events, task
    from locust.exception import StopUser

    QUERIES = [q for q in os.environ.get("SEARCHSVC_LOAD_QUERIES", "").split("\n") if q.strip()] or [
        "bien doi khi hau"]
    MAX_REQUESTS = int(os.environ.get("SEARCHSVC_LOAD_MAX_REQUESTS", "5000"))

    @events.init.add_listener
    def _loopback_only(environment, **kwargs):
        host = environment.host or ""
        if not host.startswith(("http://127.0.0.1:", "http://localhost:", "http://[::1]:")):
            raise SystemExit(f"refusing to send load to {host!r}: loopback only")

    class Reader(HttpUser):
        """A portal or a journalist: searches (mostly JSON, some HTML), opens documents."""

        wait_time = between(0.05, 0.3)

        def on_start(self):
            self.rng = random.Random()
            self.sent = 0

        def _count(self):
            self.sent += 1
            if self.sent > MAX_REQUESTS:
                raise StopUser()

        def _search(self, name: str, **params):
            self._count()
            with self.client.get("/api/search", params=params, name=name, catch_response=True) as r:
                if r.status_code != 200:
                    r.failure(f"HTTP {r.status_code}")
                    return None
                body = r.json()
                if body.get("timed_out"):
                    r.failure("search timed out")
                return body

        @task(10)
        def search_plain(self):
            self._search("/api/search", q=self.rng.choice(QUERIES))

        @task(3)
        def search_phrase(self):
            self._search("/api/search phrase", q=f'"{self.rng.choice(QUERIES)}"')

        @task(3)
        def search_filtered(self):
            source, category = self.rng.choice(
                [("vntc-train", None), ("vntc", "the-thao"), ("web", None), (None, "kinh-doanh")])
            params = {"q": self.rng.choice(QUERIES), "source": source, "category": category}
            if self.rng.random() < 0.5:
                params.update({"from": "2005", "to": "2025"})
            self._search("/api/search filtered", **{k: v for k, v in params.items() if v})

        @task(2)
        def search_sorted_deep(self):
            self._search("/api/search sort/page", q=self.rng.choice(QUERIES), sort="date",
                         page=self.rng.randint(2, 5))

        @task(1)
        def search_long_or_misspelt(self):
            q = " ".join(self.rng.sample(QUERIES, 4)) if self.rng.random() < 0.5 else "bieen doii khi haau"
            self._search("/api/search long/typo", q=q)

        @task(4)
        def page(self):
            self._count()
            self.client.get("/", params={"q": self.rng.choice(QUERIES)}, name="/ (HTML)")

        @task(3)
        def document(self):
            body = self._search("/api/search", q=self.rng.choice(QUERIES), per_page=5)
            if not body or not body["hits"]:
                return
            doc_id = self.rng.choice(body["hits"])["id"]
            self._count()
            html = self.rng.random() < 0.5
            path = ("/documents/" if html else "/api/documents/") + doc_id
            name = "/documents/[id] (HTML)" if html else "/api/documents/[id]"
            with self.client.get(path, name=name, catch_response=True) as r:
                # A document deleted by the reindex between search and fetch is a correct 404.
                if r.status_code == 404:
                    r.success()

        @task(1)
        def health(self):
            self._count()
            self.client.get("/healthz")


def main() -> int:  # the driver
    import argparse
    import csv
    import gzip
    import json
    import re
    import shutil
    import subprocess
    import sys
    import tempfile
    import time
    import urllib.parse
    import urllib.request
    from pathlib import Path

    from unidecode import unidecode

    root = Path(__file__).resolve().parent.parent
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=3000, help="VNTC articles added to the sample corpus")
    parser.add_argument("--users", type=int, default=8, help="concurrent locust users")
    parser.add_argument("--duration", type=int, default=60, help="seconds of load (at most 600)")
    parser.add_argument("--max-requests", type=int, default=5000, help="requests per user, at most")
    parser.add_argument("--threads", type=int, default=8, help="waitress threads")
    parser.add_argument("--vntc", type=Path,
                        default=root.parent / "shared" / "data" / "vntc" / "vntc_10topics_train.jsonl.gz")
    parser.add_argument("--cache", type=Path, help="where the built corpus and index are kept")
    args = parser.parse_args()
    duration = max(10, min(args.duration, 600))
    py = sys.executable
    env = {**os.environ, "PYTHONPATH": str(root)}

    # 1. corpus + base index, cached
    cache = args.cache or Path(tempfile.gettempdir()) / f"searchsvc-load-{args.docs}"
    if not (cache / "index" / "CURRENT").exists():
        print(f"building corpus and index in {cache} (once) ...", flush=True)
        shutil.rmtree(cache, ignore_errors=True)
        shutil.copytree(root / "corpus", cache / "corpus")
        with gzip.open(args.vntc, "rt", encoding="utf-8") as fh:
            lines = fh.readlines()
        step = max(1, len(lines) // max(1, args.docs))
        for n, line in enumerate(lines[::step][: args.docs]):
            item = json.loads(line)
            category = re.sub(r"\W+", "-", unidecode(item["category"]).lower()).strip("-")
            path = cache / "corpus" / "vntc-train" / category / f"{n:05d}.txt"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(item["text"].strip() + "\n", encoding="utf-8")
        started = time.monotonic()
        subprocess.run([py, "-m", "searchsvc", "index", "--corpus", str(cache / "corpus"),
                        "--index", str(cache / "index")], check=True, env=env, cwd=root)
        print(f"  indexed in {time.monotonic() - started:.0f} s", flush=True)

    # Queries: 2-4 consecutive syllables from titles, about half typed without accents.
    rng = random.Random(42)
    titles = []
    for path in sorted((cache / "corpus").rglob("*.txt"))[::7]:
        first = path.read_text("utf-8", errors="replace").strip().split("\n", 1)[0]
        words = [w for w in re.findall(r"\w+", first) if not w.isdigit()]
        if len(words) >= 4:
            titles.append(words)
    queries = set()
    for _ in range(20_000 if titles else 0):
        if len(queries) >= 600:
            break
        words = rng.choice(titles)
        n = rng.randint(2, 4)
        i = rng.randrange(0, len(words) - n + 1)
        q = " ".join(words[i : i + n]).lower()
        queries.add(unidecode(q) if rng.random() < 0.5 else q)
    queries |= {"bien doi khi hau", "nghị quyết 57", "nq 57", "57-NQ/TW", "cao bang", "giá điện"}

    work = Path(tempfile.mkdtemp(prefix="searchsvc-load-run-"))
    server = locust = None
    try:
        # 2. a private copy, and the production server on loopback
        corpus, index_dir = work / "corpus", work / "index"
        shutil.copytree(cache / "corpus", corpus)
        shutil.copytree(cache / "index", index_dir, ignore=shutil.ignore_patterns("writer.lock"))
        import socket

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        base = f"http://127.0.0.1:{port}"
        server_log = open(work / "server.log", "w")
        server = subprocess.Popen(
            [py, "-m", "searchsvc", "serve", "--corpus", str(corpus), "--index", str(index_dir),
             "--host", "127.0.0.1", "--port", str(port), "--threads", str(args.threads)],
            env=env, cwd=root, stdout=server_log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=2) as r:
                    documents = json.load(r)["documents"]
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit("server did not start; see " + str(work / "server.log"))
                time.sleep(0.3)
        print(f"server on {base}: {documents} documents, {args.threads} threads", flush=True)

        # 3. locust, headless, bounded in time and count
        csv_prefix = work / "stats"
        locust = subprocess.Popen(
            [py, "-m", "locust", "-f", str(Path(__file__).resolve()), "--headless",
             "-u", str(args.users), "-r", str(args.users), "-t", f"{duration}s", "--host", base,
             "--csv", str(csv_prefix), "--only-summary", "--stop-timeout", "10", "--loglevel", "WARNING"],
            env={**env, "SEARCHSVC_LOAD_QUERIES": "\n".join(sorted(queries)),
                 "SEARCHSVC_LOAD_MAX_REQUESTS": str(args.max_requests)},
            cwd=root, stdout=open(work / "locust.log", "w"), stderr=subprocess.STDOUT)
        load_started = time.monotonic()

        # 4. reindex while the load runs: change, add and delete files, twice
        files = sorted((corpus / "vntc-train").rglob("*.txt"))
        rng.shuffle(files)
        reindexes = []
        marker, expected = "", 0
        for round_ in (1, 2):
            time.sleep(max(0.0, load_started + duration * round_ / 3 - time.monotonic()))
            marker = f"dauvet{round_}x{rng.randrange(10**6)}"
            batch, files = files[:60], files[60:]
            expected = len(batch[:40]) + 20  # changed + added: all must be found afterwards
            for path in batch[:40]:  # changed
                with open(path, "a", encoding="utf-8") as fh:
                    fh.write(f"\nCập nhật {marker} lúc {time.strftime('%H:%M:%S')}.\n")
            for n in range(20):  # added
                (corpus / "moi").mkdir(exist_ok=True)
                (corpus / "moi" / f"{marker}-{n}.txt").write_text(
                    f"Thông cáo mới {n}\n\nNội dung {marker} số {n} về biến đổi khí hậu.\n", "utf-8")
            for path in batch[40:]:  # deleted
                path.unlink()
            started = time.monotonic()
            run = subprocess.run([py, "-m", "searchsvc", "index", "--corpus", str(corpus), "--index",
                                  str(index_dir), "--wait", "120"], env=env, cwd=root,
                                 capture_output=True, text=True)
            reindexes.append((time.monotonic() - started, run.returncode, run.stdout.strip().splitlines()[-1:]))
            print(f"reindex {round_}: {reindexes[-1][0]:.1f} s, exit {run.returncode}: "
                  f"{' '.join(reindexes[-1][2])}", flush=True)

        locust.wait(timeout=duration + 60)
        wall = time.monotonic() - load_started

        # 5. results
        rows = list(csv.DictReader(open(f"{csv_prefix}_stats.csv", encoding="utf-8")))
        fails = list(csv.DictReader(open(f"{csv_prefix}_failures.csv", encoding="utf-8")))
        print(f"\n{'request':32s} {'count':>7s} {'fail':>5s} {'req/s':>7s} {'p50':>6s} {'p95':>6s} "
              f"{'p99':>6s} {'max':>7s}  (ms)")
        for row in rows:
            print(f"{row['Name'][:32]:32s} {row['Request Count']:>7s} {row['Failure Count']:>5s} "
                  f"{float(row['Requests/s']):7.1f} {row['50%']:>6s} {row['95%']:>6s} {row['99%']:>6s} "
                  f"{float(row['Max Response Time']):7.0f}")
        for f in fails:
            print(f"FAILURE x{f['Occurrences']}: {f['Method']} {f['Name']}: {f['Error']}")
        total = next(r for r in rows if r["Name"] == "Aggregated")

        # The server must serve what the last reindex committed (new files by their marker).
        with urllib.request.urlopen(f"{base}/api/search?" + urllib.parse.urlencode({"q": marker}),
                                    timeout=30) as r:
            fresh = json.load(r)["total"]
        errors = int(total["Failure Count"]) + sum(code != 0 for _, code, _ in reindexes)
        print(f"\nload: {args.users} users, {duration} s ({wall:.0f} s wall), {documents} documents, "
              f"reindex x{len(reindexes)} during the load ({', '.join(f'{s:.1f} s' for s, _, _ in reindexes)})")
        print(f"requests {total['Request Count']}, {float(total['Requests/s']):.1f} req/s, "
              f"p50 {total['50%']} ms, p95 {total['95%']} ms, p99 {total['99%']} ms, "
              f"errors {total['Failure Count']}; documents changed or added by the last reindex found: "
              f"{fresh} of {expected}")
        if fresh < expected:
            errors += 1
        return 1 if errors else 0
    finally:
        for proc in (locust, server):
            if proc is not None and proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(15)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(5)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
