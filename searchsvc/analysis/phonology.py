"""The Vietnamese syllable, once: tone marks, letters, onsets, codas and rhymes.

Tone placement (tones), document-code patterns (doccodes), legacy-font tables and
the judging of decodings (ingest) all read these tables; `is_syllable` says
whether a word is a possible Vietnamese syllable at all.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

# Combining tone marks (in NFD).
GRAVE, ACUTE, TILDE, HOOK, DOT_BELOW = "\u0300", "\u0301", "\u0303", "\u0309", "\u0323"
TONE_MARKS = frozenset((GRAVE, ACUTE, TILDE, HOOK, DOT_BELOW))
# The only tones a syllable ending in a stop (-p, -t, -c, -ch) takes.
CHECKED_TONES = frozenset((ACUTE, DOT_BELOW))
# Combining marks that change vowel quality: breve (ă), circumflex (â ê ô), horn (ơ ư).
BREVE, CIRCUMFLEX, HORN = "\u0306", "\u0302", "\u031b"
QUALITY_MARKS = frozenset((BREVE, CIRCUMFLEX, HORN))

VOWELS = frozenset("aăâeêioôơuưy")
QUALITY_VOWELS = frozenset("ăâêôơư")
LETTERS = VOWELS | frozenset("bcdđghklmnpqrstvx")

# Initial consonants as written ('' for a syllable that starts with its vowel).
ONSETS = frozenset("b c ch d đ g gh gi h k kh l m n ng ngh nh p ph qu r s t th tr v x".split()) | {""}
# Final consonants as written (k for names like Đắk Lắk).
CODAS = frozenset("c ch m n ng nh p t k".split()) | {""}
STOP_CODAS = ("p", "t", "c", "ch", "k")

# Toneless rhymes (vowel nucleus + coda) as written; `oX`/`uX` carry the glide.
RHYMES = frozenset(
    """
    a ai ao au ay ac ach am an ang anh ap at
    ăc ăk ăm ăn ăng ăp ăt  âc âm ân âng âp ât âu ây
    e ec em en eng eo ep et  ê êch êm ên ênh êp êt êu
    i ia ich im in inh ip it iu iêc iêm iên iêng iêp iêt iêu
    y yêm yên yêng yêt yêu
    o oc oi om on ong op ot oong ooc  ô ôc ôi ôm ôn ông ôp ôt  ơ ơi ơm ơn ơp ơt
    u ua uc ui um un ung up ut uôc uôi uôm uôn uông uôt
    ư ưa ưc ưi ưm ưng ưt ưu ươc ươi ươm ươn ương ươp ươt ươu
    oa oac oach oai oam oan oang oanh oao oap oat oay oăc oăm oăn oăng oăt
    oe oen oeo oet  uân uâng uât uây  uê uêch uênh  uơ
    uy uya uych uyn uynh uyp uyt uyu uyên uyêt
    """.split()
)

# Longest first so 'ngh' is tried before 'ng' and 'n'.
_ONSETS_LONGEST_FIRST = sorted(ONSETS, key=len, reverse=True)


@lru_cache(maxsize=65536)
def is_syllable(word: str) -> bool:
    """True if `word` (any case, NFC or NFD) is a possible Vietnamese syllable.

    >>> [is_syllable(w) for w in ("Nghiêng", "người", "khuỷu", "quốc", "Lắk", "gi¸o", "mặc", "mảc")]
    [True, True, True, True, True, False, True, False]
    """
    decomposed = unicodedata.normalize("NFD", word.lower())
    tones = [ch for ch in decomposed if ch in TONE_MARKS]
    if len(tones) > 1:
        return False
    bare = unicodedata.normalize("NFC", "".join(ch for ch in decomposed if ch not in TONE_MARKS))
    for onset in _ONSETS_LONGEST_FIRST:
        if not bare.startswith(onset):
            continue
        rhyme = bare[len(onset) :]
        if rhyme in RHYMES or (onset == "gi" and rhyme == ""):
            if tones and rhyme.endswith(STOP_CODAS) and tones[0] not in CHECKED_TONES:
                continue
            return True
    return False
