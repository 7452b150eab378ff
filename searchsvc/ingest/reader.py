"""One corpus file -> Document (decoded, parsed, with its id, source and category)."""

from __future__ import annotations

from pathlib import Path

from searchsvc.analysis.normalize import normalize_text
from searchsvc.ingest.decode import decode_bytes, sniff_declared_charset
from searchsvc.ingest.document import Document, SkipFile
from searchsvc.ingest.parse import parse_html, parse_text
from searchsvc.ingest.sidecar import read_sidecar
from searchsvc.ingest.walk import DEFAULT_MAX_BYTES, SUPPORTED_SUFFIXES, check_doc_id, content_hash, doc_id, read_bytes


def read_document(corpus_root: Path, path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> Document:
    """Read and parse one corpus file.  Raises SkipFile (only) when it cannot be indexed.

    e.g. corpus/vntc/the-thao/abc.txt (UTF-16) -> Document(id='vntc/the-thao/abc.txt',
    source='vntc', category='the-thao', encoding='utf-16', ...)
    """
    path = Path(path)  # as iter_corpus_files yields it: under corpus_root, not relative to it
    ident = check_doc_id(doc_id(corpus_root, path))
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise SkipFile(f"unsupported file type {suffix!r}")
    data = read_bytes(corpus_root, path, max_bytes)
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
    parts = ident.split("/")
    return Document(
        id=ident,
        title=title or normalize_text(path.stem.replace("_", " ")),
        body=body,
        date=date,
        source=normalize_text(parts[0]) if len(parts) > 1 else meta_source,
        category=normalize_text(parts[1]) if len(parts) > 2 else meta_category,
        url=url,
        content_hash=content_hash(data),
        encoding=encoding,
        size=len(data),
    )
