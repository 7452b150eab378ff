"""Split normalised text into syllable tokens, plus document-code and date terms.

Vietnamese words are several syllables, and segmenters are slow and unreliable
on unaccented queries, so we index syllables with positions and leave word
knowledge to phrase queries and the adjacent-pair field.  No stopwords are
dropped: `cao`, `bằng`, `số`, `bộ` are part of names and terms people search.
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from functools import lru_cache
from typing import NamedTuple

from searchsvc.analysis.doccodes import DOC_TYPES, abbreviation_pattern, full_name_pattern, loose
from searchsvc.analysis.fold import fold
from searchsvc.analysis.tones import place_tone


# Token kinds.  Words and numbers are syllables: each has a position of its own and may pair
# with its neighbour.  Codes (`nq57`) and dates (`2024-12-22`) are extra terms for a whole
# span, at the position of its first component.
WORD, NUMBER, CODE, DATE = "word", "number", "code", "date"
SYLLABLE_KINDS = frozenset((WORD, NUMBER))
EXTRA_KINDS = frozenset((CODE, DATE))


class Token(NamedTuple):
    """One analysed token.

    >>> tokenize("Hoà bình")[0]
    Token(term='hòa', folded='hoa', pos=0, start=0, end=3, kind='word', joined=False)
    """

    term: str  # NFKC, lowercased, tone placement normalised: 'hòa', '2209', 'nq57', '2024-12-22'
    folded: str  # fold(term): 'hoa'
    pos: int  # successive syllables get successive positions; extras share their first component's
    start: int  # offsets into the (normalize_text()'d) input
    end: int
    kind: str  # WORD | NUMBER | CODE | DATE
    joined: bool  # may pair with the previous token: at pos-1 with only spaces/tabs between


# Building blocks.  `[^\W_]` is a letter or digit: underscores separate words
# (and `_` is the pair separator in the pairs field).
_NOT_ALNUM_NEXT = r"(?![^\W_])"
# Thousands with dots (2.209 -> 2209), any digit run, optional decimal comma (2,5).
_NUMBER = r"(?:\d{1,3}(?:\.\d{3})+|\d+)(?:,\d+)?"
_CODE_NUMBER = r"(?:\d{1,3}(?:\.\d{3})+|\d+)"
# Letters; combining marks are tolerated inside a word so stray NFD input does not
# split syllables (NFKC per token composes them).
_WORD = r"[^\W_]+(?:[\u0300-\u036f]+[^\W_]*)*"
# Issuer/suffix parts of a code (`/TW`, `-CP`, `/2020`): each must contain a letter
# so a following date (`số 2/12/2024`) is never swallowed.
_TAIL = r"(?:[-/](?=[^\W_]*[^\W\d_])[^\W_]+)*"
_DATE_AHEAD = r"[/.-]\d{1,2}[/.-]\d{4}"
_ABBR = abbreviation_pattern()

# First letters of every document-type name and abbreviation (checked by a test).
_CODE_INITIALS = "nNqQkKcCtThHbB"

# Alternatives are grouped behind a one-character lookahead: Python's regex engine
# retries every branch at every token, and most words cannot start a code, so the
# guard halves the matching time.
_TOKEN_RE = re.compile(
    rf"(?=[{_CODE_INITIALS}])(?:"
    # `Nghị quyết số 57-NQ/TW`, `nghi quyet 57`, `Thông tư 01/2025/TT-BTC`
    rf"(?P<named>(?P<name>{full_name_pattern()})[ \t]+(?:{loose('so')}[ \t]+)?"
    rf"(?P<named_no>{_CODE_NUMBER})(?!{_DATE_AHEAD}){_NOT_ALNUM_NEXT}(?:/\d{{4}})?{_TAIL})"
    # `NQ57`, `nq 57`, `NQ-57`
    rf"|(?P<short>(?P<short_abbr>{_ABBR})[ \t-]?(?P<short_no>\d+){_NOT_ALNUM_NEXT}))"
    rf"|(?=\d)(?:"
    # `57-NQ/TW`, `57/NQ-TW`, `15/2020/NĐ-CP`
    rf"(?P<coded>(?P<coded_no>{_CODE_NUMBER})(?:/\d{{4}})?[-/]"
    rf"(?P<coded_abbr>{_ABBR}){_NOT_ALNUM_NEXT}{_TAIL})"
    # `22/12/2024`, `22-12-2024`, `22.12.2024`
    rf"|(?P<date>(?P<day>\d{{1,2}})(?P<sep>[/.-])(?P<month>\d{{1,2}})(?P=sep)(?P<year>\d{{4}}){_NOT_ALNUM_NEXT})"
    rf"|(?P<number>{_NUMBER}){_NOT_ALNUM_NEXT})"
    rf"|(?P<word>{_WORD})"
)
# Components inside a code or date span.
_PLAIN_RE = re.compile(rf"(?P<number>{_NUMBER}){_NOT_ALNUM_NEXT}|(?P<word>{_WORD})")
# Gaps that keep two tokens joinable: spaces and tabs, no line break.
_JOINING_GAP = re.compile(r"[^\S\n\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]*").fullmatch


@lru_cache(maxsize=131072)
def _word_forms(surface: str) -> tuple[str, str, str]:
    """(term, folded, kind) of a word as written.

    >>> _word_forms("Hoà"), _word_forms("HĐND")
    (('hòa', 'hoa', 'word'), ('hđnd', 'hdnd', 'word'))
    """
    term = place_tone(unicodedata.normalize("NFKC", surface).lower())
    return term, fold(term), NUMBER if term.isdigit() else WORD


@lru_cache(maxsize=65536)
def _number_forms(surface: str) -> tuple[str, str, str]:
    """(term, folded, kind) of a number; dot thousands separators go.

    >>> _number_forms("154.497"), _number_forms("2,5")
    (('154497', '154497', 'number'), ('2,5', '2,5', 'number'))
    """
    term = unicodedata.normalize("NFKC", surface).replace(".", "")
    return term, fold(term), NUMBER


def _code_term(abbreviation: str, number: str) -> str:
    """`nq` + `057` -> `nq57`: leading zeros go so `01/2025/TT-BTC` meets `thông tư 1`."""
    digits = unicodedata.normalize("NFKC", number).replace(".", "").lstrip("0") or "0"
    return fold(abbreviation) + digits


def _date_term(day: str, month: str, year: str) -> str | None:
    """ISO date of a d/m/yyyy match, or None when it is no calendar date.

    >>> _date_term("22", "12", "2024"), _date_term("31", "2", "2024")
    ('2024-12-22', None)
    """
    d, m, y = int(day), int(month), int(year)
    if y < 1 or not 1 <= m <= 12 or not 1 <= d <= calendar.monthrange(y, m)[1]:
        return None
    return f"{y:04d}-{m:02d}-{d:02d}"


_new_token = tuple.__new__  # skips NamedTuple's Python-level __new__ in the hot loop


class _Builder:
    """Accumulates tokens for the rare code/date spans, continuing tokenize()'s state."""

    __slots__ = ("text", "out", "pos", "prev_end")

    def __init__(self, text: str, out: list[Token], pos: int, prev_end: int) -> None:
        self.text = text
        self.out = out
        self.pos = pos
        self.prev_end = prev_end  # -1: no previous token, nothing to join with

    def plain(self, start: int, end: int) -> None:
        """Append the word/number components found in text[start:end]."""
        text = self.text
        for m in _PLAIN_RE.finditer(text, start, end):
            forms = _number_forms if m.lastgroup == "number" else _word_forms
            term, folded, kind = forms(m.group())
            s, e = m.span()
            joined = self.prev_end >= 0 and _JOINING_GAP(text, self.prev_end, s) is not None
            self.pos += 1
            self.out.append(Token(term, folded, self.pos, s, e, kind, joined))
            self.prev_end = e

    def extra(self, term: str, kind: str, start: int, end: int) -> None:
        """A code/date term at the position the span's first component will get."""
        self.out.append(Token(term, fold(term), self.pos + 1, start, end, kind, False))


def tokenize(text: str) -> list[Token]:
    """Tokens of normalize_text()'d text, in text order (extras before their components).

    `joined` is True when the token directly follows the previous one (position
    pos-1) with only spaces/tabs between: no punctuation, symbol or line break.

    >>> [(t.term, t.pos, t.kind) for t in tokenize("NQ57 ngày 2.209")]
    [('nq57', 0, 'code'), ('nq', 0, 'word'), ('57', 1, 'number'), ('ngày', 2, 'word'), ('2209', 3, 'number')]
    """
    out: list[Token] = []
    append = out.append
    word_forms = _word_forms
    number_forms = _number_forms
    joining_gap = _JOINING_GAP
    new = _new_token
    pos = -1
    prev_end = -1
    # Words and numbers are ~all matches: this loop is the indexing hot path, so
    # it is inlined rather than calling helper methods per token.
    for m in _TOKEN_RE.finditer(text):
        group = m.lastgroup
        if group == "word":
            term, folded, kind = word_forms(m.group())
        elif group == "number":
            term, folded, kind = number_forms(m.group())
        else:
            b = _Builder(text, out, pos, prev_end)
            _special(b, m, group)
            pos, prev_end = b.pos, b.prev_end
            continue
        start, end = m.span()
        pos += 1
        if prev_end < 0:
            joined = False
        elif start - prev_end == 1 and text[prev_end] == " ":
            joined = True  # the common single space, without a regex call
        else:
            joined = joining_gap(text, prev_end, start) is not None
        append(new(Token, (term, folded, pos, start, end, kind, joined)))
        prev_end = end
    return out


def _special(b: _Builder, m: re.Match[str], group: str | None) -> None:
    """Emit the extra term and the components of a code or date match."""
    start, end = m.span()
    if group == "date":
        term = _date_term(m["day"], m["month"], m["year"])
        if term is not None:
            b.extra(term, DATE, start, end)
    elif group == "short":
        b.extra(_code_term(m["short_abbr"], m["short_no"]), CODE, start, end)
        # Split `NQ57` so it meets `nq 57` and `57-NQ/TW` component by component.
        b.plain(*m.span("short_abbr"))
        b.plain(m.start("short_no"), end)
        return
    elif group == "coded":
        b.extra(_code_term(m["coded_abbr"], m["coded_no"]), CODE, start, end)
    elif group == "named":
        name = " ".join(fold(w) for w in m["name"].split())
        b.extra(_code_term(DOC_TYPES[name], m["named_no"]), CODE, start, end)
    b.plain(start, end)
