"""Is this word a well-formed Vietnamese syllable?  Used to judge decodings.

A wrong decoding (cp1252 read of TCVN3 bytes, a wrong legacy table) produces
words no Vietnamese speaker writes; the share of valid syllables tells the
right reading from the wrong ones without a dictionary.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_TONE_MARKS = frozenset("\u0300\u0301\u0303\u0309\u0323")  # grave acute tilde hook dot-below
_CHECKED_TONES = frozenset("\u0301\u0323")  # the only tones a -p/-t/-c/-ch syllable takes
_STOP_CODAS = ("p", "t", "c", "ch", "k")

# Longest first so 'ngh' is tried before 'ng' and 'n'.
_ONSETS = sorted(
    "b c ch d đ g gh gi h k kh l m n ng ngh nh p ph qu r s t th tr v x".split(),
    key=len,
    reverse=True,
) + [""]

# Toneless rhymes (vowel nucleus + coda) as written; `oX`/`uX` carry the glide.
_RHYMES = frozenset(
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

# Words are what lies between whitespace, ASCII punctuation, typographic quotes and
# dashes.  Latin-1 symbols (¸ µ ­ « ...) are NOT separators: in TCVN3 mojibake they are letters.
_SPLIT = re.compile(r"[\s!-/:-@\[-`{-~\u2010-\u2027\u00a0]+")
# Markup and entities are not words; strip them so HTML pages score like their text.
_MARKUP = re.compile(r"<(script|style)\b.*?</\1\s*>|<!--.*?-->|<[a-zA-Z!/?][^>]*>|&#?\w+;", re.S | re.I)
_DIGIT = re.compile(r"\d")
# Acronyms (UBND, NQ, TW, HĐND) are never syllables and read the same in every encoding.
_ACRONYM = re.compile(r"[A-ZĐ]{2,}")


@lru_cache(maxsize=65536)
def is_syllable(word: str) -> bool:
    """True if `word` (any case, NFC or NFD) is a possible Vietnamese syllable.

    >>> [is_syllable(w) for w in ("Nghiêng", "người", "khuỷu", "quốc", "Lắk", "gi¸o", "mặc", "mảc")]
    [True, True, True, True, True, False, True, False]
    """
    decomposed = unicodedata.normalize("NFD", word.lower())
    tones = [ch for ch in decomposed if ch in _TONE_MARKS]
    if len(tones) > 1:
        return False
    bare = unicodedata.normalize("NFC", "".join(ch for ch in decomposed if ch not in _TONE_MARKS))
    for onset in _ONSETS:
        if not bare.startswith(onset):
            continue
        rhyme = bare[len(onset) :]
        if rhyme in _RHYMES or (onset == "gi" and rhyme == ""):
            if tones and rhyme.endswith(_STOP_CODAS) and tones[0] not in _CHECKED_TONES:
                continue
            return True
    return False


def syllable_ratio(text: str, max_chars: int = 60_000) -> float:
    """Share of the words in (the start of) `text` that are Vietnamese syllables.

    Words with digits and acronyms are ignored; markup is stripped first.  0.0 when there are no words.

    >>> syllable_ratio("Ban Tuyên giáo và Dân vận Trung ương")
    1.0
    >>> round(syllable_ratio("Ban Tuyªn gi¸o vµ D©n vËn Trung ­¬ng"), 2)
    0.25
    """
    sample = text[:max_chars]
    if "<" in sample or "&" in sample:
        sample = _MARKUP.sub(" ", sample)
    words = [w for w in _SPLIT.split(sample) if w and not _DIGIT.search(w) and not _ACRONYM.fullmatch(w)]
    if not words:
        return 0.0
    return sum(map(is_syllable, words)) / len(words)
