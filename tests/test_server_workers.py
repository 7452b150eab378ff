"""`searchsvc serve --workers N`: N waitress processes on one socket, stopped together."""

from __future__ import annotations

import contextlib
import os
import resource
import signal
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from .procs import get_json, running_server, search_url

pytestmark = pytest.mark.server


def _children(pid: int) -> set[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True)
    return {int(p) for p in out.stdout.split()}


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = open(f"/proc/{pid}/stat").read().split()[2] if os.path.exists(f"/proc/{pid}/stat") else "X"
    return stat != "Z"


def _wait_gone(pids: set[int], timeout: float = 10) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not any(_alive(p) for p in pids):
            return True
        time.sleep(0.1)
    return False


def _serve(fixture_index, workers: int, log):
    return running_server("--index", str(fixture_index), "--workers", str(workers), log=log)


def test_two_workers_answer_and_stop_with_the_parent(fixture_index, tmp_path):
    with _serve(fixture_index, 2, tmp_path / "serve.log") as server:
        workers = _children(server.proc.pid)
        assert len(workers) == 2
        with ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(lambda q: get_json(search_url(server.base, q)), ["ha noi", "khí hậu", "nq 57"] * 8))
        assert all(status == 200 and body["total"] >= 1 for status, body in answers)
        server.proc.send_signal(signal.SIGTERM)
        assert server.proc.wait(10) == 0
        assert _wait_gone(workers)


def test_workers_do_not_outlive_a_killed_parent(fixture_index, tmp_path):
    with _serve(fixture_index, 2, tmp_path / "serve.log") as server:
        workers = _children(server.proc.pid)
        assert len(workers) == 2
        server.proc.kill()  # SIGKILL: no chance to stop the workers itself
        server.proc.wait(5)
        assert _wait_gone(workers, timeout=10)
        with pytest.raises(OSError):
            get_json(server.base + "/healthz", timeout=2)


def test_one_worker_is_a_single_process(fixture_index, tmp_path):
    with _serve(fixture_index, 1, tmp_path / "serve.log") as server:
        assert _children(server.proc.pid) == set()
        assert get_json(search_url(server.base, "ha noi"))[0] == 200


def _open_files(pid: int) -> int:
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return 0


@contextlib.contextmanager
def _soft_open_file_limit(limit: int):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < 2 * limit:
        pytest.skip(f"this machine allows only {hard} open files per process")
    resource.setrlimit(resource.RLIMIT_NOFILE, (limit, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def test_a_server_holding_over_1024_files_keeps_answering(tmp_path):
    """Each server thread's searcher holds every segment's files open: an index of many
    segments pushes the sockets waitress watches past select()'s limit of 1024."""
    from .conftest import FIXTURE_CORPUS, index_corpus

    index_corpus(FIXTURE_CORPUS, tmp_path / "index", procs=1, limitmb=0)  # a segment per document
    # The server starts with the soft limit many systems set (it inherits this process's).
    with _soft_open_file_limit(1024), running_server("--index", str(tmp_path / "index"), "--workers", "1",
                                                      "--threads", "16", log=tmp_path / "serve.log") as server:
        pids = {server.proc.pid} | _children(server.proc.pid)
        most = 0
        with ThreadPoolExecutor(32) as pool:
            for _ in range(6):
                answers = list(pool.map(lambda q: get_json(search_url(server.base, q)), ["ha noi", "khí hậu"] * 32))
                most = max(most, *(_open_files(p) for p in pids))
                assert all(status == 200 for status, _body in answers), (tmp_path / "serve.log").read_text()[-2000:]
        assert most > 1024  # (else this index did not test what it is for)
        assert server.proc.poll() is None
