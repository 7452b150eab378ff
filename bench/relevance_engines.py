"""The engines the harness compares, each behind the same two calls: build, then search.

* ``searchsvc``: this project through its public API: the documents indexed by the writer
  ``searchsvc index`` uses (``index_documents``), searched through ``open_service``.
* ``fts5``: SQLite FTS5, ``unicode61 remove_diacritics 2``, columns title and body, bm25().
* ``tantivy``: tantivy-py, one field (title + body), simple tokenizer + lowercase + ascii_fold;
  ``tantivy-2f``: the same with title and body as two fields.
* ``whoosh``: plain Whoosh, one field (title + body), lowercase + accents folded, BM25F defaults.

Every baseline gets the question as a bag of words (OR of its terms, duplicates removed),
which is how these engines rank free text; requiring all words would lose most questions.

Built indexes are cached under the cache folder, keyed by the collection's fingerprint and
(for searchsvc) a hash of the code that decides what gets indexed, so tuning runs that only
change the ranking parameters (a `Ranking`, query plan and BM25F alike) reuse them.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import sqlite3
import time
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import Iterable

from relevance_data import Doc
from whoosh import analysis, fields

import searchsvc
from searchsvc.search.ranking import DEFAULT_RANKING, Ranking

TOP_K = 10
_WORDS = re.compile(r"\w+")


def _ready(path: Path) -> bool:
    return (path / "BUILT").exists()


def _mark_ready(path: Path, seconds: float, count: int) -> None:
    (path / "BUILT").write_text(f"{count} documents in {seconds:.1f} s\n", encoding="utf-8")


def _fresh(path: Path) -> Path:
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


class Engine:
    name = ""
    build_seconds: float | None = None  # None when the index came from the cache

    def search(self, text: str) -> list[str]:
        raise NotImplementedError

    def close(self) -> None:
        pass


# -- searchsvc -------------------------------------------------------------------

# Sources that only answer searches: they never change what an index holds, so runs
# that change only them (or only the Ranking) reuse the cached index.  Everything
# else in the package is hashed: a module added on the indexing side then rebuilds
# the index rather than leaving a stale one in the cache.
QUERY_SIDE = ("search/", "web/", "fetch/", "whoosh/backend.py", "whoosh/compile.py", "whoosh/evaluate.py",
              "whoosh/postings.py", "whoosh/scoring.py", "whoosh/vocabulary.py", "server.py", "cli.py",
              "__main__.py")


def searchsvc_code_hash() -> str:
    """Hash of the searchsvc sources that can change what gets indexed (all but QUERY_SIDE)."""
    pkg = Path(searchsvc.__file__).parent
    h = hashlib.sha1()
    for path in sorted(pkg.rglob("*.py")):
        rel = path.relative_to(pkg).as_posix()
        if rel.startswith(QUERY_SIDE):
            continue
        h.update(rel.encode())  # the relative path: two packages both have a target.py
        h.update(path.read_bytes())
    import whoosh

    h.update(repr(whoosh.versionstring()).encode())
    return h.hexdigest()[:12]


def build_searchsvc(docs: list[Doc], index_dir: Path, settings=None) -> float:
    """A searchsvc index of `docs` in `index_dir`, published as `searchsvc index --rebuild`
    publishes one, through the same writer (indexing.index_documents).  The documents are
    given as read, not as files: an untitled passage stays untitled, which a text file
    cannot say (its first line would become the title)."""
    from searchsvc.indexing.indexer import index_documents
    from searchsvc.ingest import Document
    from searchsvc.open import open_target
    from searchsvc.settings import load_settings

    def document(d: Doc) -> Document:
        raw = f"{d.title}\n{d.body}".encode("utf-8")
        return Document(id=d.id, title=d.title, body=d.body, date=None, source=d.source, category="",
                        url=None, content_hash=hashlib.sha1(raw).hexdigest(), encoding="utf-8", size=len(raw))

    started = time.perf_counter()
    _fresh(index_dir)
    if settings is None:
        settings = load_settings({}, index_dir=index_dir)  # the defaults, not SEARCHSVC_* variables
    count = index_documents((document(d) for d in docs), index_dir, open_target(settings))
    if count != len(docs):  # results would be scored on another collection than the baselines'
        raise RuntimeError(f"{count} of {len(docs)} documents indexed")
    seconds = time.perf_counter() - started
    _mark_ready(index_dir, seconds, len(docs))
    return seconds


class SearchsvcEngine(Engine):
    """searchsvc through its public API: open_service over the built index, ranked
    with `ranking` (None: the defaults)."""

    name = "searchsvc"

    def __init__(self, docs: list[Doc], cache: Path, fingerprint: str, ranking: Ranking | None = None) -> None:
        from searchsvc.open import open_service
        from searchsvc.settings import load_settings

        self.index_dir = cache / f"searchsvc-{fingerprint}-{searchsvc_code_hash()}"
        if not _ready(self.index_dir):
            self.build_seconds = build_searchsvc(docs, self.index_dir)
        settings = load_settings({}, index_dir=self.index_dir, refresh_interval=1e9, search_time_limit=60.0,
                                 result_cache_size=0)
        self.service = open_service(settings, ranking or DEFAULT_RANKING)
        self.service.backend.view()  # open now, so the first query's time is a query's time

    def search(self, text: str) -> list[str]:
        from searchsvc.errors import BadRequest
        from searchsvc.search import SearchRequest

        try:
            result = self.service.search(SearchRequest(q=text, per_page=TOP_K, facets=False, suggest=False))
        except BadRequest:
            return []
        return [h.id for h in result.hits]

    def close(self) -> None:
        self.service.close()


class SearchsvcOpenSearchEngine(SearchsvcEngine):
    """searchsvc on the OpenSearch backend: the same documents, rebuilt into the cluster at
    SEARCHSVC_OPENSEARCH_URL (default: the test cluster, http://127.0.0.1:19200) under the
    alias `searchsvc-relevance`, then searched through the same public API."""

    name = "searchsvc-opensearch"

    def __init__(self, docs: list[Doc], cache: Path, fingerprint: str, ranking: Ranking | None = None) -> None:
        import os

        from searchsvc.open import open_service
        from searchsvc.settings import load_settings

        self.index_dir = cache / "searchsvc-opensearch-state"
        url = os.environ.get("SEARCHSVC_OPENSEARCH_URL") or "http://127.0.0.1:19200"
        settings = load_settings({}, backend="opensearch", opensearch_url=url, index_dir=self.index_dir,
                                 opensearch_index="searchsvc-relevance", opensearch_grace=0.0,
                                 refresh_interval=1e9, search_time_limit=60.0, result_cache_size=0)
        _fresh(self.index_dir)
        self.build_seconds = build_searchsvc(docs, self.index_dir, settings)
        self.service = open_service(settings, ranking or DEFAULT_RANKING)
        self.service.backend.view()


# -- SQLite FTS5 -------------------------------------------------------------------

class Fts5Engine(Engine):
    name = "fts5"

    def __init__(self, docs: list[Doc], cache: Path, fingerprint: str) -> None:
        folder = cache / f"fts5-{fingerprint}"
        path = folder / "fts.db"
        if not _ready(folder):
            started = time.perf_counter()
            _fresh(folder)
            con = sqlite3.connect(path)
            con.execute("CREATE VIRTUAL TABLE docs USING fts5("
                        "doc_id UNINDEXED, title, body, tokenize='unicode61 remove_diacritics 2')")
            con.executemany("INSERT INTO docs VALUES (?, ?, ?)", ((d.id, d.title, d.body) for d in docs))
            con.commit()
            con.close()
            self.build_seconds = time.perf_counter() - started
            _mark_ready(folder, self.build_seconds, len(docs))
        self.con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)

    def search(self, text: str) -> list[str]:
        terms = _unique(w.lower() for w in _WORDS.findall(text))
        if not terms:
            return []
        match = " OR ".join('"' + t.replace('"', '""') + '"' for t in terms)
        rows = self.con.execute("SELECT doc_id FROM docs WHERE docs MATCH ? ORDER BY rank LIMIT ?",
                                (match, TOP_K)).fetchall()
        return [r[0] for r in rows]

    def close(self) -> None:
        self.con.close()


# -- Tantivy -----------------------------------------------------------------------

TANTIVY_TOKENIZER = "vi_fold"


def _tantivy_analyzer():
    import tantivy

    # tantivy's ascii_fold maps đ/Đ to d (checked: 'Đường' -> 'duong'), so the text
    # is given to tantivy as it is, accents and all.
    return (tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
            .filter(tantivy.Filter.remove_long(40))
            .filter(tantivy.Filter.lowercase())
            .filter(tantivy.Filter.ascii_fold())
            .build())


class TantivyEngine(Engine):
    """Tantivy with one text field holding title and body (like the plain Whoosh baseline).

    `TantivyFieldsEngine` keeps title and body as two fields, scored separately and
    summed, as tantivy's query parser does with two default fields.  With the
    XQuAD passages having no title, that version loses on XQuAD (news titles
    matching one question word outscore passages); the harness runs both.
    """

    name = "tantivy"
    fields = ("text",)

    def __init__(self, docs: list[Doc], cache: Path, fingerprint: str) -> None:
        import tantivy

        folder = cache / f"{self.name}-{fingerprint}"
        builder = tantivy.SchemaBuilder()
        builder.add_text_field("doc_id", stored=True, tokenizer_name="raw")
        for field in self.fields:
            builder.add_text_field(field, tokenizer_name=TANTIVY_TOKENIZER)
        self.schema = builder.build()
        self.analyzer = _tantivy_analyzer()
        if not _ready(folder):
            started = time.perf_counter()
            _fresh(folder)
            index = tantivy.Index(self.schema, path=str(folder))
            index.register_tokenizer(TANTIVY_TOKENIZER, self.analyzer)
            writer = index.writer(heap_size=256_000_000, num_threads=2)
            for d in docs:
                writer.add_document(tantivy.Document(doc_id=d.id, **self._values(d)))
            writer.commit()
            writer.wait_merging_threads()
            self.build_seconds = time.perf_counter() - started
            _mark_ready(folder, self.build_seconds, len(docs))
        self.index = tantivy.Index.open(str(folder))
        self.index.register_tokenizer(TANTIVY_TOKENIZER, self.analyzer)
        self.index.reload()
        self.searcher = self.index.searcher()

    def _values(self, d: Doc) -> dict[str, str]:
        return {"text": f"{d.title}\n{d.body}"}

    def search(self, text: str) -> list[str]:
        import tantivy

        terms = _unique(self.analyzer.analyze(text))
        if not terms:
            return []
        # What the query parser builds for `a b c` over the default fields: each term
        # SHOULD match (in any field), scores summed.
        clauses = [(tantivy.Occur.Should, tantivy.Query.term_query(self.schema, field, t))
                   for t in terms for field in self.fields]
        hits = self.searcher.search(tantivy.Query.boolean_query(clauses), TOP_K).hits
        return [self.searcher.doc(address)["doc_id"][0] for _, address in hits]


class TantivyFieldsEngine(TantivyEngine):
    name = "tantivy-2f"
    fields = ("title", "body")

    def _values(self, d: Doc) -> dict[str, str]:
        return {"title": d.title, "body": d.body}


# -- plain Whoosh ------------------------------------------------------------------

@lru_cache(maxsize=65536)
def _fold_plain(term: str) -> str:
    """Strip combining marks, đ -> d (Whoosh's accent_map leaves đ alone: it has no decomposition)."""
    bare = "".join(ch for ch in unicodedata.normalize("NFD", term) if not unicodedata.combining(ch))
    return bare.replace("đ", "d")


class FoldFilter(analysis.Filter):
    """Whoosh filter: the token text with accents stripped and đ -> d."""

    def __call__(self, tokens):
        for t in tokens:
            t.text = _fold_plain(t.text)
            yield t


def plain_whoosh_schema() -> fields.Schema:
    analyzer = analysis.RegexTokenizer() | analysis.LowercaseFilter() | FoldFilter()
    return fields.Schema(doc_id=fields.ID(stored=True), text=fields.TEXT(analyzer=analyzer, phrase=False))


class WhooshEngine(Engine):
    name = "whoosh"

    def __init__(self, docs: list[Doc], cache: Path, fingerprint: str, procs: int = 2) -> None:
        from whoosh import index as whoosh_index
        from whoosh import scoring

        folder = cache / f"whoosh-{fingerprint}"
        if not _ready(folder):
            started = time.perf_counter()
            _fresh(folder)
            ix = whoosh_index.create_in(str(folder), plain_whoosh_schema())
            writer = ix.writer(procs=procs, multisegment=procs > 1, limitmb=256)
            for d in docs:
                writer.add_document(doc_id=d.id, text=f"{d.title}\n{d.body}")
            writer.commit()
            self.build_seconds = time.perf_counter() - started
            _mark_ready(folder, self.build_seconds, len(docs))
        self.ix = whoosh_index.open_dir(str(folder))
        self.searcher = self.ix.searcher(weighting=scoring.BM25F())
        self.analyzer = self.ix.schema["text"].analyzer

    def search(self, text: str) -> list[str]:
        from whoosh import query as Q

        terms = _unique(t.text for t in self.analyzer(text))
        if not terms:
            return []
        results = self.searcher.search(Q.Or([Q.Term("text", t) for t in terms]), limit=TOP_K)
        return [hit["doc_id"] for hit in results]

    def close(self) -> None:
        self.searcher.close()


BASELINES = {"searchsvc-opensearch": SearchsvcOpenSearchEngine, "fts5": Fts5Engine, "tantivy": TantivyEngine, "tantivy-2f": TantivyFieldsEngine,
             "whoosh": WhooshEngine}
ENGINES = ("searchsvc", *BASELINES)
