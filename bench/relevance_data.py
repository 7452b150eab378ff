"""Documents and query sets for the relevance harness, derived deterministically from ../shared/data.

Two query sets, each with exactly one relevant document per query:

* ``xquad``: the 1,190 XQuAD-vi questions; the relevant document is the passage the
  question was written about (240 passages, all indexed).
* ``headline``: VnExpress / Tuổi Trẻ headlines; the relevant document is the article,
  indexed with the headline as its title and the rest of the text as its body.

Distractors are other VNTC articles (all four sources, exact duplicates removed).
Every choice is made by ordering ids by a salted SHA-1, never by a random generator,
so a smaller collection's headline targets are a prefix of a larger one's and the same
query always lands in the same tuning / held-out half.

Text handling is the same for every engine: the title and body strings built here are
passed through ``normalize_text`` and given as they are to searchsvc and each baseline.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
import unicodedata
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Iterable, Iterator

from searchsvc.analysis import normalize_text

SALT = "searchsvc-relevance-v1"
SPLITS = ("tune", "heldout")
VNTC_FILES = ("vntc/vntc_10topics_train.jsonl.gz", "vntc/vntc_10topics_test.jsonl.gz")
HEADLINE_SOURCES = ("VNE", "TT")  # the sources whose first line is the headline


@dataclass(frozen=True)
class Doc:
    id: str
    title: str
    body: str
    source: str  # 'xquad' | 'vntc'


@dataclass(frozen=True)
class Query:
    qid: str
    text: str
    relevant: str  # the one relevant Doc.id
    split: str  # 'tune' | 'heldout'


@dataclass
class Collection:
    docs: list[Doc]
    query_sets: dict[str, list[Query]]
    config: dict = field(default_factory=dict)

    def fingerprint(self) -> str:
        """Identifies exactly which texts are indexed (cache key for built indexes)."""
        h = hashlib.sha1()
        for d in self.docs:
            for part in (d.id, d.title, d.body):
                h.update(part.encode("utf-8"))
                h.update(b"\x00")
        return h.hexdigest()[:16]

    def to_json(self) -> dict:
        return {
            "config": self.config,
            "docs": [asdict(d) for d in self.docs],
            "query_sets": {name: [asdict(q) for q in qs] for name, qs in self.query_sets.items()},
        }

    @classmethod
    def from_json(cls, data: dict) -> Collection:
        return cls(
            docs=[Doc(**d) for d in data["docs"]],
            query_sets={name: [Query(**q) for q in qs] for name, qs in data["query_sets"].items()},
            config=data.get("config", {}),
        )


def rank_key(key: str) -> str:
    """The deterministic order used for every selection: salted SHA-1 of an id."""
    return hashlib.sha1(f"{SALT}/{key}".encode("utf-8")).hexdigest()


def split_of(key: str) -> str:
    """Half of the keys tune the ranking, the other half only ever produces final figures."""
    return SPLITS[int(rank_key("split/" + key)[:8], 16) % 2]


_COMBINING = re.compile(r"[\u0300-\u036f]")


def strip_diacritics(text: str) -> str:
    """What a phone without a Vietnamese input method produces: every mark gone, đ -> d.

    Only letters change; punctuation and digits stay as written, so the accented and
    unaccented runs differ in diacritics and nothing else.

    >>> strip_diacritics("Đội thủ của Panthers đã thua bao nhiêu điểm?")
    'Doi thu cua Panthers da thua bao nhieu diem?'
    """
    decomposed = unicodedata.normalize("NFD", text)
    bare = _COMBINING.sub("", decomposed).replace("đ", "d").replace("Đ", "D")
    return unicodedata.normalize("NFC", bare)


def _lines(text: str) -> list[str]:
    return [line.strip() for line in normalize_text(text).splitlines() if line.strip()]


def _dedupe_key(text: str) -> str:
    return hashlib.sha1(" ".join(text.split()).encode("utf-8")).hexdigest()


def read_vntc(data_dir: Path) -> Iterator[dict]:
    for name in VNTC_FILES:
        with gzip.open(data_dir / name, "rt", encoding="utf-8") as fh:
            for line in fh:
                yield json.loads(line)


_SYLLABLE = re.compile(r"[^\W\d_]+")


def is_headline(first: str, rest: list[str]) -> bool:
    """A first line that reads as a headline, followed by a real article.

    Excludes bare captions and section labels (too short), run-on lead paragraphs
    (too long or ending in a full stop) and articles with almost no body.
    """
    words = _SYLLABLE.findall(first)
    body_chars = sum(len(line) for line in rest)
    return (
        3 <= len(words) <= 30
        and 12 <= len(first) <= 160
        and not first.endswith((".", ":", ","))
        and body_chars >= 300
    )


def load_xquad(data_dir: Path) -> tuple[list[Doc], list[Query]]:
    docs = []
    with open(data_dir / "xquad-vi" / "corpus.jsonl", encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            # No title: the upstream title is the English Wikipedia article name,
            # shared by all passages of an article and never seen by the translators.
            docs.append(Doc(id=f"xquad/{row['doc_id']}", title="", body=normalize_text(row["text"]),
                            source="xquad"))
    queries = []
    with open(data_dir / "xquad-vi" / "queries.jsonl", encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            article = row["doc_id"].rsplit("-p", 1)[0]  # split by article: no shared passages
            queries.append(Query(qid=row["qid"], text=normalize_text(row["query"]),
                                 relevant=f"xquad/{row['doc_id']}", split=split_of(article)))
    qrels = {}
    with open(data_dir / "xquad-vi" / "qrels.tsv", encoding="utf-8") as fh:
        for line in fh:
            qid, _, doc_id, rel = line.split("\t")
            if int(rel) > 0:
                qrels[qid] = f"xquad/{doc_id}"
    for q in queries:
        assert qrels[q.qid] == q.relevant, q.qid
    return docs, queries


def build_collection(data_dir: Path, *, headlines: int, distractors: int) -> Collection:
    """All 240 XQuAD passages + `headlines` target articles + `distractors` other articles."""
    data_dir = Path(data_dir)
    xquad_docs, xquad_queries = load_xquad(data_dir)

    records = []
    for row in read_vntc(data_dir):
        lines = _lines(row["text"])
        if lines:
            records.append((rank_key(row["id"]), row["id"], row["source_code"], lines))
    records.sort()

    seen_texts: set[str] = set()
    unique = []
    for key, rid, source, lines in records:
        dk = _dedupe_key("\n".join(lines))
        if dk not in seen_texts:
            seen_texts.add(dk)
            unique.append((key, rid, source, lines))

    headline_count: dict[str, int] = {}
    for _, _, source, lines in unique:
        if source in HEADLINE_SOURCES:
            folded = " ".join(lines[0].lower().split())
            headline_count[folded] = headline_count.get(folded, 0) + 1

    targets, others = [], []
    for rec in unique:
        _, rid, source, lines = rec
        first, rest = lines[0], lines[1:]
        if (len(targets) < headlines and source in HEADLINE_SOURCES and is_headline(first, rest)
                and headline_count[" ".join(first.lower().split())] == 1):
            targets.append(rec)
        else:
            others.append(rec)
        if len(targets) >= headlines and len(others) >= distractors:
            break
    if len(targets) < headlines or len(others) < distractors:
        raise ValueError(f"not enough VNTC articles: {len(targets)} targets, {len(others)} distractors")
    others = others[:distractors]

    def as_doc(rid: str, source: str, lines: list[str]) -> Doc:
        if source in HEADLINE_SOURCES:
            # Same treatment for targets and VNE/TT distractors, so having a title
            # says nothing about being a target.
            return Doc(id=f"vntc/{rid}", title=lines[0], body="\n\n".join(lines[1:]), source="vntc")
        return Doc(id=f"vntc/{rid}", title="", body="\n\n".join(lines), source="vntc")

    docs = list(xquad_docs)
    headline_queries = []
    for _, rid, source, lines in targets:
        doc = as_doc(rid, source, lines)
        docs.append(doc)
        headline_queries.append(Query(qid=rid, text=doc.title, relevant=doc.id, split=split_of(rid)))
    docs.extend(as_doc(rid, source, lines) for _, rid, source, lines in others)
    docs.sort(key=lambda d: rank_key(d.id))  # interleave sources in index order
    return Collection(
        docs=docs,
        query_sets={"xquad": xquad_queries, "headline": headline_queries},
        config={"headlines": headlines, "distractors": distractors, "salt": SALT},
    )


def load_collection(data_dir: Path, cache_dir: Path, *, headlines: int, distractors: int) -> Collection:
    """build_collection(), cached as JSON (reading 84k VNTC records takes a while)."""
    stamp = hashlib.sha1(Path(__file__).read_bytes()).hexdigest()[:10]
    path = Path(cache_dir) / f"collection-{headlines}-{distractors}-{stamp}.json.gz"
    if path.exists():
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            return Collection.from_json(json.load(fh))
    coll = build_collection(data_dir, headlines=headlines, distractors=distractors)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    with gzip.open(tmp, "wt", encoding="utf-8") as fh:
        json.dump(coll.to_json(), fh, ensure_ascii=False)
    tmp.replace(path)
    return coll


def variants(queries: Iterable[Query]) -> dict[str, list[Query]]:
    """Each query as written and with every diacritic removed."""
    queries = list(queries)
    return {
        "accented": queries,
        "unaccented": [Query(q.qid, strip_diacritics(q.text), q.relevant, q.split) for q in queries],
    }
