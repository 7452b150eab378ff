"""Highlighted fragments of the stored, accented text.

We re-tokenize the stored text with the same tokenizer that built the index
(one regex pass with cached per-syllable folding, ~1 ms for a news article)
and compare folded forms, so an unaccented query marks `Hà Nội` in the
original.  This costs far less than Whoosh's highlighter, which re-runs the
full analyzer chain and scores fragments in Python.
"""

from __future__ import annotations

import re
from functools import lru_cache
from html import escape

from ..analysis import fold, tokenize, written_without_marks
from .query import HighlightTerms

_WHITESPACE = re.compile(r"\s+")
FRAGMENT_CHARS = 220
MAX_FRAGMENTS = 3
# Text past this point is not scanned for snippets: a huge document must not
# make one result slow.  Its beginning still gives a fragment.
SCAN_LIMIT = 100_000
ELLIPSIS = "…"
# Characters around a possible match that get tokenized (see token_windows): enough
# for the longest code or date form (`Nghị quyết số 57-NQ/TW`) to be read whole.
NEAR_CHARS = 48
# At most this many such stretches, and about this many characters of them, per
# text: fragments are chosen among the first ones, so an article that says
# `kinh tế` eighty times costs no more than one that says it a dozen times.
MAX_WINDOWS = 12
MAX_WINDOW_CHARS = 2400


def _char_fold_table() -> dict[int, str]:
    """Each Latin letter to its folded ASCII letter, one character for one, so that
    `text.translate(table)` keeps every offset of `text`."""
    table: dict[int, str] = {}
    for cp in [*range(0x41, 0x5B), *range(0xC0, 0x250), *range(0x1E00, 0x1F00)]:
        folded = fold(chr(cp))
        if len(folded) == 1 and folded.isascii() and folded.isalpha():
            table[cp] = folded
    return table


_CHAR_FOLD = _char_fold_table()


_RUNS = re.compile(r"[0-9]+|[a-z]+")


@lru_cache(maxsize=1024)
def _near_pattern(folded_terms: frozenset[str]) -> re.Pattern[str] | None:
    """A regex over char-folded text for every place a term can match, or None.
    (Built once per query, not once per result text.)"""
    alternatives: set[str] = set()
    for term in folded_terms:
        if not term:
            continue
        if not (term.isascii() and term.isalnum()):
            return None
        for run in {term, *_RUNS.findall(term)}:
            # `2.209` and `2,5` are one number token: digits may be split by a separator.
            alternatives.add("[.,]?".join(run) if run.isdigit() else re.escape(run))
    if not alternatives:
        return None
    union = "|".join(sorted(alternatives, key=len, reverse=True))
    return re.compile(r"(?<![0-9a-z])(?:" + union + r")(?![0-9a-z])")


def token_windows(text: str, folded_terms) -> list[tuple[int, list]]:
    """(offset, tokens of text[offset:...]) for the stretches of `text` near possible
    matches of `folded_terms`; the whole text as one stretch when it cannot tell.

    Tokenizing a whole article costs milliseconds, and a result page does it for
    ten bodies plus five for the did-you-mean.  A character-for-character fold
    (C speed) finds where the query's syllables can occur; only those stretches
    are tokenized.  Numbers and codes, which the tokenizer joins and splits,
    are looked for by their digit and letter runs (`nq57` in `57-NQ/TW`, `2209`
    in `2.209`); anything else (dates) takes the whole text.  Token offsets are
    relative to their stretch.
    """
    pattern = _near_pattern(frozenset(folded_terms))
    if pattern is None:
        return [(0, tokenize(text))]
    windows: list[list[int]] = []
    covered = 0
    for m in pattern.finditer(text.translate(_CHAR_FOLD)):
        lo, hi = max(0, m.start() - NEAR_CHARS), min(len(text), m.end() + NEAR_CHARS)
        if windows and lo <= windows[-1][1]:
            covered += hi - windows[-1][1]
            windows[-1][1] = hi
        elif len(windows) == MAX_WINDOWS:
            break
        else:
            windows.append([lo, hi])
            covered += hi - lo
        if covered >= MAX_WINDOW_CHARS:
            break
    out = []
    for lo, hi in windows:
        # Widen to whitespace so no token is cut in two.
        while lo > 0 and not text[lo - 1].isspace():
            lo -= 1
        while hi < len(text) and not text[hi].isspace():
            hi += 1
        out.append((lo, tokenize(text[lo:hi])))
    return out


def match_spans(text: str, terms: HighlightTerms) -> list[tuple[int, int, str]]:
    """(start, end, folded term) of every token in `text` that matches `terms`.

    An accented query syllable marks only its exact form (`đường` does not mark
    `dương`), or its folded form in a text typed without diacritics, as matching
    does (analysis/marks.py).  Spans
    separated only by spaces are merged, so a phrase is one <mark>; when such
    runs exist, lone matches are left unmarked.
    """
    windows = token_windows(text, [*terms.folded, *map(fold, terms.exact)])
    folded = set(terms.folded)
    if terms.exact and written_without_marks(t for _, tokens in windows for t in tokens):
        folded |= {fold(e) for e in terms.exact}
    present = terms.exact
    spans: list[tuple[int, int, str]] = []
    for offset, tokens in windows:
        for tok in tokens:
            if tok.term in present or tok.folded in folded:
                spans.append((tok.start + offset, tok.end + offset, tok.folded))
    spans.sort()
    merged: list[tuple[int, int, str]] = []
    for start, end, term in spans:
        if merged:
            pstart, pend, pterm = merged[-1]
            if start <= pend or text[pend:start].isspace():
                merged[-1] = (pstart, max(pend, end), pterm + " " + term)
                continue
        merged.append((start, end, term))
    # When the query's words occur together somewhere, mark those runs and not
    # every stray syllable that folds the same (`đổi` in `chuyển đổi` for the
    # query `bien doi khi hau`): the runs are what the user was looking for.
    if len(terms.folded) + len(terms.exact) > 1 and any(" " in term for _, _, term in merged):
        merged = [span for span in merged if " " in span[2]]
    return merged


def _render(text: str, start: int, end: int, spans: list[tuple[int, int, str]]) -> str:
    out: list[str] = []
    pos = start
    for s, e, _ in spans:
        if e <= start or s >= end:
            continue
        s, e = max(s, start), min(e, end)
        out.append(escape(text[pos:s]))
        out.append(f"<mark>{escape(text[s:e])}</mark>")
        pos = e
    out.append(escape(text[pos:end]))
    return "".join(out)


def highlight_all(text: str, terms: HighlightTerms) -> str:
    """The whole text, HTML-escaped, with every match marked (titles, document page)."""
    return _render(text, 0, len(text), match_spans(text, terms) if terms else [])


def _expand(text: str, start: int, end: int) -> tuple[int, int]:
    """Widen [start, end) to about FRAGMENT_CHARS, cut at spaces, not inside words."""
    room = max(0, FRAGMENT_CHARS - (end - start))
    lo = max(0, start - room // 3)
    hi = min(len(text), end + room - (start - lo))
    if lo > 0:
        space = text.find(" ", lo, start)
        lo = space + 1 if space != -1 else lo
    if hi < len(text):
        space = text.rfind(" ", end, hi)
        hi = space if space != -1 else hi
    return lo, hi


def make_snippet(text: str, terms: HighlightTerms) -> str:
    """One to three fragments around the best matches, escaped, matches in <mark>."""
    if not text:
        return ""
    scan = text[:SCAN_LIMIT]
    spans = match_spans(scan, terms) if terms else []
    if not spans:
        lo, hi = _expand(text, 0, 0)
        return _WHITESPACE.sub(" ", escape(text[lo:hi])).strip() + (ELLIPSIS if hi < len(text) else "")

    # Score a window starting at each match by the distinct terms it covers.
    candidates: list[tuple[int, int, int]] = []
    for i, (start, _, _) in enumerate(spans):
        covered: set[str] = set()
        last_end = spans[i][1]
        for s, e, term in spans[i:]:
            if e - start > FRAGMENT_CHARS:
                break
            covered.update(term.split())
            last_end = e
        candidates.append((len(covered), -start, last_end))
    candidates.sort(reverse=True)

    chosen: list[tuple[int, int]] = []
    seen_terms: set[str] = set()
    for _, neg_start, last_end in candidates:
        start = -neg_start
        window = _expand(text, start, last_end)
        if any(window[0] < hi and lo < window[1] for lo, hi in chosen):
            continue
        window_terms = {t for s, e, term in spans if s >= window[0] and e <= window[1] for t in term.split()}
        if chosen and window_terms <= seen_terms and len(chosen) >= 1:
            continue  # adds nothing new: keep snippets short
        chosen.append(window)
        seen_terms |= window_terms
        if len(chosen) == MAX_FRAGMENTS:
            break
    chosen.sort()
    pieces = []
    for lo, hi in chosen:
        # Paragraph breaks inside a fragment read as one line in a result list.
        piece = _WHITESPACE.sub(" ", _render(text, lo, hi, spans)).strip()
        pieces.append((ELLIPSIS if lo > 0 else "") + piece + (ELLIPSIS if hi < len(text) else ""))
    return " ".join(pieces)
