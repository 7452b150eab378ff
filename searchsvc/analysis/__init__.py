"""Vietnamese text analysis: normalisation, tone placement, folding, tokenization.

Flow: normalize_text (stored NFC text) -> tokenize (syllables, numbers, code and
date terms, each with `term` and `folded`) -> Whoosh analyzers (exact, folded and
adjacent-pair fields).
"""

from searchsvc.analysis.fold import fold
from searchsvc.analysis.marks import written_without_marks
from searchsvc.analysis.normalize import normalize_text
from searchsvc.analysis.tokenize import Token, tokenize
from searchsvc.analysis.tones import place_tone
from searchsvc.analysis.whoosh_analyzers import (
    ExactAnalyzer,
    FoldedAnalyzer,
    PairsAnalyzer,
    analyze_fields,
)

__all__ = [
    "ExactAnalyzer",
    "FoldedAnalyzer",
    "PairsAnalyzer",
    "Token",
    "analyze_fields",
    "fold",
    "normalize_text",
    "place_tone",
    "tokenize",
    "written_without_marks",
]
