"""Shared fixtures: the in-repo fixture corpus, indexed once per test session."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from searchsvc.indexer import run_index
from searchsvc.search import SearchEngine

ROOT = Path(__file__).resolve().parent.parent
FIXTURE_CORPUS = ROOT / "tests" / "fixtures" / "corpus"
SAMPLE_CORPUS = ROOT / "corpus"


@pytest.fixture(scope="session")
def fixture_index(tmp_path_factory) -> Path:
    """A real index of tests/fixtures/corpus (read-only for tests: do not write to it)."""
    index_dir = tmp_path_factory.mktemp("fixture-index")
    summary = run_index(FIXTURE_CORPUS, index_dir)
    assert summary.added > 0 and summary.skipped == 0, summary.skipped_files
    return index_dir


@pytest.fixture(scope="session")
def engine(fixture_index) -> SearchEngine:
    eng = SearchEngine(fixture_index)
    yield eng
    eng.close()


@pytest.fixture
def corpus_copy(tmp_path) -> Path:
    """A writable copy of the fixture corpus for tests that add, change and delete files."""
    dest = tmp_path / "corpus"
    shutil.copytree(FIXTURE_CORPUS, dest, ignore=shutil.ignore_patterns("README.md"))
    return dest
