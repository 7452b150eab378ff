"""Share of a text's words that are Vietnamese syllables.  Used to judge decodings.

A wrong decoding (cp1252 read of TCVN3 bytes, a wrong legacy table) produces
words no Vietnamese speaker writes; the share of valid syllables tells the
right reading from the wrong ones without a dictionary.
"""

from __future__ import annotations

import re

from searchsvc.analysis.phonology import is_syllable

# Words are what lies between whitespace, ASCII punctuation, typographic quotes and
# dashes.  Latin-1 symbols (¸ µ ­ « ...) are NOT separators: in TCVN3 mojibake they are letters.
_SPLIT = re.compile(r"[\s!-/:-@\[-`{-~\u2010-\u2027\u00a0]+")
_DIGIT = re.compile(r"\d")
# Acronyms (UBND, NQ, TW, HĐND) are never syllables and read the same in every encoding.
_ACRONYM = re.compile(r"[A-ZĐ]{2,}")

# Markup and entities are not words: strip them so HTML pages score like their text.
# What goes: <script>…</script> and <style>…</style>, <!--…-->, any other <tag…>, &entity;.
_CANDIDATE = re.compile(r"<[a-zA-Z!/?]|&#?\w+;")
_RAW_OPEN = re.compile(r"<(script|style)\b", re.I)
_RAW_CLOSE = {"script": re.compile(r"</script\s*>", re.I), "style": re.compile(r"</style\s*>", re.I)}


class _NextFrom:
    """The first match of a pattern at or after a position, with the last answer remembered.

    Markup is searched for from left to right, so a terminator found (or found missing)
    for one opening still answers every later opening before it: each terminator is
    searched for once, and an unterminated `<!--` repeated 100,000 times costs one
    scan, not 100,000 (the lazy regex `<!--.*?-->` scanned to the end from each one).
    """

    def __init__(self, find) -> None:
        self._find = find  # (text, start) -> (start, end) of the match, or None
        self._asked = -1
        self._answer: tuple[int, int] | None = None

    def __call__(self, text: str, start: int) -> tuple[int, int] | None:
        if self._asked < 0 or start < self._asked or (self._answer is not None and start > self._answer[0]):
            self._asked, self._answer = start, self._find(text, start)
        return self._answer


def _found(pattern: re.Pattern[str]):
    def find(text: str, start: int) -> tuple[int, int] | None:
        m = pattern.search(text, start)
        return None if m is None else m.span()

    return find


def _literal(needle: str):
    def find(text: str, start: int) -> tuple[int, int] | None:
        at = text.find(needle, start)
        return None if at < 0 else (at, at + len(needle))

    return find


def strip_markup(text: str) -> str:
    """`text` with every tag, comment, script/style element and entity replaced by a space.

    Linear in the length of `text`, whatever is left unterminated.

    >>> strip_markup("<p class='x'>Hà&nbsp;Nội<script>var a = '<b>';</script><!-- c --></p>")
    ' Hà Nội   '
    >>> strip_markup("<!--<!--<!-- Hà Nội")  # no `>` anywhere: no tag, no comment
    '<!--<!--<!-- Hà Nội'
    """
    closers = {name: _NextFrom(_found(pattern)) for name, pattern in _RAW_CLOSE.items()}
    comment_end = _NextFrom(_literal("-->"))
    tag_end = _NextFrom(_literal(">"))
    out: list[str] = []
    pos = 0  # text[:pos] is done
    search = pos
    while (m := _CANDIDATE.search(text, search)) is not None:
        start = m.start()
        end = None
        if text[start] == "&":
            end = m.end()
        else:
            raw = _RAW_OPEN.match(text, start)
            if raw is not None and (close := closers[raw.group(1).lower()](text, raw.end())) is not None:
                end = close[1]
            elif text.startswith("<!--", start) and (close := comment_end(text, start + 4)) is not None:
                end = close[1]
            elif (close := tag_end(text, start + 2)) is not None:
                end = close[1]
        if end is None:  # a `<` that opens nothing: it is text
            search = start + 1
            continue
        out.append(text[pos:start])
        out.append(" ")
        pos = search = end
    out.append(text[pos:])
    return "".join(out)


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
        sample = strip_markup(sample)
    words = [w for w in _SPLIT.split(sample) if w and not _DIGIT.search(w) and not _ACRONYM.fullmatch(w)]
    if not words:
        return 0.0
    return sum(map(is_syllable, words)) / len(words)
