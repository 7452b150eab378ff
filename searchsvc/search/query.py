"""Parse what a user typed into a small, forgiving query structure.

Supported, never failing on anything else:
  words                      all must match (accent-insensitive; typed accents rank first)
  "a phrase"  “a phrase”     the syllables in this order (an unbalanced quote runs to the
                             end; the service falls back to plain words if that finds nothing)
  -word  -"phrase"  NOT word the document must not contain it
  a OR b                     either side
  AND                        accepted and ignored (it is the default)
  title:word  title:"..."    match in the title only (`title: word` too: the next word)
Any other punctuation is ignored by the tokenizer, so `foo:bar`, `(x)` or emoji
simply search the words they contain.

Bounded: the text is cut to `max_chars`, then only the first `max_terms` syllables
(counted over every part and OR branch, excluded ones too) are kept, because each
syllable adds clauses that cost time on every matching document.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..analysis import Token, normalize_text, tokenize
from ..analysis.tokenize import SYLLABLE_KINDS, WORD
from ..errors import BadRequest

FIELD_ALIASES = {"title": "title", "tieude": "title", "tiêuđề": "title", "tiêu_đề": "title"}
QUOTES = "\"“”„«»"

# `title: Cao Bằng` means `title:Cao Bằng`: the space after a known field's colon goes.
_FIELD_SPACE = re.compile(
    r"(?<!\w)(" + "|".join(re.escape(a) for a in FIELD_ALIASES) + r"):\s+(?=\S)", re.IGNORECASE)

_LEXER = re.compile(
    r"""
    (?P<sign>[-+!]?)
    (?:(?P<field>[^\W\d]\w*):(?=\S))?
    (?:
        (?P<phrase>["“”„«»](?P<inner>[^"“”„«»]*)["“”„«»]?)
      | (?P<word>[^\s"“”„«»]+)
    )
    """,
    re.VERBOSE,
)


@dataclass
class Part:
    """One unit of the query: a run of words, or one quoted phrase."""

    tokens: list[Token]
    phrase: bool = False
    title_only: bool = False
    excluded: bool = False

    @property
    def syllables(self) -> list[Token]:
        """Tokens that are syllables or numbers (not the code/date extras)."""
        return [t for t in self.tokens if t.kind in SYLLABLE_KINDS]


@dataclass
class ParsedQuery:
    text: str  # the normalised query text
    alternatives: list[list[Part]] = field(default_factory=list)  # OR of ANDs
    unbalanced: bool = False  # a quote was opened and never closed

    def without_quotes(self, max_chars: int = 500, max_terms: int = 32) -> ParsedQuery:
        """The same text with every quote removed: the plain-words reading."""
        return parse_query(self.text.translate({ord(c): " " for c in QUOTES}), max_chars, max_terms)

    @property
    def accented(self) -> bool:
        """Some syllable was typed with marks, so strict and accent-blind matching differ."""
        return any(t.kind == WORD and t.term != t.folded
                   for alt in self.alternatives for p in alt if not p.excluded for t in p.tokens)

    @property
    def positive_parts(self) -> list[Part]:
        return [p for alt in self.alternatives for p in alt if not p.excluded]

    def highlight_terms(self, strict: bool = True) -> HighlightTerms:
        """What to mark in results: everything the user did not exclude.

        Syllables typed with marks are marked where the text has those marks,
        and by folded form only in texts that never use them; with `strict`
        False (approximate hits) every syllable is marked by its folded form.
        """
        folded, exact = set(), set()
        for part in self.positive_parts:
            for tok in part.tokens:
                if strict and tok.kind == WORD and tok.term != tok.folded:
                    exact.add(tok.term)
                else:
                    folded.add(tok.folded)
        return HighlightTerms(frozenset(folded), frozenset(exact))


@dataclass(frozen=True)
class HighlightTerms:
    folded: frozenset[str] = frozenset()  # match any accents
    exact: frozenset[str] = frozenset()  # match these accents (folded fallback per text)

    def __bool__(self) -> bool:
        return bool(self.folded or self.exact)


def _flush(words: list[str], parts: list[Part], title_only: bool = False) -> None:
    if words:
        tokens = tokenize(" ".join(words))
        if tokens:
            parts.append(Part(tokens, title_only=title_only))
        words.clear()


def _cap_terms(alternatives: list[list[Part]], max_terms: int) -> list[list[Part]]:
    """Keep the first `max_terms` syllables in the order typed; a part cut short keeps its head."""
    budget = max_terms
    capped: list[list[Part]] = []
    for alt in alternatives:
        if budget <= 0:
            break
        kept: list[Part] = []
        for part in alt:
            if budget <= 0:
                break
            syllables = part.syllables
            if len(syllables) > budget:
                end = syllables[budget - 1].end  # codes/dates spanning the cut go too
                part.tokens = [t for t in part.tokens if t.end <= end]
            budget -= len(part.syllables)
            kept.append(part)
        capped.append(kept)
    return capped


def parse_query(raw: str, max_chars: int = 500, max_terms: int = 32) -> ParsedQuery:
    """Turn user input into a ParsedQuery; raise BadRequest only when nothing is searchable.

    >>> q = parse_query('bien doi -"khi hau" OR title:Hà')
    >>> [[(p.excluded, p.phrase, p.title_only, [t.term for t in p.tokens]) for p in alt]
    ...  for alt in q.alternatives]
    [[(False, False, False, ['bien', 'doi']), (True, True, False, ['khi', 'hau'])], [(False, False, True, ['hà'])]]
    """
    text = normalize_text(raw or "").strip()[:max_chars]
    text = _FIELD_SPACE.sub(r"\1:", text)
    if not text:
        raise BadRequest("Hãy nhập từ khóa tìm kiếm (query is empty)", param="q")
    if text.replace("*", "").strip() == "":
        raise BadRequest("Truy vấn '*' không được hỗ trợ: hãy nhập từ khóa (a bare * is not a query)", param="q")

    alternatives: list[list[Part]] = [[]]
    words: list[str] = []
    negate_next = False
    unbalanced = False
    for m in _LEXER.finditer(text):
        word, sign, fieldname = m.group("word"), m.group("sign"), m.group("field")
        parts = alternatives[-1]
        if word in ("AND", "&&") and not sign and not fieldname:
            continue
        if word in ("OR", "||") and not sign and not fieldname:
            _flush(words, parts)
            alternatives.append([])
            continue
        if word == "NOT" and not sign and not fieldname:
            negate_next = True
            continue
        excluded = negate_next or sign in ("-", "!")
        negate_next = False
        title_only = FIELD_ALIASES.get((fieldname or "").lower()) == "title"
        if not fieldname and word is not None:
            word = word.strip("*?")  # wildcards are not supported: search the word itself
        if fieldname and not title_only:
            # Unknown field: search its text as ordinary words.
            word = f"{fieldname} {word or m.group('inner') or ''}"
            fieldname = None
        if word is not None and not excluded and not title_only:
            words.append(word)
            continue
        _flush(words, parts)
        quoted = m.group("phrase")
        if quoted is not None and (len(quoted) < 2 or quoted[-1] not in QUOTES):
            unbalanced = True
        source = m.group("inner") if m.group("phrase") is not None else word
        tokens = tokenize(source or "")
        if tokens:
            parts.append(Part(tokens, phrase=m.group("phrase") is not None,
                              title_only=title_only, excluded=excluded))
    _flush(words, alternatives[-1])

    alternatives = _cap_terms(alternatives, max_terms)
    alternatives = [alt for alt in alternatives if any(not p.excluded for p in alt)]
    if not alternatives:
        raise BadRequest(
            "Truy vấn không có từ nào để tìm (the query has no searchable words)", param="q")
    return ParsedQuery(text=text, alternatives=alternatives, unbalanced=unbalanced)
