"""Importing the pure packages loads no engine, web or CLI library.

`analysis` and `ingest` are used by the indexer workers, the fetcher and the search side
alike; none of them needs whoosh, numpy, flask or click to read and analyse a document.
The one module allowed to import whoosh is `analysis.whoosh_analyzers` (its adapters).
"""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import searchsvc.analysis
import searchsvc.ingest
from tests.conftest import ROOT

HEAVY = ("whoosh", "numpy", "flask", "click")
ALLOWED_TO_IMPORT_WHOOSH = {"searchsvc.analysis.whoosh_analyzers"}


def _modules() -> list[str]:
    names = ["searchsvc.analysis", "searchsvc.ingest"]
    for package in (searchsvc.analysis, searchsvc.ingest):
        names += [f"{package.__name__}.{m.name}" for m in pkgutil.iter_modules(package.__path__)]
    return sorted(set(names) - ALLOWED_TO_IMPORT_WHOOSH)


def test_module_list_is_complete() -> None:
    assert {"searchsvc.analysis.tokenize", "searchsvc.analysis.terms", "searchsvc.ingest.reader",
            "searchsvc.ingest.walk", "searchsvc.ingest.htmlpage"} <= set(_modules())


def test_analysis_and_ingest_import_no_engine_web_or_cli() -> None:
    # Importing all of them in one fresh interpreter: if the union loads none, no single one does.
    code = (
        "import importlib, sys\n"
        f"for name in {_modules()!r}:\n"
        "    importlib.import_module(name)\n"
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split("\n")[0] == "[]"
