"""Fetched pages on disk: corpus/<source>/<slug>-<hash>.html plus a hidden sidecar.

The sidecar `.<file>.json` holds the page's original URL and fetch metadata
(ETag, Last-Modified, feed date); the indexer reads `url` and `published` from
it (ingest/sidecar.py) and, like every hidden file, never indexes it.
File names are built from a restricted alphabet, so no URL can name a path
outside the source folder; writes go to a hidden temporary file first and are
renamed into place, so a reader never sees half a page.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from pathlib import Path
from urllib.parse import unquote, urlsplit

from unidecode import unidecode

from ..ingest.sidecar import sidecar_path

_NOT_SLUG = re.compile(r"[^a-z0-9]+")
_PAGE_SUFFIX = re.compile(r"-(?:html?|aspx?|php|jsp|cfm)$")
MAX_SLUG = 80


def page_file_name(url: str, content_type: str = "text/html") -> str:
    """A safe, stable file name for `url`: readable slug + hash of the whole URL.

    >>> page_file_name("https://caobang.gov.vn/tin-tức/Hội-nghị.html?id=5")
    'tin-tuc-hoi-nghi-html-id-5-a84a964560.html'
    >>> page_file_name("https://x.vn/../../etc/passwd")[:11]
    'etc-passwd-'
    """
    parts = urlsplit(url)
    text = unquote(parts.path) + ("?" + unquote(parts.query) if parts.query else "")
    slug = _NOT_SLUG.sub("-", unidecode(text).lower()).strip("-")
    slug = _PAGE_SUFFIX.sub("", slug)[:MAX_SLUG].strip("-") or "trang"
    digest = hashlib.sha1(url.encode("utf-8")).hexdigest()[:10]
    suffix = ".txt" if content_type.split(";")[0].strip().lower() == "text/plain" else ".html"  # as the indexer reads them
    return f"{slug}-{digest}{suffix}"


class SourceFolder:
    """corpus/<name>/, refusing to be (or to write through) a link that leads elsewhere."""

    def __init__(self, corpus_dir: Path, name: str) -> None:
        self.path = Path(corpus_dir) / name
        if self.path.is_symlink():
            raise OSError(f"{self.path} is a symbolic link; refusing to write through it")
        self.path.mkdir(exist_ok=True)
        self._real = os.path.realpath(self.path)

    def _inside(self, file_name: str) -> Path:
        target = self.path / file_name
        if "/" in file_name or file_name in ("", ".", "..") or os.path.realpath(target.parent) != self._real:
            raise ValueError(f"refusing to write {file_name!r} outside {self.path}")
        return target

    def known(self) -> dict[str, dict]:
        """requested URL -> sidecar of every page fetched earlier that is still on disk."""
        found = {}
        for entry in os.scandir(self.path):
            if not (entry.name.startswith(".") and entry.name.endswith(".json")) or entry.is_symlink():
                continue
            try:
                meta = json.loads(Path(entry.path).read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            if isinstance(meta, dict) and isinstance(meta.get("requested_url"), str) \
                    and isinstance(meta.get("file"), str) and (self.path / meta["file"]).is_file():
                found[meta["requested_url"]] = meta
        return found

    def read(self, file_name: str) -> bytes | None:
        try:
            return self._inside(file_name).read_bytes()
        except OSError:
            return None

    def write(self, file_name: str, data: bytes) -> None:
        target = self._inside(file_name)
        # A hidden temporary name: the indexer skips it if it runs meanwhile.
        fd, tmp = tempfile.mkstemp(dir=self.path, prefix=".tmp-")
        try:
            os.fchmod(fd, 0o644)  # mkstemp's 0600 would hide pages from a server running as another user
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, target)  # replaces a symlink itself, never writes through it
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def write_meta(self, file_name: str, meta: dict) -> None:
        self.write(sidecar_path(self._inside(file_name)).name,
                   json.dumps(meta, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8"))

    def remove(self, file_name: str) -> None:
        target = self._inside(file_name)
        target.unlink(missing_ok=True)
        sidecar_path(target).unlink(missing_ok=True)
