"""Shared fixtures: real indexes built once per session, apps, engines, servers and a browser.

Session indexes (`fixture_index`, `sample_index`, `web_index`, and those made by
`index_of`) are shared by every module that asks for them: read-only for tests.
A test that adds, changes or deletes files takes a writable copy (`corpus_copy`,
or its own corpus under `tmp_path`) and indexes that.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from searchsvc.indexing.indexer import RunSummary, run_index
from searchsvc.open import open_service, open_target
from searchsvc.search.service import SearchService
from searchsvc.settings import Settings, load_settings
from searchsvc.web import create_app

from .procs import running_server
from .webfixtures import write_web_corpus

ROOT = Path(__file__).resolve().parent.parent
FIXTURE_CORPUS = ROOT / "tests" / "fixtures" / "corpus"
SAMPLE_CORPUS = ROOT / "corpus"

CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def index_corpus(corpus_dir: Path, index_dir: Path, *, procs: int = 0, limitmb: int = 384,
                 **options) -> RunSummary:
    """`searchsvc index` into the embedded index in `index_dir` (options as run_index's)."""
    target = open_target(Settings(index_dir=Path(index_dir), index_procs=procs, index_limitmb=limitmb))
    return run_index(corpus_dir, index_dir, target, **options)


def open_search(index_dir: Path, *, refresh_interval: float = 2.0, result_cache: int = 512,
                concurrency: int = 0, **settings) -> SearchService:
    """The search service a server configured with these settings opens over `index_dir`."""
    return open_service(load_settings({}, index_dir=index_dir, refresh_interval=refresh_interval,
                                      result_cache_size=result_cache, search_concurrency=concurrency, **settings))


def write_corpus(root: Path, files: dict[str, str]) -> Path:
    """Write {relative path: text} under `root` (UTF-8) and return `root`."""
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


# -- indexes (read-only, built once per session) -------------------------------------


@pytest.fixture(scope="session")
def fixture_index(tmp_path_factory) -> Path:
    """A real index of tests/fixtures/corpus (read-only for tests: do not write to it)."""
    index_dir = tmp_path_factory.mktemp("fixture-index")
    summary = index_corpus(FIXTURE_CORPUS, index_dir)
    assert summary.added > 0 and summary.skipped == 0, summary.skipped_files
    return index_dir


@pytest.fixture(scope="session")
def sample_index(tmp_path_factory) -> Path:
    """The bundled sample corpus (311 documents: VNTC news, saved web pages, a press
    release), indexed once (read-only for tests)."""
    index_dir = tmp_path_factory.mktemp("sample-index")
    summary = index_corpus(SAMPLE_CORPUS, index_dir)
    assert summary.added > 0, summary
    return index_dir


@pytest.fixture(scope="session")
def web_corpus(tmp_path_factory) -> Path:
    """The web tests' corpus (tests/webfixtures.py says what is in it)."""
    return write_web_corpus(tmp_path_factory.mktemp("web") / "corpus")


@pytest.fixture(scope="session")
def web_index(web_corpus, tmp_path_factory) -> Path:
    """A real index of the web corpus, built once per session (read-only for tests)."""
    index_dir = tmp_path_factory.mktemp("web-index")
    summary = index_corpus(web_corpus, index_dir)
    assert summary.skipped == 0, summary.skipped_files
    return index_dir


@pytest.fixture(scope="session")
def index_of(tmp_path_factory) -> Callable[[dict[str, str]], Path]:
    """Index a small corpus written for a test module: `index_of({path: text})` -> index dir.

    Each call writes a new corpus and index (read-only for tests once built).
    """

    def build(files: dict[str, str]) -> Path:
        root = tmp_path_factory.mktemp("small")
        write_corpus(root / "corpus", files)
        summary = index_corpus(root / "corpus", root / "index")
        assert summary.added == len(files) and summary.skipped == 0, summary.skipped_files
        return root / "index"

    return build


# -- engines and apps ----------------------------------------------------------------


# Behaviour tests that take `engine` or `search_of` run once per backend.  The cluster
# backend needs a running cluster (see cluster_url).
BACKENDS = ["whoosh", pytest.param("opensearch", marks=pytest.mark.opensearch)]
CLUSTER_URL_VAR = "SEARCHSVC_TEST_OPENSEARCH_URL"


def cluster_url() -> str:
    """The test cluster's URL; without one the test skips, except under CI, where it fails."""
    url = os.environ.get(CLUSTER_URL_VAR, "").strip()
    if not url:
        reason = f"{CLUSTER_URL_VAR} is not set: start a cluster with scripts/opensearch-cluster up"
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI needs an OpenSearch cluster: {reason}", pytrace=False)
        pytest.skip(reason)
    return url


def cluster_settings(state_dir: Path, **overrides) -> Settings:
    """Settings of the cluster backend under a fresh alias of the test cluster."""
    values = {"backend": "opensearch", "opensearch_url": cluster_url(), "index_dir": state_dir,
              "opensearch_index": f"searchsvc-test-{uuid.uuid4().hex[:10]}", "opensearch_grace": 0.0,
              "refresh_interval": 0.0, "result_cache_size": 0}
    return load_settings({}, **{**values, **overrides})


def drop_cluster_indexes(settings: Settings) -> None:
    """Delete the alias's concrete indexes and its writer lock (cleanup of a test's cluster state)."""
    from searchsvc.opensearch.connection import connect
    from searchsvc.opensearch.lock import lock_index

    client = connect(settings)
    try:
        client.indices.delete(index=f"{settings.opensearch_index}-*,{lock_index(settings.opensearch_index)}",
                              expand_wildcards="all", ignore_unavailable=True)
    finally:
        client.close()


@pytest.fixture(scope="session")
def cluster_engines(tmp_path_factory) -> Iterator[Callable[..., SearchService]]:
    """`build(corpus_dir)` -> a search service over that corpus, indexed into the test cluster
    under an alias of its own; the indexes are deleted at the end of the session."""
    made: list[tuple[Settings, SearchService]] = []
    shared: dict[Path, SearchService] = {}

    def build(corpus_dir: Path, **overrides) -> SearchService:
        if not overrides and corpus_dir in shared:  # read-only corpora are indexed once
            return shared[corpus_dir]
        settings = cluster_settings(tmp_path_factory.mktemp("cluster-state"), **overrides)
        summary = run_index(corpus_dir, settings.index_dir, open_target(settings))
        assert summary.skipped == 0, summary.skipped_files
        service = open_service(settings)
        made.append((settings, service))
        if not overrides:
            shared[corpus_dir] = service
        return service

    yield build
    for settings, service in made:
        service.close()
        drop_cluster_indexes(settings)


@pytest.fixture(scope="session", params=BACKENDS)
def backend_name(request) -> str:
    return request.param


@pytest.fixture(scope="session")
def engine(backend_name, fixture_index, cluster_engines) -> Iterator[SearchService]:
    """The fixture corpus behind a search service, on each backend."""
    if backend_name == "opensearch":
        yield cluster_engines(FIXTURE_CORPUS)
        return
    eng = open_search(fixture_index)
    yield eng
    eng.close()


@pytest.fixture(scope="session")
def search_of(backend_name, tmp_path_factory, cluster_engines) -> Iterator[Callable[..., SearchService]]:
    """`search_of({path: text})` -> a search service over that small corpus, on each backend
    (no result cache).  Closed at the end of the session."""
    opened: list[SearchService] = []

    def build(files: dict[str, str]) -> SearchService:
        root = tmp_path_factory.mktemp("small")
        write_corpus(root / "corpus", files)
        if backend_name == "opensearch":
            return cluster_engines(root / "corpus")
        summary = index_corpus(root / "corpus", root / "index")
        assert summary.added == len(files) and summary.skipped == 0, summary.skipped_files
        opened.append(open_search(root / "index", result_cache=0))
        return opened[-1]

    yield build
    for eng in opened:
        eng.close()


@pytest.fixture(scope="session")
def churned_index_dir(tmp_path_factory) -> Path:
    """The sample corpus indexed, then one file changed and one deleted, indexed again: an
    index with several segments and deleted documents whose postings are still on disk."""
    root = tmp_path_factory.mktemp("churned")
    corpus, index_dir = root / "corpus", root / "index"
    shutil.copytree(SAMPLE_CORPUS, corpus)
    index_corpus(corpus, index_dir)
    txt = sorted((corpus / "vntc").rglob("*.txt"))
    txt[0].unlink()
    txt[1].write_text("Biến đổi khí hậu ở Cao Bằng\n\nNghị quyết 57-NQ/TW về khoa học, hoà bình.\n",
                      encoding="utf-8")
    summary = index_corpus(corpus, index_dir)
    assert (summary.updated, summary.deleted) == (1, 1)
    return index_dir


@pytest.fixture
def corpus_copy(tmp_path) -> Path:
    """A writable copy of the fixture corpus for tests that add, change and delete files."""
    dest = tmp_path / "corpus"
    shutil.copytree(FIXTURE_CORPUS, dest, ignore=shutil.ignore_patterns("README.md"))
    return dest


@pytest.fixture(scope="module")
def web_app(web_index):
    """The app over the web index, its engine created lazily as in production."""
    app = create_app(load_settings({}, index_dir=web_index, refresh_interval=0.0))
    yield app
    app.extensions["searchsvc"].close()


@pytest.fixture
def client(web_app):
    return web_app.test_client()


@pytest.fixture
def empty_app(tmp_path):
    """An app whose index folder exists but holds no index yet."""
    index_dir = tmp_path / "index"
    index_dir.mkdir()
    app = create_app(load_settings({}, index_dir=index_dir))
    yield app
    app.extensions["searchsvc"].close()


# -- a real server and a real browser ------------------------------------------------


@pytest.fixture(scope="session")
def web_server(backend_name, web_corpus, web_index, tmp_path_factory) -> Iterator[str]:
    """`searchsvc serve` over the web corpus on a free loopback port, on each backend: its
    base URL.  Stopped (and reaped) at the end of the session."""
    log = tmp_path_factory.mktemp("web-server") / "serve.log"
    if backend_name == "whoosh":
        with running_server("--corpus", str(web_corpus), "--index", str(web_index), "--threads", "4",
                            log=log) as server:
            yield server.base
        return
    settings = cluster_settings(tmp_path_factory.mktemp("web-cluster"))
    try:
        summary = run_index(web_corpus, settings.index_dir, open_target(settings))
        assert summary.skipped == 0, summary.skipped_files
        env = {"SEARCHSVC_BACKEND": "opensearch", "SEARCHSVC_OPENSEARCH_URL": settings.opensearch_url,
               "SEARCHSVC_OPENSEARCH_INDEX": settings.opensearch_index}
        with running_server("--corpus", str(web_corpus), "--index", str(settings.index_dir), "--threads", "4",
                            env=env, log=log) as server:
            yield server.base
    finally:
        drop_cluster_indexes(settings)


def find_chromium() -> str | None:
    for candidate in (os.environ.get("CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium"),
                      shutil.which("chromium-browser")):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


@pytest.fixture(scope="session")
def browser():
    """Headless Chromium driven by Playwright; skipped (failed under CI) without Chromium."""
    executable = find_chromium()
    if executable is None:
        message = "Chromium not found (install the Debian package `chromium`, or set CHROMIUM)"
        if os.environ.get("CI"):
            pytest.fail(message + ": CI must install it (`make browser`)")
        pytest.skip(message)
    # Imported here, not at the top: only the browser tests pay for loading Playwright.
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)
        try:
            yield chromium
        finally:
            chromium.close()
