"""Walking a corpus on disk and reading files into Documents, including every way it can fail."""

from __future__ import annotations

import datetime
import hashlib
import os
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from searchsvc.ingest import Document, SkipFile, iter_corpus_files, read_document
from tests.fixtures.ingest.make_fixtures import (
    BODY,
    CORPUS,
    PRESS_HTML_BODY,
    PRESS_HTML_PATH,
    TITLE,
    URL,
)

GOOD_IDS = [
    "Cao Bằng/Thời sự/Đoàn công tác khảo sát tại Cao Bằng.html",
    "Thông cáo báo chí 27-10.txt",
    "encodings/cp1258.txt",
    "encodings/nfd.txt",
    "encodings/tcvn3-saved-as-utf-8.txt",
    "encodings/tcvn3.txt",
    "encodings/utf-16-be.txt",
    "encodings/utf-16-le.txt",
    "encodings/utf-8-bom.txt",
    "encodings/utf-8-mojibake.txt",
    "encodings/utf-8.txt",
    "encodings/vni.txt",
    "html/broken.html",
    "html/cp1258-declared.html",
    "html/tcvn3-font-latin1-declared.htm",
]
SKIPPED = {
    "bad/empty.txt": "empty file",
    "bad/image.txt": "binary file (NUL bytes)",
    "bad/script-only.html": "no text content",
    "bad/whitespace.txt": "empty file (whitespace only)",
}


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """The fixture corpus plus what operators leave lying around: links, hidden and foreign files."""
    root = tmp_path / "corpus"
    shutil.copytree(CORPUS, root)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("Bí mật\nKhông được đọc.", "utf-8")
    (root / "link-out.txt").symlink_to(outside / "secret.txt")  # file link leaving the root
    (root / "dir-out").symlink_to(outside, target_is_directory=True)  # directory link leaving the root
    (root / "encodings" / "loop").symlink_to(root, target_is_directory=True)  # a cycle
    (root / "broken-link.txt").symlink_to(root / "missing.txt")
    (root / ".hidden.txt").write_text("Ẩn\nKhông index.", "utf-8")
    (root / ".git").mkdir()
    (root / ".git" / "note.txt").write_text("Ẩn\nKhông index.", "utf-8")
    (root / "notes.pdf").write_bytes(b"%PDF-1.4")
    (root / "html" / "UPPER.HTM").write_bytes(b"<h1>Vi\xe1\xbb\x87t Nam</h1><p>N\xe1\xbb\x99i dung.</p>")
    return root


def _ids(root: Path) -> list[str]:
    return [path.relative_to(root).as_posix() for path in iter_corpus_files(root)]


def test_iter_corpus_files_sorted_no_hidden_no_escapes_no_cycles(corpus: Path) -> None:
    expected = sorted([*GOOD_IDS, *SKIPPED, "html/UPPER.HTM"])
    assert _ids(corpus) == expected


def test_file_symlink_inside_the_root_is_followed(corpus: Path) -> None:
    (corpus / "alias.txt").symlink_to(corpus / "encodings" / "utf-8.txt")
    assert "alias.txt" in _ids(corpus)
    assert read_document(corpus, corpus / "alias.txt").title == TITLE


def test_symlink_to_outside_is_refused_even_when_asked_directly(corpus: Path) -> None:
    with pytest.raises(SkipFile, match="outside the corpus root"):
        read_document(corpus, corpus / "link-out.txt")


def test_every_fixture_reads_or_skips_with_its_reason(corpus: Path) -> None:
    read, skipped = {}, {}
    for path in iter_corpus_files(corpus):
        doc_id = path.relative_to(corpus).as_posix()
        try:
            read[doc_id] = read_document(corpus, path)
        except SkipFile as exc:
            skipped[doc_id] = exc.reason
    assert skipped == SKIPPED
    assert {d.id: d.title for d in read.values() if d.id.startswith("encodings/")} == {
        i: TITLE for i in GOOD_IDS if i.startswith("encodings/")
    }
    assert {d.id: d.body for d in read.values() if d.id.startswith("encodings/")} == {
        i: BODY for i in GOOD_IDS if i.startswith("encodings/")
    }
    assert read["html/UPPER.HTM"].title == "Việt Nam"


def test_press_release_document(corpus: Path) -> None:
    path = corpus / PRESS_HTML_PATH
    data = path.read_bytes()
    assert read_document(corpus, path) == Document(
        id=PRESS_HTML_PATH,
        title=TITLE,
        body=PRESS_HTML_BODY,
        date=datetime.date(2025, 10, 29),
        source="Cao Bằng",  # the folder wins over og:site_name
        category="Thời sự",
        url=URL,
        content_hash=hashlib.sha1(data).hexdigest(),
        encoding="utf-8",
        size=len(data),
    )


def test_root_level_file_has_no_source_and_meta_fills_in(corpus: Path) -> None:
    doc = read_document(corpus, corpus / "Thông cáo báo chí 27-10.txt")
    assert (doc.id, doc.source, doc.category, doc.date) == (
        "Thông cáo báo chí 27-10.txt", "", "", datetime.date(2025, 10, 27),
    )  # fmt: skip
    shutil.copy(corpus / PRESS_HTML_PATH, corpus / "trang.html")
    page = read_document(corpus, corpus / "trang.html")
    assert (page.source, page.category) == ("Cổng TTĐT tỉnh Cao Bằng", "Thời sự")


def test_vntc_layout_and_encoding(corpus: Path) -> None:
    doc = read_document(corpus, corpus / "encodings" / "utf-16-le.txt")
    assert (doc.id, doc.source, doc.category, doc.encoding) == (
        "encodings/utf-16-le.txt", "encodings", "", "utf-16",
    )  # fmt: skip
    nested = corpus / "vntc" / "the-thao" / "abc.txt"
    nested.parent.mkdir(parents=True)
    shutil.copy(corpus / "encodings" / "utf-16-le.txt", nested)
    doc = read_document(corpus, nested)
    assert (doc.id, doc.source, doc.category, doc.size) == (
        "vntc/the-thao/abc.txt", "vntc", "the-thao", nested.stat().st_size,
    )  # fmt: skip


def test_content_hash_follows_content_not_name(corpus: Path) -> None:
    shutil.copy(corpus / "encodings" / "utf-8.txt", corpus / "copy.txt")
    one = read_document(corpus, corpus / "encodings" / "utf-8.txt")
    two = read_document(corpus, corpus / "copy.txt")
    other = read_document(corpus, corpus / "encodings" / "nfd.txt")  # same text, other bytes
    assert one.content_hash == two.content_hash != other.content_hash


def test_os_errors_become_skipfile(corpus: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(SkipFile, match="^vanished while reading$"):
        read_document(corpus, corpus / "gone.txt")
    with pytest.raises(SkipFile, match="^vanished while reading$"):
        read_document(corpus, corpus / "broken-link.txt")

    def deny(*args: object, **kwargs: object) -> int:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "open", deny)  # tests run as root, where chmod 000 does not stop reads
    with pytest.raises(SkipFile, match="^permission denied$"):
        read_document(corpus, corpus / "encodings" / "utf-8.txt")


def test_size_limit_fifo_directory_and_suffix(corpus: Path) -> None:
    with pytest.raises(SkipFile, match=r"^file too large \(\d+ bytes > 100\)$"):
        read_document(corpus, corpus / "encodings" / "utf-8.txt", max_bytes=100)
    os.mkfifo(corpus / "pipe.txt")  # must not block
    with pytest.raises(SkipFile, match="^not a regular file$"):
        read_document(corpus, corpus / "pipe.txt")
    (corpus / "folder.txt").mkdir()
    with pytest.raises(SkipFile, match="^not a regular file$"):
        read_document(corpus, corpus / "folder.txt")
    with pytest.raises(SkipFile, match="unsupported file type"):
        read_document(corpus, corpus / "notes.pdf")
    assert "pipe.txt" not in _ids(corpus) and "folder.txt" not in _ids(corpus)


def test_undecodable_file_name_is_skipped(corpus: Path) -> None:
    name = os.fsdecode(b"bad-\xff-name.txt")
    (corpus / name).write_text("Tiêu đề\nNội dung.", "utf-8")
    assert name in _ids(corpus)
    with pytest.raises(SkipFile, match="file name is not valid UTF-8"):
        read_document(corpus, corpus / name)


def test_file_outside_root_is_refused(corpus: Path, tmp_path: Path) -> None:
    with pytest.raises(SkipFile, match="outside the corpus root"):
        read_document(corpus, tmp_path / "outside" / "secret.txt")


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=400), st.sampled_from([".txt", ".html", ".htm"]))
def test_any_file_content_reads_or_skips(tmp_path: Path, data: bytes, suffix: str) -> None:
    path = tmp_path / f"file{suffix}"
    path.write_bytes(data)
    try:
        doc = read_document(tmp_path, path)
    except SkipFile as exc:
        assert exc.reason
    else:
        assert doc.id == f"file{suffix}" and doc.size == len(data) and (doc.title or doc.body)
