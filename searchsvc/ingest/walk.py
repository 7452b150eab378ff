"""Corpus files on disk -> Documents: walking the corpus and reading one file."""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Iterator
from pathlib import Path

from searchsvc.analysis.normalize import normalize_text
from searchsvc.ingest.decode import decode_bytes, sniff_declared_charset
from searchsvc.ingest.document import Document, SkipFile
from searchsvc.ingest.parse import parse_html, parse_text
from searchsvc.ingest.sidecar import read_sidecar

SUPPORTED_SUFFIXES = (".txt", ".html", ".htm")
# Never block on a FIFO someone dropped into the corpus; no effect on regular files.
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)


def _inside(real_path: str, real_root: str) -> bool:
    return real_path == real_root or real_path.startswith(real_root.rstrip(os.sep) + os.sep)


def iter_corpus_files(corpus_root: Path, unlistable: list[tuple[str, str]] | None = None) -> Iterator[Path]:
    """Supported files under `corpus_root`, sorted by id; hidden entries skipped.

    Directory symlinks are never followed (so no cycles); file symlinks are kept
    only if they resolve to a file inside the root.  Folders that cannot be
    listed are appended to `unlistable` as (id prefix like 'sub/', reason), so
    the indexer can keep what it indexed from them instead of deleting it.
    e.g. root/{a.txt, .hidden.txt, sub/b.HTML, notes.pdf} -> [root/a.txt, root/sub/b.HTML]
    """
    root = str(corpus_root)
    real_root = os.path.realpath(root)
    found: list[tuple[str, str]] = []
    stack = [(root, "")]
    while stack:
        directory, prefix = stack.pop()
        try:
            entries = list(os.scandir(directory))
        except OSError as exc:  # unreadable or vanished directory: nothing to read there now
            if unlistable is not None and prefix and not isinstance(exc, FileNotFoundError):
                unlistable.append((prefix, exc.strerror or type(exc).__name__))
            continue
        for entry in entries:
            if entry.name.startswith("."):
                continue
            rel = prefix + entry.name
            try:
                if entry.is_dir(follow_symlinks=False):
                    stack.append((entry.path, rel + "/"))
                elif entry.name.lower().endswith(SUPPORTED_SUFFIXES) and entry.is_file():
                    if not entry.is_symlink() or _inside(os.path.realpath(entry.path), real_root):
                        found.append((rel, entry.path))
            except OSError:
                continue
    for _, path in sorted(found):
        yield Path(path)


def _read_bytes(path: Path, max_bytes: int, real_root: str) -> bytes:
    try:
        if path.is_symlink() and not _inside(os.path.realpath(path), real_root):
            raise SkipFile("symlink to outside the corpus root")
        fd = os.open(path, _OPEN_FLAGS)
        with open(fd, "rb") as handle:
            info = os.fstat(handle.fileno())
            if not stat.S_ISREG(info.st_mode):
                raise SkipFile("not a regular file")
            if info.st_size > max_bytes:
                raise SkipFile(f"file too large ({info.st_size} bytes > {max_bytes})")
            data = handle.read(max_bytes + 1)
    except FileNotFoundError:
        raise SkipFile("vanished while reading") from None
    except PermissionError:
        raise SkipFile("permission denied") from None
    except IsADirectoryError:
        raise SkipFile("not a regular file") from None
    except OSError as exc:
        raise SkipFile(f"read error ({exc.strerror or exc})") from None
    if len(data) > max_bytes:  # grew after fstat
        raise SkipFile(f"file too large (more than {max_bytes} bytes)")
    return data


def _doc_id(corpus_root: Path, path: Path) -> str:
    rel = os.path.relpath(path, corpus_root)
    if rel == os.pardir or rel.startswith(os.pardir + os.sep):
        raise SkipFile("outside the corpus root")
    doc_id = Path(rel).as_posix()
    try:
        doc_id.encode("utf-8")
    except UnicodeEncodeError:  # undecodable bytes in the name (surrogate escapes)
        raise SkipFile("file name is not valid UTF-8") from None
    return doc_id


def read_document(corpus_root: Path, path: Path, max_bytes: int = 20 * 1024 * 1024) -> Document:
    """Read and parse one corpus file.  Raises SkipFile (only) when it cannot be indexed.

    e.g. corpus/vntc/the-thao/abc.txt (UTF-16) -> Document(id='vntc/the-thao/abc.txt',
    source='vntc', category='the-thao', encoding='utf-16', ...)
    """
    path = Path(path)  # as iter_corpus_files yields it: under corpus_root, not relative to it
    doc_id = _doc_id(corpus_root, path)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise SkipFile(f"unsupported file type {suffix!r}")
    data = _read_bytes(path, max_bytes, os.path.realpath(corpus_root))
    is_html = suffix != ".txt"
    text, encoding = decode_bytes(data, sniff_declared_charset(data) if is_html else None)
    if not text.strip():
        raise SkipFile("empty file (whitespace only)")
    url, meta_source, meta_category = None, "", ""
    if is_html:
        page = parse_html(text)
        title, body, date = page.title, page.body, page.date
        url, meta_source, meta_category = page.url, page.source, page.category
    else:
        title, body, date = parse_text(text)
    if not title and not body:
        raise SkipFile("no text content")
    # A page saved by `searchsvc fetch`: link to where it was found; the feed's date if the page has none.
    fetched_url, published = read_sidecar(path)
    url, date = fetched_url or url, date or published
    parts = doc_id.split("/")
    return Document(
        id=doc_id,
        title=title or normalize_text(path.stem.replace("_", " ")),
        body=body,
        date=date,
        source=normalize_text(parts[0]) if len(parts) > 1 else meta_source,
        category=normalize_text(parts[1]) if len(parts) > 2 else meta_category,
        url=url,
        content_hash=hashlib.sha1(data).hexdigest(),
        encoding=encoding,
        size=len(data),
    )
