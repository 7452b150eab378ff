"""Tone-mark placement: one canonical spelling per Vietnamese syllable.

Real text mixes two placement conventions (``hoà``/``hòa``) and typos that put
the mark on the wrong vowel (``hòang``, ``ngừơi``).  Index and query terms go
through :func:`place_tone` so all spellings of a syllable become one term.  We
use the *old* style (``hòa``, ``khỏe``, ``thủy``), which dominates in the press.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from itertools import product

from searchsvc.analysis.phonology import CODAS, LETTERS, ONSETS, QUALITY_MARKS, QUALITY_VOWELS, TONE_MARKS, VOWELS


def _split(base: str) -> tuple[int, int] | None:
    """Return (nucleus start, nucleus end) of a toneless lowercase syllable, or None.

    >>> _split("quy"), _split("gia"), _split("gin"), _split("hoang")
    ((2, 3), (2, 3), (1, 2), (1, 3))
    """
    i = 0
    n = len(base)
    while i < n and base[i] not in VOWELS:
        i += 1
    # `qu` + vowel: the u is a glide belonging to the onset (quý, quốc).
    if base[:i] == "q" and i + 1 < n and base[i] == "u" and base[i + 1] in VOWELS:
        i += 1
    # `gi` + vowel: the i is part of the onset (giá, giữa) but alone it is the
    # nucleus (gìn, gì).
    elif base[:i] == "g" and i + 1 < n and base[i] == "i" and base[i + 1] in VOWELS:
        i += 1
    if base[:i] not in ONSETS:
        return None
    j = i
    while j < n and base[j] in VOWELS:
        j += 1
    if not 1 <= j - i <= 3 or base[j:] not in CODAS:
        return None
    return i, j


def _tone_index(base: str) -> int | None:
    """Index in `base` (toneless, lowercase) of the vowel that should carry the tone.

    >>> [_tone_index(s) for s in ("hoa", "hoang", "nguoi".replace("uo", "ươ"), "khuyu")]
    [1, 2, 3, 3]
    """
    span = _split(base)
    if span is None:
        return None
    start, end = span
    nucleus = base[start:end]
    # A quality-marked vowel wins; scanning from the right makes `ươ` pick the ơ.
    for k in range(len(nucleus) - 1, -1, -1):
        if nucleus[k] in QUALITY_VOWELS:
            return start + k
    if len(nucleus) == 3:
        return start + 1
    if len(nucleus) == 2 and end < len(base):
        return start + 1
    # One vowel, or two vowels with no coda: the first.  For oa/oe/uy this is the
    # old style (hòa, khỏe, thủy); for other pairs it is the only style (bài, của).
    return start


@lru_cache(maxsize=65536)
def place_tone(syllable: str) -> str:
    """Move the single tone mark of a Vietnamese syllable to its canonical vowel.

    Expects NFC text, ideally lowercased (callers lowercase terms first); the case
    of each letter is kept anyway.  Anything that is not one well-formed syllable
    with exactly one tone mark (café, email, 2024, hđnd, two-tone typos) comes back
    unchanged.

    >>> place_tone("hoà"), place_tone("qúy"), place_tone("ngừơi"), place_tone("Uỷ")
    ('hòa', 'quý', 'người', 'Ủy')
    >>> place_tone("café")
    'café'
    """
    if syllable.isascii():
        return syllable  # no marks at all: nothing to move
    decomposed = unicodedata.normalize("NFD", syllable)
    tone = ""
    kept: list[str] = []
    for ch in decomposed:
        if ch in TONE_MARKS:
            on_vowel = bool(kept) and (
                kept[-1].lower() in "aeiouy" or kept[-1] in QUALITY_MARKS
            )
            if tone or not on_vowel:
                return syllable  # second tone mark, or a mark on a consonant (ñ)
            tone = ch
        else:
            kept.append(ch)
    if not tone:
        return syllable
    base = unicodedata.normalize("NFC", "".join(kept))
    lower = base.lower()
    if len(lower) != len(base) or not all(ch in LETTERS for ch in lower):
        return syllable
    index = _tone_index(lower)
    if index is None:
        return syllable
    marked = unicodedata.normalize("NFC", base[index] + tone)
    return unicodedata.normalize("NFC", base[:index] + marked + base[index + 1 :])


# Letters a bare (folded) spelling may stand for.  `d` is `đ` only as the onset.
_MARKED_FORMS = {"a": "aăâ", "e": "eê", "o": "oôơ", "u": "uư"}


@lru_cache(maxsize=16384)
def spellings(folded: str) -> tuple[str, ...]:
    """Every well-formed syllable, tone placed as `place_tone` places it, whose
    folded form is `folded` (the candidates of accent restoration); () for
    anything that is no Vietnamese syllable.

    >>> [s for s in ("hòa", "hoà", "hóa", "hoa") if s in spellings("hoa")]
    ['hòa', 'hóa', 'hoa']
    >>> len(spellings("bao")), "bão" in spellings("bao"), "đường" in spellings("duong"), spellings("ubnd")
    (54, True, True, ())

    Forms no text uses (`hoâ`) are among them: the index says which occur.
    """
    if not folded.isascii() or not folded.isalpha() or len(folded) > 7 or folded != folded.lower():
        return ()
    choices = [("dđ" if ch == "d" and i == 0 else _MARKED_FORMS.get(ch, ch)) for i, ch in enumerate(folded)]
    found: set[str] = set()
    for letters in product(*choices):
        base = "".join(letters)
        index = _tone_index(base)
        if index is None:
            continue
        found.add(base)
        for tone in TONE_MARKS:
            found.add(unicodedata.normalize("NFC", base[:index] + base[index] + tone + base[index + 1:]))
    return tuple(sorted(found))
