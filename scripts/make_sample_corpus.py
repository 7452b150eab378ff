#!/usr/bin/env python3
"""(Re)create the bundled sample corpus `corpus/vntc/` from the VNTC training split.

Usage (from anywhere):

    .venv/bin/python scripts/make_sample_corpus.py [DATA_DIR] [--out CORPUS_VNTC_DIR]

DATA_DIR is the shared data folder that holds `vntc/vntc_10topics_train.jsonl.gz`
(default: `../shared/data`, relative to the repository root).  The output folder
(default: `corpus/vntc` in the repository) gets one sub-folder per topic, named by
an ASCII slug of the topic (`chinh-tri-xa-hoi`, `the-thao`, ...), plus `LICENSE`
(copied from the data folder) and `MANIFEST.tsv` (which file came from which
VNTC record).  `README.md` is written by hand and left alone.

Selection is deterministic; running the script twice gives byte-identical files:

* only VnExpress (VNE) and Tuổi Trẻ (TT) articles, whose first line is a headline;
* headline 10-120 characters, body 600-6,000 characters, at least three lines;
* mostly accented text (some VNTC items are typed without diacritics) and no
  e-mail addresses (reader letters quote private addresses);
* no repeated text or repeated headline;
* ranked by the SHA-1 of the record `id`, a stable pseudo-random order;
  the first 20 VNE and 10 TT per topic are taken (VNE fills in if TT runs short).

Content is unchanged except CRLF -> LF and the leading space many files start with.
The first selected file of every second topic is written in its ORIGINAL encoding
(UTF-16 LE with BOM, original CRLF and leading space; `text.encode("utf-16")` gives
the original bytes, checked against the record's git blob id) so the indexer's
non-UTF-8 path is exercised on a fresh checkout.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import re
import shutil
import sys
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

PER_TOPIC = {"VNE": 20, "TT": 10}
HEADLINE_CHARS = (10, 120)
BODY_CHARS = (600, 6000)
MIN_ACCENTED_WORDS = 0.35  # share of words with a non-ASCII letter
UTF16_EVERY_NTH_TOPIC = 2  # topics 0, 2, 4, 6, 8 -> five UTF-16 files

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
_WORD = re.compile(r"\w+")


def slug(text: str) -> str:
    """ASCII slug: 'Chinh tri Xa hoi' -> 'chinh-tri-xa-hoi', 'XH_VNE_ (12).txt' -> 'xh-vne-12'."""
    text = re.sub(r"\.txt$", "", text, flags=re.IGNORECASE)
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def git_blob_sha1(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def eligible(rec: dict) -> bool:
    text: str = rec["text"]
    lines = text.strip().splitlines()
    if len(lines) < 3:
        return False
    headline = lines[0].strip()
    if not HEADLINE_CHARS[0] <= len(headline) <= HEADLINE_CHARS[1]:
        return False
    if not BODY_CHARS[0] <= len(text) <= BODY_CHARS[1]:
        return False
    if _EMAIL.search(text):
        return False
    words = _WORD.findall(text)
    accented = sum(1 for w in words if not w.isascii())
    return bool(words) and accented / len(words) >= MIN_ACCENTED_WORDS


def as_plain_text(text: str) -> str:
    """The stored form of a UTF-8 file: LF line ends, no leading space."""
    return text.replace("\r\n", "\n").lstrip(" ")


def load_candidates(train_path: Path) -> dict[str, dict[str, list[dict]]]:
    """topic -> source_code -> eligible records, in selection order."""
    by_topic: dict[str, dict[str, list[dict]]] = defaultdict(lambda: defaultdict(list))
    with gzip.open(train_path, "rt", encoding="utf-8") as f:
        for line in f:
            rec = json.loads(line)
            if rec["source_code"] in PER_TOPIC and eligible(rec):
                by_topic[rec["category"]][rec["source_code"]].append(rec)
    for sources in by_topic.values():
        for recs in sources.values():
            recs.sort(key=lambda r: hashlib.sha1(r["id"].encode("utf-8")).hexdigest())
    return by_topic


def select(by_topic: dict[str, dict[str, list[dict]]]) -> dict[str, list[dict]]:
    seen_texts: set[str] = set()
    seen_headlines: set[str] = set()

    def take(recs: list[dict], n: int, used: set[str]) -> list[dict]:
        out = []
        for rec in recs:
            if len(out) == n:
                break
            if rec["id"] in used:
                continue
            key = " ".join(rec["text"].split())
            headline = rec["text"].strip().splitlines()[0].strip().lower()
            if key in seen_texts or headline in seen_headlines:
                continue
            seen_texts.add(key)
            seen_headlines.add(headline)
            used.add(rec["id"])
            out.append(rec)
        return out

    chosen: dict[str, list[dict]] = {}
    total = sum(PER_TOPIC.values())
    for topic in sorted(by_topic):
        used: set[str] = set()
        picked: list[dict] = []
        for source, n in PER_TOPIC.items():
            picked += take(by_topic[topic][source], n, used)
        # If a source ran short, fill up from the sources in their listed order.
        for source in PER_TOPIC:
            if len(picked) < total:
                picked += take(by_topic[topic][source], total - len(picked), used)
        chosen[topic] = picked
    return chosen


def write_corpus(chosen: dict[str, list[dict]], data_dir: Path, out: Path) -> list[str]:
    out.mkdir(parents=True, exist_ok=True)
    # Remove only what this script owns: the topic folders and the manifest.
    for topic in chosen:
        shutil.rmtree(out / slug(topic), ignore_errors=True)
    shutil.copyfile(data_dir / "vntc" / "LICENSE", out / "LICENSE")

    manifest = ["path\tencoding\tvntc_id\tsource_code\tsha1_git_blob\theadline"]
    utf16_files: list[str] = []
    for n, topic in enumerate(sorted(chosen)):
        folder = out / slug(topic)
        folder.mkdir()
        for i, rec in enumerate(chosen[topic]):
            name = slug(rec["file_name"]) + ".txt"
            path = folder / name
            if path.exists():
                raise SystemExit(f"file name collision: {path}")
            rel = f"{slug(topic)}/{name}"
            if i == 0 and n % UTF16_EVERY_NTH_TOPIC == 0:
                data = rec["text"].encode("utf-16")
                if git_blob_sha1(data) != rec["sha1_git_blob"]:
                    raise SystemExit(f"UTF-16 bytes differ from the original: {rec['id']}")
                encoding = "utf-16"
                utf16_files.append(rel)
            else:
                data = as_plain_text(rec["text"]).encode("utf-8")
                encoding = "utf-8"
            path.write_bytes(data)
            headline = rec["text"].strip().splitlines()[0].strip()
            manifest.append(
                "\t".join(
                    [rel, encoding, rec["id"], rec["source_code"], rec["sha1_git_blob"], headline]
                )
            )
    (out / "MANIFEST.tsv").write_bytes(("\n".join(manifest) + "\n").encode("utf-8"))
    return utf16_files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "data_dir",
        nargs="?",
        type=Path,
        default=REPO / ".." / "shared" / "data",
        help="shared data folder containing vntc/ (default: ../shared/data from the repo root)",
    )
    parser.add_argument(
        "--out", type=Path, default=REPO / "corpus" / "vntc", help="output folder"
    )
    args = parser.parse_args(argv)

    train = args.data_dir / "vntc" / "vntc_10topics_train.jsonl.gz"
    if not train.is_file():
        parser.error(f"not found: {train}")
    chosen = select(load_candidates(train))
    utf16 = write_corpus(chosen, args.data_dir, args.out)

    for topic in sorted(chosen):
        counts = defaultdict(int)
        for rec in chosen[topic]:
            counts[rec["source_code"]] += 1
        print(f"{slug(topic):20} {len(chosen[topic]):3}  " + " ".join(
            f"{k}={v}" for k, v in sorted(counts.items())))
    print("UTF-16 LE (original encoding):", *utf16, sep="\n  ")
    return 0


if __name__ == "__main__":
    sys.exit(main())
