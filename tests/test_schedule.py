"""Scheduled reindexing with real processes: fresh results, no downtime, crashes, concurrency."""

from __future__ import annotations

import shutil
import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest

from searchsvc.whoosh import store
from searchsvc.indexing import state
from searchsvc.indexing.schedule import parse_interval
from searchsvc.search import SearchRequest
from tests.conftest import index_corpus, open_search

from .procs import ROOT, get_json, running_server, search_url, searchsvc

SAMPLE = ROOT / "corpus"
pytestmark = pytest.mark.server


def test_parse_interval():
    assert [parse_interval(x) for x in ("30s", "15m", "1h", "2", "0.5s")] == [30, 900, 3600, 2, 0.5]
    for bad in ("", "abc", "0s", "-1m", "5d"):
        with pytest.raises(ValueError):
            parse_interval(bad)


class Hammer:
    """Sends queries continuously from a thread and counts failures."""

    def __init__(self, base: str, queries: list[str]):
        self.base, self.queries = base, queries
        self.ok = self.failed = 0
        self.errors: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        i = 0
        while not self._stop.is_set():
            q = self.queries[i % len(self.queries)]
            i += 1
            try:
                status, body = get_json(search_url(self.base, q), timeout=20)
                if status == 200 and "hits" in body:
                    self.ok += 1
                else:
                    self.failed += 1
                    self.errors.append(f"{q}: {status} {body}")
            except Exception as exc:  # any transport error is a failed request
                self.failed += 1
                self.errors.append(f"{q}: {exc!r}")

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(30)


def _ids(base: str, q: str) -> list[str]:
    status, body = get_json(search_url(base, q, per_page=50))
    assert status == 200, body
    return [h["id"] for h in body["hits"]]


def _wait_for(predicate, timeout: float = 60, every: float = 0.3):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(every)
    return False


@pytest.fixture
def live_corpus(tmp_path) -> Path:
    dest = tmp_path / "corpus"
    shutil.copytree(SAMPLE, dest)
    return dest


def test_schedule_picks_up_changes_while_server_answers(live_corpus, tmp_path):
    index_dir = tmp_path / "index"
    with running_server("--corpus", str(live_corpus), "--index", str(index_dir), "--reindex-every", "1s",
                        env={"SEARCHSVC_REFRESH_INTERVAL": "0.5"}, timeout=120,
                        log=tmp_path / "serve.log") as server:
        base = server.base
        first = sorted(live_corpus.rglob("*.txt"))[0]
        victim = sorted(live_corpus.rglob("*.txt"))[1]
        victim_id = victim.relative_to(live_corpus).as_posix()
        assert victim_id in _ids(base, victim.read_text(encoding="utf-8", errors="replace").split("\n")[0][:60])

        with Hammer(base, ["bien doi khi hau", "Hà Nội", "nghị quyết 57", "bóng đá", "giá vàng"]) as hammer:
            new = live_corpus / "moi" / "thong-bao-moi.txt"
            new.parent.mkdir()
            new.write_text("Khánh thành cầu Xuyên Hải Quỳnh Lưu\n\nCây cầu Xuyên Hải nối hai bờ sông.", encoding="utf-8")
            first.write_text("Thông cáo đính chính Zyxwv\n\nNội dung đính chính Zyxwv mới.", encoding="utf-8")
            victim.unlink()
            assert _wait_for(lambda: _ids(base, "xuyen hai quynh luu") == ["moi/thong-bao-moi.txt"])
            assert _wait_for(lambda: _ids(base, "zyxwv") == [first.relative_to(live_corpus).as_posix()])
            assert _wait_for(lambda: victim_id not in _ids(base, "a"))  # deleted
            time.sleep(1)
        assert hammer.failed == 0, hammer.errors[:5]
        assert hammer.ok > 10

        status, info = get_json(base + "/api/status")
        assert status == 200
        assert info["documents"] == info["last_success"]["summary"]["documents"]
        assert info["schedule"]["every"] == "1s"
        assert info["index_bytes"] > 0


def test_rebuild_while_serving_has_no_failed_request(live_corpus, tmp_path):
    index_dir = tmp_path / "index"
    index_corpus(live_corpus, index_dir)
    with running_server("--corpus", str(live_corpus), "--index", str(index_dir),
                        env={"SEARCHSVC_REFRESH_INTERVAL": "0.2"}, log=tmp_path / "serve.log") as server:
        base = server.base
        before = store.current_generation(index_dir)
        with Hammer(base, ["chính phủ", "bong da", "\"khoa học\"", "cao bang"]) as hammer:
            for _ in range(2):
                rebuild = searchsvc("index", "--corpus", str(live_corpus), "--index", str(index_dir), "--rebuild")
                assert rebuild.wait(300) == 0
        assert store.current_generation(index_dir) != before
        assert hammer.failed == 0, hammer.errors[:5]
        assert hammer.ok > 10


def _doc_count(index_dir: Path) -> int:
    engine = open_search(index_dir)
    try:
        return engine.stats()["documents"]
    finally:
        engine.close()


def _holds_lock(index_dir: Path, pid: int) -> bool:
    lock = index_dir / state.LOCK
    return lock.exists() and f"pid {pid} " in lock.read_text() + " "


def _postings_files(index_dir: Path) -> set[Path]:
    return set(index_dir.rglob("*.pst"))


def _is_utf8(path: Path) -> bool:
    try:
        path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


UPDATE_MARK = "Zqxjvw"  # in no file of the sample corpus: found only once an update is committed


@pytest.mark.parametrize("kill_at", ["lock taken", "postings written"])
def test_sigkill_during_reindex_leaves_old_index_searchable(live_corpus, tmp_path, kill_at):
    index_dir = tmp_path / "index"
    baseline = index_corpus(live_corpus, index_dir)
    # Change 200 files so the incremental run has real work at the moment we kill it
    # (UTF-8 ones: appended UTF-8 text would not read back from a legacy-encoded file).
    changed = [p for p in sorted(live_corpus.rglob("*.txt")) if _is_utf8(p)][:200]
    for path in changed:
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(f"\nCập nhật {UPDATE_MARK}.")
    for mode in (["--rebuild"], []):
        state_before = state.read_state(index_dir)
        postings_before = _postings_files(index_dir)
        proc = searchsvc("index", "--corpus", str(live_corpus), "--index", str(index_dir), *mode,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        # Kill only once the run is observably at work: it holds the writer lock, or
        # it has written postings of a new segment.
        def at_work() -> bool:
            if kill_at == "lock taken":
                return _holds_lock(index_dir, proc.pid)
            return bool(_postings_files(index_dir) - postings_before)

        assert _wait_for(lambda: at_work() or proc.poll() is not None, timeout=60, every=0.01)
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        # Killed while running, not after finishing; and it had not committed anything.
        assert proc.returncode == -signal.SIGKILL, f"{mode}: the run ended before the kill ({proc.returncode})"
        assert at_work(), f"{mode}: no sign of work ({kill_at}) before the kill"
        assert state.read_state(index_dir).get("last_success") == state_before.get("last_success")
        engine = open_search(index_dir)
        try:
            result = engine.search(SearchRequest(q="Việt Nam", facets=False))
            assert result.total > 0
            assert engine.stats()["documents"] == baseline.documents
            assert engine.search(SearchRequest(q=UPDATE_MARK, facets=False)).total == 0
        finally:
            engine.close()
    after = index_corpus(live_corpus, index_dir)  # recovers: stale locks and half-built generations
    # ... and does the whole update now: neither killed run had committed any of it.
    assert (after.added, after.updated, after.deleted) == (0, len(changed), 0)
    assert after.documents == baseline.documents
    engine = open_search(index_dir)
    try:
        assert engine.search(SearchRequest(q=UPDATE_MARK, facets=False)).total == len(changed)
    finally:
        engine.close()
    again = index_corpus(live_corpus, index_dir)
    assert (again.added, again.updated, again.deleted) == (0, 0, 0)


def test_two_runs_at_once_second_exits_clearly(live_corpus, tmp_path):
    index_dir = tmp_path / "index"
    index_corpus(live_corpus, index_dir)
    first = searchsvc("index", "--corpus", str(live_corpus), "--index", str(index_dir), "--rebuild",
                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lock = index_dir / state.LOCK
    assert _wait_for(lambda: f"pid {first.pid}" in lock.read_text(), timeout=30, every=0.02)
    second = searchsvc("index", "--corpus", str(live_corpus), "--index", str(index_dir),
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out2, err2 = second.communicate(60)
    out1, err1 = first.communicate(300)
    assert first.returncode == 0, err1
    assert second.returncode == 3
    assert "another indexing run" in err2 and "nothing was changed" in err2
    documents = _doc_count(index_dir)
    assert documents > 0
    assert index_corpus(live_corpus, index_dir).unchanged == documents  # intact and complete
