"""Incremental indexing against a real index on disk."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest
from whoosh import index as whoosh_index

from searchsvc.whoosh import store
from searchsvc.errors import IndexBusy
from searchsvc.indexing import state
from searchsvc.whoosh.target import indexed_hashes
from searchsvc.search import SearchRequest
from tests.conftest import index_corpus, open_search


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(encoding))
    return path


@pytest.fixture
def corpus(tmp_path) -> Path:
    root = tmp_path / "corpus"
    write(root / "so-khcn" / "thong-bao" / "a.txt",
          "Cao Bằng đẩy mạnh chuyển đổi số\n\nNgày 27/10/2025, Sở Khoa học và Công nghệ tỉnh Cao Bằng tổ chức hội nghị.")
    write(root / "so-khcn" / "thong-bao" / "b.txt",
          "Hội thảo về biến đổi khí hậu\n\nCác chuyên gia bàn về tác động của biến đổi khí hậu tới nông nghiệp.")
    write(root / "ubnd" / "c.html",
          "<html><head><title>UBND tỉnh họp phiên thường kỳ</title></head><body><article>"
          "<h1>UBND tỉnh họp phiên thường kỳ</h1><p>Ngày 22/12/2024, UBND tỉnh họp về giá điện.</p>"
          "</article></body></html>")
    return root


def ids(engine: SearchService, q: str) -> list[str]:
    return [h.id for h in engine.search(SearchRequest(q=q, facets=False, suggest=False)).hits]


def test_first_run_adds_everything_then_nothing_changes(corpus, tmp_path):
    index_dir = tmp_path / "index"
    first = index_corpus(corpus, index_dir)
    assert (first.added, first.updated, first.deleted, first.skipped, first.documents) == (3, 0, 0, 0, 3)
    assert first.rebuilt
    second = index_corpus(corpus, index_dir)
    assert (second.added, second.updated, second.deleted, second.unchanged) == (0, 0, 0, 3)
    assert not second.rebuilt


def test_add_change_delete_and_touch(corpus, tmp_path):
    index_dir = tmp_path / "index"
    index_corpus(corpus, index_dir)
    engine = open_search(index_dir, refresh_interval=0)
    assert ids(engine, "chuyen doi so") == ["so-khcn/thong-bao/a.txt"]

    write(corpus / "moi" / "d.txt", "Đường sắt tốc độ cao\n\nDự án đường sắt tốc độ cao Bắc - Nam.")
    write(corpus / "so-khcn" / "thong-bao" / "a.txt", "Cao Bằng phát triển du lịch\n\nDu lịch Cao Bằng tăng trưởng.")
    (corpus / "so-khcn" / "thong-bao" / "b.txt").unlink()
    touched = corpus / "ubnd" / "c.html"
    os.utime(touched, (1, 1))  # new mtime, same content: must count as unchanged

    summary = index_corpus(corpus, index_dir)
    assert (summary.added, summary.updated, summary.deleted, summary.unchanged) == (1, 1, 1, 1)
    assert summary.documents == 3
    assert ids(engine, "duong sat") == ["moi/d.txt"]
    assert ids(engine, "chuyen doi so") == []
    assert ids(engine, "du lich") == ["so-khcn/thong-bao/a.txt"]
    assert ids(engine, "bien doi khi hau") == []
    engine.close()


def test_unreadable_file_is_skipped_and_old_version_kept(corpus, tmp_path):
    index_dir = tmp_path / "index"
    index_corpus(corpus, index_dir)
    target = corpus / "so-khcn" / "thong-bao" / "b.txt"
    target.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200))  # now a binary file
    write(corpus / "rong.txt", "")  # empty file
    summary = index_corpus(corpus, index_dir)
    reasons = dict(summary.skipped_files)
    assert summary.skipped == 2
    assert set(reasons) == {"so-khcn/thong-bao/b.txt", "rong.txt"}
    assert all(reasons.values())
    engine = open_search(index_dir)
    assert ids(engine, "bien doi khi hau") == ["so-khcn/thong-bao/b.txt"]  # old version still there
    engine.close()


def test_too_large_file_is_skipped(corpus, tmp_path):
    write(corpus / "lon.txt", "Tiêu đề\n\n" + "nội dung " * 200)
    summary = index_corpus(corpus, tmp_path / "index", max_file_bytes=500)
    assert dict(summary.skipped_files)["lon.txt"].startswith("file too large")


def test_rebuild_switches_generation_atomically_and_cleans_up(corpus, tmp_path):
    index_dir = tmp_path / "index"
    index_corpus(corpus, index_dir)
    old = store.current_generation(index_dir)
    engine = open_search(index_dir, refresh_interval=0)
    assert ids(engine, "gia dien") == ["ubnd/c.html"]
    summary = index_corpus(corpus, index_dir, rebuild=True)
    new = store.current_generation(index_dir)
    assert summary.rebuilt and summary.added == 3 and new != old
    assert old.exists()  # kept for a grace period: running searchers may still read it
    assert ids(engine, "gia dien") == ["ubnd/c.html"]  # the engine moved to the new generation
    assert engine.stats()["generation"] == new.name
    engine.close()


def test_an_index_written_under_another_schema_is_rebuilt(corpus, tmp_path):
    index_dir = tmp_path / "index"
    index_corpus(corpus, index_dir)
    assert not index_corpus(corpus, index_dir).rebuilt
    state.update_state(index_dir, schema_version=-1)  # as left by an older searchsvc
    summary = index_corpus(corpus, index_dir)
    assert summary.rebuilt and summary.added == 3
    assert not index_corpus(corpus, index_dir).rebuilt


def test_second_writer_is_refused_with_clear_message(corpus, tmp_path):
    index_dir = tmp_path / "index"
    index_corpus(corpus, index_dir)
    with state.writer_lock(index_dir):
        with pytest.raises(IndexBusy, match="another indexing run"):
            index_corpus(corpus, index_dir)
    # lock released: works again, and the index is intact
    assert index_corpus(corpus, index_dir).unchanged == 3


def test_waiting_writer_runs_after_the_first(corpus, tmp_path):
    index_dir = tmp_path / "index"
    index_corpus(corpus, index_dir)
    held, release = threading.Event(), threading.Event()

    def hold():
        with state.writer_lock(index_dir):
            held.set()
            release.wait(5)

    t = threading.Thread(target=hold)
    t.start()
    assert held.wait(5)
    threading.Timer(0.5, release.set).start()
    started = time.monotonic()
    summary = index_corpus(corpus, index_dir, wait=10)
    t.join()
    assert time.monotonic() - started >= 0.4  # it really waited for the holder
    assert summary.unchanged == 3


def test_hashes_come_from_the_index(corpus, tmp_path):
    index_dir = tmp_path / "index"
    index_corpus(corpus, index_dir)
    ix = whoosh_index.open_dir(str(store.current_generation(index_dir)))
    hashes = indexed_hashes(ix)
    assert set(hashes) == {"so-khcn/thong-bao/a.txt", "so-khcn/thong-bao/b.txt", "ubnd/c.html"}
    assert all(len(h) == 40 for h in hashes.values())


def test_missing_corpus_is_an_error(tmp_path):
    from searchsvc.errors import SearchServiceError

    with pytest.raises(SearchServiceError, match="does not exist"):
        index_corpus(tmp_path / "nope", tmp_path / "index")


def test_index_built_from_an_empty_corpus_accepts_files_later(tmp_path):
    # A fresh deployment that follows websites starts with an empty corpus folder.
    corpus, index_dir = tmp_path / "corpus", tmp_path / "index"
    corpus.mkdir()
    assert index_corpus(corpus, index_dir).documents == 0
    (corpus / "tin").mkdir()
    (corpus / "tin" / "moi.txt").write_text("Thông báo mới\n\nNội dung thông báo.", encoding="utf-8")
    assert index_corpus(corpus, index_dir).added == 1


def test_a_known_file_and_a_new_file_are_skipped_for_the_same_reason(corpus, tmp_path):
    """The indexer hashes known files and the reader reads new ones: one walk, one set of reasons."""
    index_dir = tmp_path / "index"
    index_corpus(corpus, index_dir)
    write(corpus / "so-khcn" / "thong-bao" / "a.txt", "Tiêu đề\n\n" + "nội dung " * 200)  # known, now too large
    write(corpus / "moi.txt", "Tiêu đề\n\n" + "nội dung " * 200)  # new and too large
    summary = index_corpus(corpus, index_dir, max_file_bytes=1000)
    reasons = dict(summary.skipped_files)
    size = len(("Tiêu đề\n\n" + "nội dung " * 200).encode())
    assert reasons == {"so-khcn/thong-bao/a.txt": f"file too large ({size} bytes > 1000)",
                       "moi.txt": f"file too large ({size} bytes > 1000)"}
