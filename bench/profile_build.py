#!/usr/bin/env python3
"""Where a full build's time goes, per process and per stage of the data flow.

Runs `searchsvc index --rebuild` under py-spy (sampling the parent and its worker
processes) and sorts every sample into the stage it was in: the innermost frame of
the stack that belongs to a known stage decides.  Run on purpose, not in CI:

    .venv/bin/pip install py-spy   # not a dependency of the project
    .venv/bin/python bench/profile_build.py CORPUS_DIR [--procs 2] [--raw OUT.txt]

CORPUS_DIR is a corpus folder, e.g. /tmp/searchsvc-bench/corpus-20000 as
bench/benchmark.py prepares it.  Prints, per process, the share of samples in each
stage and, over all processes, the functions with the most samples of their own.
"""

from __future__ import annotations

import argparse
import collections
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

PY = sys.executable

# (stage, what a frame contains): checked from the innermost frame outwards; the
# first frame that matches any stage names the sample's stage.  Order matters only
# within one frame.
STAGES: list[tuple[str, tuple[str, ...]]] = [
    ("waiting (queues, sleep, joins)", ("queues.py", "connection.py", "threading.py", "time.sleep",
                                        "popen_fork.py", "selectors.py")),
    ("file reading and decoding", ("ingest/decode.py", "ingest/legacy.py", "ingest/syllable_share.py",
                                   "ftfy", "ingest/reader.py", "ingest/walk.py", "files.py")),
    ("HTML parsing", ("ingest/html", "bs4", "html/parser", "lxml", "ingest/parse.py", "ingest/dates.py")),
    ("normalisation", ("analysis/normalize.py",)),
    ("tokenizing", ("analysis/tokenize.py", "analysis/tones.py", "analysis/fold.py")),
    ("term views (exact/folded/pairs/codes)", ("analysis/terms.py", "analyzers.py", "analysis/marks.py")),
    ("written-pair counts", ("writtenpairs.py",)),
    ("flat postings", ("flatpostings.py",)),
    ("posting encoding", ("formats.py", "_fast_postings")),
    ("stored fields and columns", ("add_field", "add_column_value", "columns.py", "perdocwriter",
                                   "finish_doc", "start_doc")),
    ("segment writing (codec)", ("_flush_segment", "whoosh3.py", "filetables.py", "structfile.py")),
    ("commit and merge", ("commit_segments", "_merge_segments", "_commit_toc", "add_reader", "store.py")),
    ("document fields", ("schema.py", "add_document")),
]


def stage_of(frames: list[str]) -> str:
    for frame in reversed(frames):
        for stage, needles in STAGES:
            if any(n in frame for n in needles):
                return stage
    return "other (imports, start-up, interpreter)"


def summarise(raw: Path) -> str:
    by_process: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    own: collections.Counter = collections.Counter()
    for line in raw.read_text(encoding="utf-8", errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        frames = stack.split(";")
        # A worker's stack starts with its parent's process frame, then its own.
        process = next((f.split(":", 1)[0] for f in reversed(frames) if f.startswith("process ")), "process")
        n = int(count)
        by_process[process][stage_of(frames)] += n
        own[frames[-1]] += n
    lines = []
    total_all = sum(sum(c.values()) for c in by_process.values())
    for process, counts in sorted(by_process.items(), key=lambda kv: -sum(kv[1].values())):
        total = sum(counts.values())
        lines.append(f"{process}: {total} samples ({100 * total / total_all:.0f}% of all)")
        for stage, n in counts.most_common():
            lines.append(f"  {100 * n / total:5.1f}%  {stage}")
    lines.append("functions with the most samples of their own, all processes:")
    for frame, n in own.most_common(25):
        lines.append(f"  {100 * n / total_all:5.1f}%  {frame[:140]}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--procs", type=int, default=2)
    parser.add_argument("--rate", type=int, default=100, help="samples per second per process")
    parser.add_argument("--raw", type=Path, help="keep py-spy's collapsed stacks here")
    args = parser.parse_args(argv)
    pyspy = shutil.which("py-spy", path=str(Path(PY).parent)) or shutil.which("py-spy")
    if pyspy is None:
        print("py-spy is not installed: .venv/bin/pip install py-spy", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        raw = args.raw or Path(tmp) / "stacks.txt"
        cmd = [pyspy, "record", "--subprocesses", "--format", "raw", "--rate", str(args.rate),
               "--output", str(raw), "--",
               PY, "-m", "searchsvc", "index", "--corpus", str(args.corpus), "--index", str(Path(tmp) / "index"),
               "--rebuild", "--procs", str(args.procs), "--json"]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        print(summarise(raw))
    return 0


if __name__ == "__main__":
    sys.exit(main())
