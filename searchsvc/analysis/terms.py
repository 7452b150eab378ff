"""The terms a token list is indexed and searched under, one function per view.

A text is tokenized once; each field reads one view of the tokens: exact terms, folded
terms, folded adjacent-syllable pairs, code and date terms.  Index (whoosh.analyzers) and
queries build the same terms here.  A row is (term, position, start, end), offsets into
the tokenized text.
"""

from __future__ import annotations

from collections.abc import Iterable

from searchsvc.analysis.normalize import normalize_text
from searchsvc.analysis.tokenize import EXTRA_KINDS, SYLLABLE_KINDS, Token, tokenize

Row = tuple[str, int, int, int]

# Joins the two syllables of a pair term; tokens never contain it (see tokenize's _WORD).
PAIR_SEPARATOR = "_"


def pair_term(first: str, second: str) -> str:
    """The pairs-field term of two adjacent (folded) syllables.

    >>> pair_term("khi", "hau")
    'khi_hau'
    """
    return f"{first}{PAIR_SEPARATOR}{second}"


def exact_rows(tokens: Iterable[Token], extras: bool = True) -> list[Row]:
    """Exact terms (lowercased, tone placement unified, accents kept); `extras`: codes and dates too.

    >>> [r[0] for r in exact_rows(tokenize("Hoà bình, NQ57"))]
    ['hòa', 'bình', 'nq57', 'nq', '57']
    """
    return [(t.term, t.pos, t.start, t.end) for t in tokens if extras or t.kind not in EXTRA_KINDS]


def folded_rows(tokens: Iterable[Token], extras: bool = True) -> list[Row]:
    """Folded terms (ASCII, no accents), same positions and offsets as the exact ones.

    >>> folded_rows(tokenize("Hà Nội"))
    [('ha', 0, 0, 2), ('noi', 1, 3, 6)]
    """
    return [(t.folded, t.pos, t.start, t.end) for t in tokens if extras or t.kind not in EXTRA_KINDS]


def pair_rows(tokens: Iterable[Token]) -> list[Row]:
    """Folded pairs of adjacent syllables, never across punctuation or line breaks.

    A pair sits at its first syllable's position and spans both syllables.

    >>> [(r[0], r[1]) for r in pair_rows(tokenize("Biến đổi khí hậu. Cao Bằng"))]
    [('bien_doi', 0), ('doi_khi', 1), ('khi_hau', 2), ('cao_bang', 4)]
    """
    rows: list[Row] = []
    prev: Token | None = None
    for tok in tokens:
        if tok.kind not in SYLLABLE_KINDS:
            continue  # code/date extras sit between components; skip them
        if tok.joined and prev is not None:
            rows.append((pair_term(prev.folded, tok.folded), prev.pos, prev.start, tok.end))
        prev = tok
    return rows


def written_pairs(tokens: Iterable[Token]) -> set[str]:
    """The distinct exact (accented) pairs of adjacent syllables a text writes, where
    `pair_rows` would pair their folded forms.  Did-you-mean asks how many documents
    write `hồ chí` rather than `họ chỉ`; the index keeps that count per pair, not a field.

    >>> sorted(written_pairs(tokenize("Hồ Chí Minh. Hồ Chí")))
    ['chí_minh', 'hồ_chí']
    """
    pairs: set[str] = set()
    prev: Token | None = None
    for tok in tokens:
        if tok.kind not in SYLLABLE_KINDS:
            continue
        if tok.joined and prev is not None:
            pairs.add(pair_term(prev.term, tok.term))
        prev = tok
    return pairs


def pair_terms(tokens: Iterable[Token]) -> list[str]:
    """The pair terms of `tokens`, in order (repeats kept).

    >>> pair_terms(tokenize("nq 57, khí hậu"))
    ['nq_57', 'khi_hau']
    """
    return [row[0] for row in pair_rows(tokens)]


def code_tokens(tokens: Iterable[Token]) -> list[Token]:
    """The code and date tokens (`nq57`, `2024-12-22`), which a search may match as a whole.

    >>> [t.term for t in code_tokens(tokenize("Nghị quyết 57-NQ/TW ngày 22/12/2024"))]
    ['nq57', '2024-12-22']
    """
    return [t for t in tokens if t.kind in EXTRA_KINDS]


def analyze_fields(text: str) -> dict[str, list[str]]:
    """The terms each field indexes for `text`, for the `searchsvc analyze` command.

    >>> analyze_fields("Bộ Y tế, hoà bình")
    {'exact': ['bộ', 'y', 'tế', 'hòa', 'bình'], 'folded': ['bo', 'y', 'te', 'hoa', 'binh'], 'pairs': ['bo_y', 'y_te', 'hoa_binh']}
    """
    tokens = tokenize(normalize_text(text))
    return {
        "exact": [row[0] for row in exact_rows(tokens)],
        "folded": [row[0] for row in folded_rows(tokens)],
        "pairs": pair_terms(tokens),
    }
