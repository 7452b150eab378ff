"""The Whoosh schema and the mapping from a parsed Document to index fields.

Every text is indexed twice — `exact` (accents kept, tone marks normalised) and
`folded` (accents removed) — so unaccented queries match every accented form
and a syllable typed with accents matches exactly.  `pairs` holds folded adjacent-syllable pairs
(`bien_doi`, `doi_khi`): Vietnamese words are mostly two syllables, and pairs
give word-level ranking without a word segmenter.

A syllable typed with marks must match those marks (`exact`), except in a
document typed without diacritics (analysis/marks.py): such a document's folded
terms are indexed once more in `plain`/`title_plain`, which an accented query
syllable matches by its folded form.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from whoosh import columns, fields

from ..analysis import written_without_marks
from ..ingest import Document
from .analyzers import ExactAnalyzer, FoldedAnalyzer, PairsAnalyzer, analyzed
from .codec import text_field

# Bumped when stored or indexed text changes, so the next run rebuilds: 2 = strict accents
# (exact/plain fields), 3 = page furniture (tool lines, counters, keyword lists) no longer in
# HTML bodies, 4 = flat postings beside each segment (flatpostings.py), 5 = written-pair
# counts beside each segment (writtenpairs.py), 6 = pair postings only as flat arrays
# (writer.FLAT_ONLY_FIELDS), 7 = compact position lists and blocks (codec.py), 8 = flat
# postings in key order with one start per term (flatpostings.py), content hashes only as
# a column of bytes, 9 = frequencies and pair counts in a byte, larger ones beside them.
SCHEMA_VERSION = 9


def build_schema() -> fields.Schema:
    exact, folded, pairs = ExactAnalyzer(), FoldedAnalyzer(), PairsAnalyzer()
    return fields.Schema(
        id=fields.ID(stored=True, unique=True, sortable=True),
        # Stored originals: what results, snippets and the document page show.
        title=fields.STORED(),
        body=fields.STORED(),
        url=fields.STORED(),
        # Searchable text.  Positions on exact/folded allow phrases and proximity.
        exact=text_field(exact, phrase=True),
        folded=text_field(folded, phrase=True),
        pairs=text_field(pairs, phrase=False),
        title_exact=text_field(exact, phrase=True),
        title_folded=text_field(folded, phrase=True),
        title_pairs=text_field(pairs, phrase=False),
        # Only documents typed without diacritics: their folded terms again.
        plain=text_field(folded, phrase=True),
        title_plain=text_field(folded, phrase=True),
        # Filters, facets and sorting (columns make them cheap per hit).
        date=fields.DATETIME(stored=True, sortable=True),
        year=fields.ID(stored=False, sortable=True),
        source=fields.ID(stored=True, sortable=True),
        category=fields.ID(stored=True, sortable=True),
        # Change detection for incremental runs: the sha1 of the file as 20 bytes in a
        # column, read whole per segment; never searched, so no terms.
        hash=fields.COLUMN(columns.FixedBytesColumn(20)),
        size=fields.STORED(),
    )


def document_fields(doc: Document) -> dict[str, Any]:
    """Field values for one document, ready for `writer.update_document(**...)`."""
    values: dict[str, Any] = {
        "id": doc.id,
        "title": doc.title,
        "body": doc.body,
        "exact": doc.body,
        "folded": doc.body,
        "pairs": doc.body,
        "title_exact": doc.title,
        "title_folded": doc.title,
        "title_pairs": doc.title,
        "hash": bytes.fromhex(doc.content_hash),
        "size": doc.size,
    }
    if unmarked(doc):
        values["plain"] = doc.body
        values["title_plain"] = doc.title
    # Empty strings would become an empty term; leave the field out instead.
    if doc.source:
        values["source"] = doc.source
    if doc.category:
        values["category"] = doc.category
    if doc.url:
        values["url"] = doc.url
    if doc.date is not None:
        values["date"] = dt.datetime.combine(doc.date, dt.time())
        values["year"] = str(doc.date.year)
    return values


def unmarked(doc: Document) -> bool:
    """Whether the document (title and body together) was typed without diacritics.

    The analyses are the ones the fields reuse (memoised), so this costs a count.
    """
    return written_without_marks(analyzed(doc.title).tokens + analyzed(doc.body).tokens)
