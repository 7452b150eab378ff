"""Corpus ingestion: files on disk -> decoded, parsed Documents.

Usage: for path in iter_corpus_files(root): read_document(root, path) -> Document, or SkipFile(reason).
"""

from searchsvc.ingest.decode import decode_bytes, sniff_declared_charset
from searchsvc.ingest.document import Document, SkipFile
from searchsvc.ingest.legacy import detect_and_convert_legacy
from searchsvc.ingest.parse import ParsedHtml, parse_html, parse_text
from searchsvc.ingest.reader import SUPPORTED_SUFFIXES, iter_corpus_files, read_document

__all__ = [
    "SUPPORTED_SUFFIXES",
    "Document",
    "ParsedHtml",
    "SkipFile",
    "decode_bytes",
    "detect_and_convert_legacy",
    "iter_corpus_files",
    "parse_html",
    "parse_text",
    "read_document",
    "sniff_declared_charset",
]
