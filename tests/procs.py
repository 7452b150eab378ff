"""Helpers for tests that run real searchsvc processes on loopback."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def searchsvc(*args: str, env: dict | None = None, **kwargs) -> subprocess.Popen:
    """Start `python -m searchsvc ARGS` with the project on the path."""
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    return subprocess.Popen([sys.executable, "-m", "searchsvc", *args], env=full_env, cwd=ROOT, **kwargs)


def get_json(url: str, timeout: float = 10) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            return resp.status, json.loads(resp.read().decode("utf-8"))
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read().decode("utf-8") or "{}")


def search_url(base: str, q: str, **params) -> str:
    return f"{base}/api/search?" + urllib.parse.urlencode({"q": q, **params})


def wait_healthy(base: str, proc: subprocess.Popen, timeout: float = 60, log: Path | None = None) -> None:
    """Wait for `GET /healthz` to answer 200; fail with the server's log if it exits or times out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}{_tail(log)}")
        try:
            status, _ = get_json(base + "/healthz", timeout=2)
            if status == 200:
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    raise TimeoutError(f"server did not become healthy{_tail(log)}")


def _tail(log: Path | None, chars: int = 4000) -> str:
    if log is None or not log.exists():
        return ""
    return ":\n" + log.read_text(encoding="utf-8", errors="replace")[-chars:]


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


@dataclass
class Server:
    proc: subprocess.Popen
    port: int
    log: Path | None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@contextmanager
def running_server(*args: str, env: dict | None = None, timeout: float = 60,
                   log: Path | None = None) -> Iterator[Server]:
    """`searchsvc serve ARGS` on a free loopback port, healthy on entry, stopped on exit.

    Its output goes to `log` (shown when it fails to start), or is discarded.
    """
    port = free_port()
    with open(log or os.devnull, "wb") as out:
        proc = searchsvc("serve", "--host", "127.0.0.1", "--port", str(port), *args, env=env,
                         stdout=out, stderr=subprocess.STDOUT)
    server = Server(proc, port, log)
    try:
        wait_healthy(server.base, proc, timeout, log)
        yield server
    finally:
        stop(proc)
