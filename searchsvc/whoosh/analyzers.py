"""Whoosh analyzers over :func:`tokenize`: exact terms, folded terms, syllable pairs.

The terms themselves are computed in :mod:`searchsvc.analysis.terms`; this module only
adapts them to Whoosh's token stream.  It is the one module of ``analysis`` that imports
whoosh, and the package does not import it: import it by name.

A document's body is analysed once per field (exact, folded, pairs).  The three
analyzers share a tiny memo of the last few tokenize() results, so the text is
tokenized once, not three times.

Values are passed through normalize_text() first, so offsets (``startchar``/
``endchar``) point into ``normalize_text(value)``: store that text in the index
so highlights land on the right characters.
"""

from __future__ import annotations

import threading
import unicodedata
from collections.abc import Iterator
from typing import Any

from whoosh.analysis import Token as WhooshToken
from whoosh.analysis import Tokenizer

from searchsvc.analysis.fold import fold
from searchsvc.analysis.normalize import normalize_text
from searchsvc.analysis.terms import PAIR_SEPARATOR, Row, exact_rows, folded_rows, pair_rows
from searchsvc.analysis.tokenize import Token, tokenize
from searchsvc.analysis.tones import place_tone

# (term, pos, start, end) rows one field indexes for one value.
Rows = list[Row]


class Analysis:
    """One value's normalised text and tokens, plus the per-field rows built from them."""

    __slots__ = ("text", "tokens", "_rows")

    def __init__(self, text: str, tokens: list[Token]) -> None:
        self.text = text
        self.tokens = tokens
        self._rows: dict[tuple[str, bool], Rows] = {}

    def rows(self, field: _SyllableTokenizer, extras: bool) -> Rows:
        key = (type(field).__name__, extras)
        rows = self._rows.get(key)
        if rows is None:
            rows = self._rows[key] = field._rows(self.tokens, extras)
        return rows


# Whoosh analyses one value per field in a row; a few entries cover that and the
# stored-vs-indexed repeats without holding on to many article texts.
_MEMO_SIZE = 4
_memo: dict[str, Analysis] = {}
_memo_lock = threading.Lock()  # the web app highlights from several threads


def analyzed(value: str) -> Analysis:
    """Normalised text and tokens of a raw value, memoised for repeated calls.

    >>> result = analyzed("Hoà bình")
    >>> result.text, [t.term for t in result.tokens]
    ('Hoà bình', ['hòa', 'bình'])
    """
    with _memo_lock:
        hit = _memo.get(value)
    if hit is not None:
        return hit
    text = normalize_text(value)
    hit = Analysis(text, tokenize(text))
    with _memo_lock:
        if len(_memo) >= _MEMO_SIZE:
            del _memo[next(iter(_memo))]  # dicts keep insertion order: oldest first
        _memo[value] = hit
    return hit


def _words(value: str) -> list[str]:
    """Exact forms of the space-separated words of an untokenized value (range endpoints).

    >>> _words("Hoà  bình")
    ['hòa', 'bình']
    """
    text = unicodedata.normalize("NFKC", normalize_text(value)).lower()
    return [place_tone(word) for word in text.split()]


class _SyllableTokenizer(Tokenizer):
    """Shared Whoosh plumbing; subclasses choose which strings to emit.

    ``extras`` (constructor or per-call keyword) controls the code/date terms
    (``nq57``, ``2024-12-22``).  They share a position with the first component,
    so a phrase built from the token texts in order (as Whoosh's QueryParser does
    for quoted text) would not match; build phrases from word/number tokens only.
    """

    def __init__(self, extras: bool = True) -> None:
        self.extras = extras

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and self.__dict__ == other.__dict__

    def __hash__(self) -> int:
        return hash((type(self).__name__, self.extras))

    def __repr__(self) -> str:
        return f"{type(self).__name__}(extras={self.extras!r})"

    def _rows(self, tokens: list[Token], extras: bool) -> Rows:
        raise NotImplementedError

    def _single(self, value: str) -> str:
        raise NotImplementedError

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs: Any,
    ) -> Iterator[WhooshToken]:
        assert isinstance(value, str), f"{value!r} is not str"
        extras = kwargs.pop("extras", self.extras)
        # One Token object reused for every yield, as Whoosh's own tokenizers do:
        # consumers copy the attributes they keep.
        t = WhooshToken(positions, chars, removestops=removestops, mode=mode, **kwargs)
        t.boost = 1.0
        t.stopped = False
        if not tokenize:
            t.text = self._single(value)
            if keeporiginal:
                t.original = value
            if positions:
                t.pos = start_pos
            if chars:
                t.startchar = start_char
                t.endchar = start_char + len(value)
            yield t
            return
        analysis = analyzed(value)
        rows = analysis.rows(self, extras)
        if positions and chars and not keeporiginal:
            # The indexing path (phrase fields with offsets): no per-token branching.
            for term, pos, start, end in rows:
                t.text = term
                t.boost = 1.0
                t.stopped = False  # a downstream filter may have set it on the shared token
                t.pos = start_pos + pos
                t.startchar = start_char + start
                t.endchar = start_char + end
                yield t
            return
        text = analysis.text
        for term, pos, start, end in rows:
            t.text = term
            t.boost = 1.0
            t.stopped = False
            if keeporiginal:
                t.original = text[start:end]
            if positions:
                t.pos = start_pos + pos
            if chars:
                t.startchar = start_char + start
                t.endchar = start_char + end
            yield t


class ExactAnalyzer(_SyllableTokenizer):
    """Exact terms: lowercased, tone placement unified, accents kept.

    >>> [t.text for t in ExactAnalyzer()("Hoà bình, NQ57")]
    ['hòa', 'bình', 'nq57', 'nq', '57']
    """

    def _rows(self, tokens: list[Token], extras: bool) -> Rows:
        return exact_rows(tokens, extras)

    def _single(self, value: str) -> str:
        return " ".join(_words(value))


class FoldedAnalyzer(_SyllableTokenizer):
    """Folded terms (ASCII, no accents), same positions and offsets as exact.

    >>> [(t.text, t.startchar) for t in FoldedAnalyzer()("Hà Nội", chars=True)]
    [('ha', 0), ('noi', 3)]
    """

    def _rows(self, tokens: list[Token], extras: bool) -> Rows:
        return folded_rows(tokens, extras)

    def _single(self, value: str) -> str:
        return " ".join(fold(word) for word in _words(value))


class PairsAnalyzer(_SyllableTokenizer):
    """Folded adjacent-syllable pairs, never across punctuation or line breaks.

    The pair sits at the first syllable's position and spans both syllables.

    >>> [(t.text, t.pos) for t in PairsAnalyzer()("Biến đổi khí hậu. Cao Bằng", positions=True)]
    [('bien_doi', 0), ('doi_khi', 1), ('khi_hau', 2), ('cao_bang', 4)]
    """

    def _rows(self, tokens: list[Token], extras: bool) -> Rows:
        return pair_rows(tokens)

    def _single(self, value: str) -> str:
        return PAIR_SEPARATOR.join(fold(word) for word in _words(value))
