"""ASCII folding of terms, so `bien doi khi hau` typed without accents still matches.

Folding is lossy on purpose (đường, dương, đương -> duong); the exact field keeps
the distinction for ranking.
"""

from __future__ import annotations

from functools import lru_cache

from unidecode import unidecode


@lru_cache(maxsize=65536)
def fold(term: str) -> str:
    """Lowercase ASCII form of one term; never empty for a non-empty term.

    unidecode handles đ (which NFD + strip-marks leaves alone) and all 134
    Vietnamese letters.  It is slow on raw text, hence one call per distinct term.

    >>> fold("Đường"), fold("HĐND"), fold("2024-12-22"), fold("北京")
    ('duong', 'hdnd', '2024-12-22', 'beijing')
    >>> fold("😀")   # unidecode drops it entirely: keep the term as it is
    '😀'
    """
    if term.isascii():
        return term.lower()
    # Spaces come from multi-character transliterations (CJK); a term is one token.
    folded = "".join(unidecode(term).lower().split())
    if not any(ch.isalnum() for ch in folded):
        return term.lower()
    return folded
