"""Vietnamese text analysis: normalisation, tone placement, folding, tokenization, term views.

Flow: normalize_text (stored NFC text) -> tokenize (syllables, numbers, code and
date terms, each with `term` and `folded`) -> terms (the exact, folded, pair and
code views each field indexes).  Pure functions: importing this package loads no
whoosh; the Whoosh adapters live in `searchsvc.analysis.whoosh_analyzers`.
"""

from __future__ import annotations

from typing import Any

from searchsvc.analysis.fold import fold
from searchsvc.analysis.marks import written_without_marks
from searchsvc.analysis.normalize import normalize_text
from searchsvc.analysis.phonology import is_syllable
from searchsvc.analysis.terms import analyze_fields, pair_term
from searchsvc.analysis.tokenize import CODE, DATE, NUMBER, WORD, Token, tokenize
from searchsvc.analysis.tones import place_tone

# TRANSITIONAL: schema.py and tests still import the Whoosh analyzers from this package.
# They are loaded on first use only, so `import searchsvc.analysis` does not load whoosh;
# delete this once they import searchsvc.analysis.whoosh_analyzers (or its successor).
_WHOOSH_NAMES = frozenset({"ExactAnalyzer", "FoldedAnalyzer", "PairsAnalyzer"})


def __getattr__(name: str) -> Any:
    if name in _WHOOSH_NAMES:
        from searchsvc.analysis import whoosh_analyzers

        return getattr(whoosh_analyzers, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "CODE",
    "DATE",
    "NUMBER",
    "WORD",
    "Token",
    "analyze_fields",
    "fold",
    "is_syllable",
    "normalize_text",
    "pair_term",
    "place_tone",
    "tokenize",
    "written_without_marks",
]
