"""The corpus on disk: which files it holds, their document ids, their bytes.

One walk, one document-id rule and one set of skip reasons, for the reader (which
parses a file) and the indexer (which hashes a known file to see whether it changed).
A file that cannot be read raises SkipFile with the reason an operator reads in the log.
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
from collections.abc import Iterator
from pathlib import Path

from searchsvc.ingest.document import SkipFile

SUPPORTED_SUFFIXES = (".txt", ".html", ".htm")
# Never block on a FIFO someone dropped into the corpus; no effect on regular files.
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


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


DEFAULT_MAX_BYTES = 20 * 1024 * 1024


def read_bytes(corpus_root: Path, path: Path | str, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    """The bytes of one corpus file, or SkipFile: a link out of the root, no regular file
    (a FIFO is never waited on), larger than `max_bytes`, vanished, unreadable."""
    try:
        fd = _open_inside(corpus_root, path)
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


def _open_inside(corpus_root: Path, path: Path | str) -> int:
    """A read descriptor for `path`; a symlink only if it resolves inside the root.

    Most corpus files are no links: opening with O_NOFOLLOW first spares an lstat per
    file, and realpath (a system call per path component) runs only for links.
    """
    if _NOFOLLOW:
        try:
            return os.open(path, _OPEN_FLAGS | _NOFOLLOW)
        except OSError as exc:
            if exc.errno != errno.ELOOP:  # ELOOP: the last component is a symlink
                raise
    elif not os.path.islink(path):
        return os.open(path, _OPEN_FLAGS)
    if not _inside(os.path.realpath(path), os.path.realpath(corpus_root)):
        raise SkipFile("symlink to outside the corpus root")
    return os.open(path, _OPEN_FLAGS)


def doc_id(corpus_root: Path, path: Path | str) -> str:
    """The document id: the path relative to the corpus root, '/'-separated.

    e.g. corpus/vntc/the-thao/abc.txt -> 'vntc/the-thao/abc.txt'.  A name that is not valid
    UTF-8 keeps its surrogate escapes here (so a skipped file can be named); such a file
    is never indexed (check_doc_id).
    """
    text, root = str(path), str(corpus_root).rstrip(os.sep) + os.sep
    if text.startswith(root) and os.sep + os.pardir + os.sep not in text[len(root) - 1:] + os.sep:
        rel = text[len(root):]  # the walk's paths: no relpath (two abspath calls) per file
    else:
        rel = os.path.relpath(path, corpus_root)
    if rel == os.pardir or rel.startswith(os.pardir + os.sep):
        raise SkipFile("outside the corpus root")
    return rel.replace(os.sep, "/") if os.sep != "/" else rel


def check_doc_id(doc_id: str) -> str:
    """`doc_id` if a document may carry it, else SkipFile: ids are stored and served as UTF-8."""
    try:
        doc_id.encode("utf-8")
    except UnicodeEncodeError:  # undecodable bytes in the name (surrogate escapes)
        raise SkipFile("file name is not valid UTF-8") from None
    return doc_id


def content_hash(data: bytes) -> str:
    """What change is judged by: sha1 hex of the file's bytes (a touched, identical file is unchanged)."""
    return hashlib.sha1(data).hexdigest()


def file_hash(corpus_root: Path, path: Path | str, max_bytes: int = DEFAULT_MAX_BYTES) -> str:
    """content_hash of a corpus file, with read_bytes' skip reasons."""
    return content_hash(read_bytes(corpus_root, path, max_bytes))
