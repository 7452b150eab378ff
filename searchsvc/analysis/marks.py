"""Which documents were typed without diacritics.

A syllable typed with marks (`bão`) matches only that syllable, but an old mail,
an SMS-style release or an ASCII export writes every word bare (`bao`) and still
means `bão` there.  Such a document carries no conflicting accent, so its bare
syllables may answer an accented query.  The decision is per document, not per
syllable, because `bao` is also a real word with the level tone: in real news
about 80% of word tokens carry some mark (tone, ă â ê ô ơ ư or đ); of the first
8,000 VNTC test articles, 2 fell below 20%, none between 20% and 40%, 3 below
50%.  The threshold sits in that gap.
"""

from __future__ import annotations

from collections.abc import Iterable

from searchsvc.analysis.tokenize import WORD, Token

# A document whose word tokens carry marks less often than this is "unmarked".
UNMARKED_BELOW = 0.3


def marked_share(tokens: Iterable[Token]) -> float | None:
    """Share of word tokens that carry any mark; None when there are no words.

    >>> from searchsvc.analysis import tokenize
    >>> marked_share(tokenize("Hà Nội ngày mai, 2024"))
    0.75
    """
    words = marked = 0
    for tok in tokens:
        if tok.kind == WORD:
            words += 1
            marked += tok.term != tok.folded
    return marked / words if words else None


def written_without_marks(tokens: Iterable[Token]) -> bool:
    """True for a text typed without diacritics (see UNMARKED_BELOW).

    >>> from searchsvc.analysis import tokenize
    >>> written_without_marks(tokenize("Bao so 3 do bo vao Quang Ninh gay mua lon"))
    True
    >>> written_without_marks(tokenize("Bão số 3 đổ bộ vào Quảng Ninh gây mưa lớn"))
    False
    """
    share = marked_share(tokens)
    return share is not None and share < UNMARKED_BELOW
