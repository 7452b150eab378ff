"""Corpus ingestion: files on disk -> decoded, parsed Documents.

Usage: for path in iter_corpus_files(root): read_document(root, path) -> Document, or SkipFile(reason).
walk: the files, their ids (doc_id) and bytes; decode -> parse (htmlpage, parse_text) -> reader.
"""

from searchsvc.ingest.decode import decode_bytes, sniff_declared_charset
from searchsvc.ingest.document import Document, SkipFile
from searchsvc.ingest.legacy import detect_and_convert_legacy
from searchsvc.ingest.parse import ParsedHtml, parse_html, parse_text
from searchsvc.ingest.reader import read_document
from searchsvc.ingest.walk import SUPPORTED_SUFFIXES, content_hash, doc_id, file_hash, iter_corpus_files

__all__ = [
    "SUPPORTED_SUFFIXES",
    "Document",
    "ParsedHtml",
    "SkipFile",
    "content_hash",
    "decode_bytes",
    "detect_and_convert_legacy",
    "doc_id",
    "file_hash",
    "iter_corpus_files",
    "parse_html",
    "parse_text",
    "read_document",
    "sniff_declared_charset",
]
