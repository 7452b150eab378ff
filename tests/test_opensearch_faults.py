"""Faults on a real cluster: a node dies while searching and while indexing; a rebuild under load.

Killing nodes would disturb the other tests' cluster, so the node-loss tests start a
3-node cluster of their own (`scripts/opensearch-cluster up` in a temporary folder, on
other ports) and stop it afterwards.  They run where the shared test cluster does: with
SEARCHSVC_TEST_OPENSEARCH_URL set (which says the jars and Java are there).
"""

from __future__ import annotations

import os
import signal
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from searchsvc.indexing.indexer import run_index
from searchsvc.ingest import iter_corpus_files
from searchsvc.open import open_service, open_target
from searchsvc.opensearch.connection import connect
from searchsvc.opensearch.target import live_index
from searchsvc.search import SearchRequest
from tests.conftest import FIXTURE_CORPUS, ROOT, SAMPLE_CORPUS, cluster_settings, cluster_url, drop_cluster_indexes

pytestmark = [pytest.mark.opensearch, pytest.mark.slow]

SCRIPT = ROOT / "scripts" / "opensearch-cluster"
BASE_PORT = 19400  # the shared cluster uses 19200-19202 and 19300-19302


@pytest.fixture
def own_cluster(tmp_path):
    """A fresh 3-node cluster for one test: (node URLs, its folder)."""
    cluster_url()  # skip (or, under CI, fail) where no test cluster can run
    folder = tmp_path / "cluster"
    up = subprocess.run([sys.executable, str(SCRIPT), "up", "--dir", str(folder), "--base-port", str(BASE_PORT)],
                        capture_output=True, text=True, timeout=300)
    try:
        assert up.returncode == 0, up.stderr[-2000:]
        yield [f"http://127.0.0.1:{BASE_PORT + n}" for n in range(3)], folder
    finally:
        subprocess.run([sys.executable, str(SCRIPT), "down", "--dir", str(folder)], capture_output=True, timeout=120)


class SteadySearches:
    """A thread searching `queries` over and over until stopped: totals seen and errors."""

    def __init__(self, service, queries: list[str]) -> None:
        self.service, self.queries = service, queries
        self.answered: list[tuple[str, int]] = []
        self.errors: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run)

    def _run(self) -> None:
        while not self._stop.is_set():
            for q in self.queries:
                try:
                    self.answered.append((q, self.service.search(SearchRequest(q=q)).total))
                except Exception as exc:  # noqa: BLE001 - any failure is what the tests count
                    self.errors.append(f"{q}: {type(exc).__name__}: {exc}")

    def __enter__(self) -> SteadySearches:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=60)


def kill_node(folder: Path, n: int) -> None:
    pid = int((folder / f"node{n}.pid").read_text())
    os.kill(pid, signal.SIGKILL)


def test_searches_keep_answering_when_a_node_dies(own_cluster, tmp_path):
    urls, folder = own_cluster
    settings = cluster_settings(tmp_path / "state", opensearch_url=",".join(urls), opensearch_shards=2,
                                opensearch_replicas=1, refresh_interval=0.5)
    run_index(FIXTURE_CORPUS, settings.index_dir, open_target(settings))
    service = open_service(settings)
    queries = ["bão số 3", "bien doi khi hau", "nq 57", "Cao Bằng", "hoà bình", '"khí hậu"']
    expected = {q: service.search(SearchRequest(q=q)).total for q in queries}
    try:
        with SteadySearches(service, queries) as load:
            time.sleep(1.0)
            before = len(load.answered)
            kill_node(folder, 0)  # the first node URL given, and likely the cluster manager
            time.sleep(6.0)
    finally:
        service.close()
    assert load.errors == []
    assert len(load.answered) > before + len(queries)  # it went on answering after the kill
    assert all(total == expected[q] for q, total in load.answered)


def test_a_node_dying_while_indexing_loses_nothing_by_the_next_run(own_cluster, tmp_path):
    urls, folder = own_cluster
    corpus = tmp_path / "corpus"
    files = list(iter_corpus_files(SAMPLE_CORPUS))
    # Real text, many documents: the sample corpus four times over, in four folders.
    for copy in range(4):
        for path in files:
            target = corpus / f"copy{copy}" / path.relative_to(SAMPLE_CORPUS)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
    settings = cluster_settings(tmp_path / "state", opensearch_url=",".join(urls), opensearch_shards=2,
                                opensearch_replicas=1, opensearch_bulk_docs=10, index_procs=1)
    # A live index (with replicas) holding the first copy; the run under test adds the others.
    first = tmp_path / "first"
    shutil.copytree(corpus / "copy0", first / "copy0")
    assert run_index(first, settings.index_dir, open_target(settings)).skipped == 0
    shutil.rmtree(first)
    client = connect(settings)
    index = live_index(client, settings.opensearch_index)
    outcome: dict = {}

    def run() -> None:
        try:
            outcome["summary"] = run_index(corpus, settings.index_dir, open_target(settings))
        except Exception as exc:  # noqa: BLE001 - a failed run is allowed; a lost document is not
            outcome["error"] = exc

    indexing = threading.Thread(target=run)
    indexing.start()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and indexing.is_alive():
        stats = client.indices.stats(index=index, metric="indexing")
        if stats["_all"]["primaries"]["indexing"]["index_total"] > len(files) + 100:
            break
        time.sleep(0.05)
    assert indexing.is_alive(), outcome  # the node dies mid-run, not after it
    kill_node(folder, 1)
    indexing.join(timeout=300)
    print("run with a node killed:", outcome.get("summary") or repr(outcome.get("error")))
    assert not indexing.is_alive()
    # Whatever the cluster could not take was reported (or the run failed whole); the next
    # run finishes the job on the two nodes left.
    final = run_index(corpus, settings.index_dir, open_target(settings))
    assert final.skipped == 0
    assert final.documents == 4 * len(files)
    assert client.count(index=settings.opensearch_index)["count"] == 4 * len(files)
    client.close()


def test_a_rebuild_under_steady_queries_fails_no_request(tmp_path):
    settings = cluster_settings(tmp_path / "state", refresh_interval=0.0, opensearch_grace=1.0)
    try:
        run_index(FIXTURE_CORPUS, settings.index_dir, open_target(settings))
        service = open_service(settings)
        queries = ["bão số 3", "bien doi khi hau", "nq 57", "Cao Bằng"]
        expected = {q: service.search(SearchRequest(q=q)).total for q in queries}
        client = connect(settings)
        old = live_index(client, settings.opensearch_index)
        try:
            with SteadySearches(service, queries) as load:
                for _ in range(2):
                    run_index(FIXTURE_CORPUS, settings.index_dir, open_target(settings), rebuild=True)
                    time.sleep(1.5)  # past the grace period: the second rebuild deletes the first's old index
        finally:
            service.close()
        assert live_index(client, settings.opensearch_index) != old
        assert not client.indices.exists(index=old)  # retired, then deleted by the second rebuild
        client.close()
        assert load.errors == []
        assert len(load.answered) > 20
        assert all(total == expected[q] for q, total in load.answered)  # never a half-built index
    finally:
        drop_cluster_indexes(settings)
