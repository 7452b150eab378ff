"""Repair text typed in the legacy Vietnamese font encodings TCVN3 (ABC) and VNI-Windows.

Such files carry no charset: their bytes read as cp1252 "mojibake" that byte-level
charset detectors take for Western text.  We convert the decoded text with each
table and keep a conversion only when it turns the text into Vietnamese words.
Convert before any clean-up: TCVN3 'ư' is 0xAD, the soft hyphen that clean-up drops.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

from searchsvc.analysis.phonology import ACUTE, BREVE, CIRCUMFLEX, DOT_BELOW, GRAVE, HOOK, TILDE
from searchsvc.ingest.syllable_share import syllable_ratio

MIN_RATIO = 0.8  # share of valid syllables a conversion must reach ...
MIN_GAIN = 0.15  # ... and by how much it must beat the unconverted text



def _tcvn3_table() -> dict[int, str]:
    """Byte (= its cp1252/Latin-1 character) -> letter, derived from the TCVN 5712:1993 VN3 layout.

    0xA1-0xA7 hold Ă Â Ê Ô Ơ Ư Đ and 0xA8-0xAE the same in lowercase.  The 60 toned
    lowercase letters fill 0xB5-0xFE vowel by vowel (a ă â e ê i o ô ơ u ư y), five
    tones each in the order grave, hook, tilde, acute, dot, skipping the slots VN3
    leaves free (0xBA, 0xBF-0xC5, 0xCD, 0xD9-0xDB, 0xE0, 0xF0).  Toned capitals do
    not exist in VN3 (writers switched to an all-caps font and typed lowercase codes).
    """
    table = {0xA1 + i: ch for i, ch in enumerate("ĂÂÊÔƠƯĐăâêôơưđ")}
    free = {0xBA, *range(0xBF, 0xC6), 0xCD, 0xD9, 0xDA, 0xDB, 0xE0, 0xF0}
    slots = [b for b in range(0xB5, 0xFF) if b not in free]
    toned = [
        unicodedata.normalize("NFC", base + tone)
        for base in "aăâeêioôơuưy"
        for tone in (GRAVE, HOOK, TILDE, ACUTE, DOT_BELOW)
    ]
    assert len(slots) == len(toned) == 60
    table.update(zip(slots, toned, strict=True))
    return table


def _vni_table() -> dict[int, str]:
    """Byte (= its cp1252 character) -> base letter or combining marks, from the VNI-Windows scheme.

    VNI writes a vowel as its ASCII base letter followed by one modifier byte giving
    the tone, the circumflex or breve, or both (Vieät = V i e + [circumflex+dot] t).
    ơ ư đ and the toned i's and ỵ are single bytes.  Uppercase modifiers and letters
    sit exactly 0x20 below the lowercase ones (ù 0xF9 acute, Ù 0xD9 acute).
    """
    lower = {
        0xF9: ACUTE, 0xF8: GRAVE, 0xFB: HOOK, 0xF5: TILDE, 0xEF: DOT_BELOW,
        0xE2: CIRCUMFLEX, 0xE1: CIRCUMFLEX + ACUTE, 0xE0: CIRCUMFLEX + GRAVE, 0xE5: CIRCUMFLEX + HOOK,
        0xE3: CIRCUMFLEX + TILDE, 0xE4: CIRCUMFLEX + DOT_BELOW,
        0xEA: BREVE, 0xE9: BREVE + ACUTE, 0xE8: BREVE + GRAVE, 0xFA: BREVE + HOOK,
        0xFC: BREVE + TILDE, 0xEB: BREVE + DOT_BELOW,
        0xF4: "ơ", 0xF6: "ư", 0xF1: "đ", 0xED: "í", 0xEC: "ì", 0xE6: "ỉ", 0xF3: "ĩ",
        0xF2: "ị", 0xEE: "ỵ",
    }  # fmt: skip
    return {**lower, **{b - 0x20: marks.upper() for b, marks in lower.items()}}


_TCVN3 = _tcvn3_table()
_VNI = _vni_table()
# TCVN3 has no toned capitals: a word or line typed in capitals keeps lowercase toned letters.
_TCVN3_LOWER = "".join(ch for ch in _TCVN3.values() if ch.islower())
_CAPS_WORD = re.compile(rf"\b(?=\w*[A-Z]\w*[A-Z])[A-ZĂÂÊÔƠƯĐ{_TCVN3_LOWER}]+\b")
# A line with three or more ASCII capitals and no ASCII lowercase was typed in caps.
_CAPS_LINE = re.compile(r"^(?=(?:[^A-Za-z\n]*[A-Z]){3})[^a-z\n]+$", re.M)


def tcvn3_to_unicode(text: str) -> str:
    """Convert TCVN3 mojibake to Vietnamese.

    >>> tcvn3_to_unicode("Ban Tuyªn gi¸o vµ D©n vËn Trung \\xad¬ng, Hµ NéI")
    'Ban Tuyên giáo và Dân vận Trung ương, Hà NỘI'
    >>> tcvn3_to_unicode("Hµ NéI, NGµY 27/10")
    'HÀ NỘI, NGÀY 27/10'
    """
    converted = text.translate(_TCVN3)
    converted = _CAPS_LINE.sub(lambda m: m.group().upper(), converted)
    return _CAPS_WORD.sub(lambda m: m.group().upper(), converted)


def vni_to_unicode(text: str) -> str:
    """Convert VNI-Windows mojibake to Vietnamese (NFC).

    >>> vni_to_unicode("Ban Tuyeân giaùo vaø Daân vaän Trung öông, ÑOÄC LAÄP")
    'Ban Tuyên giáo và Dân vận Trung ương, ĐỘC LẬP'
    """
    return unicodedata.normalize("NFC", text.translate(_VNI))


_CONVERTERS: tuple[tuple[str, Callable[[str], str]], ...] = (
    ("tcvn3", tcvn3_to_unicode),
    ("vni", vni_to_unicode),
)


def best_legacy(text: str) -> tuple[str, str, float] | None:
    """Best legacy reading of `text` as (converted, 'tcvn3'|'vni', syllable ratio), or None.

    >>> best_legacy("Coäng hoøa xaõ hoäi chuû nghóa Vieät Nam")[1:]
    ('vni', 1.0)
    """
    sample = text[:60_000]
    baseline = syllable_ratio(sample)
    best: tuple[str, float] | None = None
    for name, convert in _CONVERTERS:
        score = syllable_ratio(convert(sample))
        if score >= MIN_RATIO and score >= baseline + MIN_GAIN and (best is None or score > best[1]):
            best = (name, score)
    if best is None:
        return None
    convert = dict(_CONVERTERS)[best[0]]
    return convert(text), best[0], best[1]


def detect_and_convert_legacy(text: str) -> tuple[str, str] | None:
    """TCVN3/VNI mojibake -> (Vietnamese text, 'tcvn3'|'vni'); None if it is neither.

    >>> detect_and_convert_legacy("Céng hoµ x· héi chñ nghÜa ViÖt Nam")
    ('Cộng hoà xã hội chủ nghĩa Việt Nam', 'tcvn3')
    >>> detect_and_convert_legacy("Un café à Paris, s'il vous plaît") is None
    True
    """
    found = best_legacy(text)
    return None if found is None else (found[0], found[1])
