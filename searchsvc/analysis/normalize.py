"""Text clean-up applied to every document and query before anything else.

The result is the text we store and display (NFC), so character offsets computed
on it point into exactly what users see.
"""

from __future__ import annotations

import re
import unicodedata

# Characters that carry no meaning but split or hide words: soft hyphen, BOM,
# zero-width joiners and the word joiner.  Dropped entirely.
_DROP = dict.fromkeys(map(ord, "\u00ad\ufeff\u200c\u200d\u2060\u180e"), None)

_TRANSLATE = {
    **_DROP,
    0x200B: " ",  # zero-width space separates words: keep it as a space
    0x00A0: " ",  # no-break space
    0x00D0: "\u0110",  # Ð (Icelandic eth, looks identical) -> Đ
    0x00F0: "\u0111",  # ð -> đ
    **{cp: "-" for cp in range(0x2010, 0x2016)},  # hyphens and dashes
    0x2212: "-",  # minus sign
}

_TRANSLATED = re.compile("[" + "".join(re.escape(chr(c)) for c in sorted(_TRANSLATE)) + "]")

# Control characters other than tab/newline/carriage return confuse parsers and
# terminals; they never belong in a press release.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def normalize_text(text: str) -> str:
    """Return `text` in NFC with invisible characters removed and look-alikes unified.

    >>> normalize_text("Ha\\u0300 No\\u0323\\u0302i\\u00ad")   # NFD input, soft hyphen
    'Hà Nội'
    >>> normalize_text("\\u00d0a\\u0300 Na\\u0306\\u0303ng \\u2013 2025")
    'Đà Nẵng - 2025'
    """
    text = unicodedata.normalize("NFC", text)
    # Most text holds none of these: one regex scan costs a fraction of translate()'s per-character lookups.
    translated = _TRANSLATED.search(text) is not None
    if translated:
        text = text.translate(_TRANSLATE)
    text = _CONTROL.sub(" ", text)
    # translate() can leave combining marks next to a new base letter; renormalise.
    return unicodedata.normalize("NFC", text) if translated else text
