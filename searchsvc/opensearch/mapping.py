"""The index layout on the cluster, and one Document as the JSON the cluster indexes.

Analysis is single-sourced: searchsvc computes the terms of every field (exact,
folded, pairs, ...) with the same code the Whoosh backend uses, and sends them
joined by spaces; the cluster's `terms` analyzer only splits on whitespace.  So
`_analyze` on the cluster cannot disagree with `searchsvc analyze`.

Positions: syllables get successive positions in both backends.  Code and date
terms (`nq57`, `2024-12-22`) share their first component's position in Whoosh;
a space-separated list cannot say that, so they go in a second value of the same
field, which the cluster places `position_increment_gap` positions further on.
No phrase or position check ever includes them (they are matched as single
terms), so the move changes no match; it changes nothing in the field's length.

The analysed fields are left out of `_source`: what is shown (title, body) is kept
as written, and the terms can be rebuilt from it.
"""

from __future__ import annotations

from typing import Any

from ..analysis import Token, normalize_text, tokenize, written_pairs, written_without_marks
from ..analysis.terms import pair_rows
from ..analysis.tokenize import SYLLABLE_KINDS
from ..ingest import Document
from ..search.ranking import DEFAULT_RANKING, Ranking

# Bumped when what is indexed per document changes; the next run rebuilds (a new
# concrete index behind the alias).  Kept in the index's mapping `_meta`.
SCHEMA_VERSION = 2  # 2: empty analysed fields are left out (see analysed_fields)

TERMS_ANALYZER = "terms"
# Positional text fields: body fields, their title twins, and the plain fields that
# only documents typed without diacritics fill (see whoosh/schema.py).
POSITIONAL = ("exact", "folded", "title_exact", "title_folded", "plain", "title_plain")
PAIR_FIELDS = ("pairs", "title_pairs")
# Exact syllable pairs of the body, one term per distinct pair: did-you-mean asks how
# many documents write `hồ chí` rather than `họ chỉ` (the `adjacent` count).
WRITTEN_PAIRS = "written_pairs"
ANALYSED = POSITIONAL + PAIR_FIELDS + (WRITTEN_PAIRS,)
# The fields whose terms score (BM25): compile.idf_scale needs each one's document count.
SCORED_FIELDS = POSITIONAL + PAIR_FIELDS


def _similarity(field: str) -> str:
    if field in ("plain", "title_plain"):
        return "bm25_flat"  # only unaccented documents: their average length says nothing
    return "bm25_title" if field.startswith("title_") else "bm25_body"


def index_body(ranking: Ranking = DEFAULT_RANKING, *, shards: int = 1, replicas: int = 1) -> dict[str, Any]:
    """Settings and mappings of one concrete index.

    Refreshes happen only when a run commits (`refresh_interval: -1`), so readers
    never see half a run."""
    text = {"type": "text", "analyzer": TERMS_ANALYZER}
    properties: dict[str, Any] = {
        "id": {"type": "keyword"},
        "title": {"type": "text", "index": False},
        "body": {"type": "text", "index": False},
        "url": {"type": "keyword", "index": False, "doc_values": False},
        "date": {"type": "date", "format": "strict_date"},
        "year": {"type": "keyword"},
        "source": {"type": "keyword"},
        "category": {"type": "keyword"},
        "hash": {"type": "keyword"},
        "size": {"type": "long", "index": False},
    }
    for field in POSITIONAL:
        properties[field] = {**text, "similarity": _similarity(field)}
    for field in PAIR_FIELDS:
        properties[field] = {**text, "similarity": _similarity(field), "index_options": "freqs"}
    properties[WRITTEN_PAIRS] = {**text, "index_options": "docs", "norms": False}
    return {
        "settings": {
            "index": {
                "number_of_shards": shards,
                "number_of_replicas": replicas,
                "refresh_interval": "-1",
                "max_result_window": 100_000,
            },
            "analysis": {"analyzer": {TERMS_ANALYZER: {"type": "custom", "tokenizer": "whitespace"}}},
            "similarity": {
                "bm25_body": {"type": "BM25", "k1": ranking.k1, "b": ranking.b},
                "bm25_title": {"type": "BM25", "k1": ranking.k1, "b": ranking.title_b},
                "bm25_flat": {"type": "BM25", "k1": ranking.k1, "b": 0.0},
            },
        },
        "mappings": {
            "dynamic": "strict",
            "_meta": {"searchsvc_schema": SCHEMA_VERSION},
            "_source": {"excludes": list(ANALYSED)},
            "properties": properties,
        },
    }


def _values(tokens: list[Token], folded: bool) -> str | list[str]:
    """One field's terms: the syllables in order, then (a second value) the codes and dates."""
    syllables = [(t.folded if folded else t.term) for t in tokens if t.kind in SYLLABLE_KINDS]
    extras = [(t.folded if folded else t.term) for t in tokens if t.kind not in SYLLABLE_KINDS]
    joined = " ".join(syllables)
    return [joined, " ".join(extras)] if extras else joined


def analysed_fields(title: str, body: str) -> dict[str, Any]:
    """The analysed fields of one document (see the module doc).  A field with no terms
    is left out, so the documents that have a field are those holding a term in it:
    Lucene's N for the field's IDF (compile.idf_scale counts them with `exists`)."""
    title_tokens = tokenize(normalize_text(title))
    body_tokens = tokenize(normalize_text(body))
    fields: dict[str, Any] = {
        "exact": _values(body_tokens, folded=False),
        "folded": _values(body_tokens, folded=True),
        "pairs": " ".join(row[0] for row in pair_rows(body_tokens)),
        "title_exact": _values(title_tokens, folded=False),
        "title_folded": _values(title_tokens, folded=True),
        "title_pairs": " ".join(row[0] for row in pair_rows(title_tokens)),
        WRITTEN_PAIRS: " ".join(sorted(written_pairs(body_tokens))),
    }
    if written_without_marks(title_tokens + body_tokens):
        fields["plain"] = fields["folded"]
        fields["title_plain"] = fields["title_folded"]
    return {name: value for name, value in fields.items() if value}


def document_source(doc: Document) -> dict[str, Any]:
    """What the cluster stores and indexes for `doc` (its `_id` is `doc.id`)."""
    source: dict[str, Any] = {
        "id": doc.id,
        "title": doc.title,
        "body": doc.body,
        "hash": doc.content_hash,
        "size": doc.size,
        **analysed_fields(doc.title, doc.body),
    }
    if doc.source:
        source["source"] = doc.source
    if doc.category:
        source["category"] = doc.category
    if doc.url:
        source["url"] = doc.url
    if doc.date is not None:
        source["date"] = doc.date.isoformat()
        source["year"] = str(doc.date.year)
    return source
