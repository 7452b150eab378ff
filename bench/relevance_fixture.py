"""Write the small relevance subset that tests/test_relevance.py runs in CI.

    .venv/bin/python bench/relevance_fixture.py [DATA_DIR]

Deterministic (same selection code as the full harness, see relevance_data.py):

* XQuAD-vi: the passages of the first `XQUAD_ARTICLES` articles in hash order, and
  `XQUAD_QUERIES` of their questions (hash order).
* Headlines: the first `HEADLINES` headline targets of the full harness, with
  `DISTRACTORS` distractor articles; distractor bodies are cut after about
  `DISTRACTOR_CHARS` characters (at a paragraph end) to keep the fixture small.

Output: tests/fixtures/relevance/{docs,queries}.jsonl (+ README.md with attribution).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from relevance import DEFAULT_DATA, REPO  # noqa: E402
from relevance_data import Doc, build_collection, load_xquad, rank_key  # noqa: E402

OUT = REPO / "tests" / "fixtures" / "relevance"
XQUAD_ARTICLES = 10
XQUAD_QUERIES = 60
HEADLINES = 60
DISTRACTORS = 300
DISTRACTOR_CHARS = 1500


def _cut(body: str, limit: int) -> str:
    kept, size = [], 0
    for para in body.split("\n\n"):
        if kept and size + len(para) > limit:
            break
        kept.append(para)
        size += len(para) + 2
    return "\n\n".join(kept)


def derive(data_dir: Path) -> tuple[list[Doc], list[dict]]:
    xdocs, xqueries = load_xquad(data_dir)
    articles = sorted({d.id.rsplit("-p", 1)[0] for d in xdocs}, key=rank_key)[:XQUAD_ARTICLES]
    docs = [d for d in xdocs if d.id.rsplit("-p", 1)[0] in articles]
    chosen = sorted((q for q in xqueries if q.relevant.rsplit("-p", 1)[0] in articles),
                    key=lambda q: rank_key(q.qid))[:XQUAD_QUERIES]
    queries = [{"set": "xquad", "qid": q.qid, "query": q.text, "relevant": q.relevant} for q in chosen]

    coll = build_collection(data_dir, headlines=HEADLINES, distractors=DISTRACTORS)
    targets = {q.relevant for q in coll.query_sets["headline"]}
    for d in coll.docs:
        if d.source != "vntc":
            continue
        docs.append(d if d.id in targets else Doc(d.id, d.title, _cut(d.body, DISTRACTOR_CHARS), d.source))
    queries += [{"set": "headline", "qid": q.qid, "query": q.text, "relevant": q.relevant}
                for q in coll.query_sets["headline"]]
    docs.sort(key=lambda d: rank_key(d.id))
    return docs, queries


def main(argv: list[str] | None = None) -> int:
    data_dir = Path(argv[0] if argv else sys.argv[1] if len(sys.argv) > 1 else DEFAULT_DATA)
    docs, queries = derive(data_dir)
    OUT.mkdir(parents=True, exist_ok=True)
    with open(OUT / "docs.jsonl", "w", encoding="utf-8") as fh:
        for d in docs:
            fh.write(json.dumps({"id": d.id, "title": d.title, "body": d.body, "source": d.source},
                                ensure_ascii=False) + "\n")
    with open(OUT / "queries.jsonl", "w", encoding="utf-8") as fh:
        for q in queries:
            fh.write(json.dumps(q, ensure_ascii=False) + "\n")
    print(f"{len(docs)} documents, {len(queries)} queries -> {OUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
