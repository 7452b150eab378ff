"""Vietnamese text analysis: normalisation, tone placement, folding, tokenization, term views.

Flow: normalize_text (stored NFC text) -> tokenize (syllables, numbers, code and
date terms, each with `term` and `folded`) -> terms (the exact, folded, pair and
code views each field indexes).  Pure functions: importing this package loads no
whoosh; the Whoosh adapters live in `searchsvc.whoosh.analyzers`.
"""

from __future__ import annotations

from searchsvc.analysis.fold import fold
from searchsvc.analysis.marks import written_without_marks
from searchsvc.analysis.normalize import normalize_text
from searchsvc.analysis.phonology import is_syllable
from searchsvc.analysis.terms import analyze_fields, pair_term, written_pairs
from searchsvc.analysis.tokenize import CODE, DATE, NUMBER, WORD, Token, tokenize
from searchsvc.analysis.tones import place_tone

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
    "written_pairs",
    "written_without_marks",
]
