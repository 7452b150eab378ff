"""The unit of ingestion: one corpus file turned into searchable text."""

from __future__ import annotations

import datetime
from dataclasses import dataclass


@dataclass(frozen=True)
class Document:
    """One corpus file, decoded and parsed.

    >>> Document(id="vntc/the-thao/abc.txt", title="Hà Nội", body="Đoạn một.\\n\\nĐoạn hai.",
    ...          date=None, source="vntc", category="the-thao", url=None,
    ...          content_hash="0" * 40, encoding="utf-16", size=42).category
    'the-thao'
    """

    id: str  # path relative to the corpus root, '/'-separated
    title: str
    body: str  # NFC text, paragraphs separated by '\n\n'
    date: datetime.date | None
    source: str  # first path component, else metadata (og:site_name), else ''
    category: str  # second path component, else meta article:section, else ''
    url: str | None  # canonical / og:url
    content_hash: str  # sha1 hex of the raw bytes: change detection by content, not mtime
    encoding: str  # how the bytes were decoded, e.g. 'utf-8', 'cp1258', 'tcvn3'
    size: int  # bytes on disk


class SkipFile(Exception):
    """A file that cannot become a Document; `reason` is what an operator reads in the log.

    >>> SkipFile("empty file").reason
    'empty file'
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
