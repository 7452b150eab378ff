"""Did you mean: restore accents (and fix one-letter typos) from the corpus itself.

Accents are restored from the documents the query already found: we look for
the query's folded syllables, in order, in the top hits and take the accented
form that occurs most often there (`bien doi khi hau` -> `biến đổi khí hậu`).
Context decides (`khi hau` -> `khí hậu`, not the more frequent `khi`), and the
work is a tokenizer pass over a few stored texts.

When the query finds nothing, each folded syllable that is not in the index is
replaced by the most frequent indexed syllable one edit away, and the corrected
query's top hits restore its accents.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from ..analysis import Token
from .arrays import IndexArrays
from .snippets import token_windows
from .query import ParsedQuery, Part

if TYPE_CHECKING:
    from whoosh.searching import Searcher

    from .engine import SearchEngine

SOURCE_DOCS = 5


def _restore_part(part: Part, texts: list[list[Token]]) -> list[str]:
    target = [t.folded for t in part.syllables]
    n = len(target)
    runs: Counter[tuple[str, ...]] = Counter()
    singles: dict[str, Counter[str]] = {f: Counter() for f in target}
    for tokens in texts:
        words = [t for t in tokens if t.kind in ("word", "number")]
        folded = [t.folded for t in words]
        for i, tok in enumerate(words):
            if tok.folded in singles:
                singles[tok.folded][tok.term] += 1
            if folded[i : i + n] == target:
                runs[tuple(t.term for t in words[i : i + n])] += 1
    if runs:
        return list(runs.most_common(1)[0][0])
    return [singles[t.folded].most_common(1)[0][0] if singles[t.folded] else t.term for t in part.syllables]


def _render(parsed: ParsedQuery, restored: dict[int, list[str]]) -> str:
    alternatives = []
    for alt in parsed.alternatives:
        pieces = []
        for part in alt:
            words = restored.get(id(part)) or [t.term for t in part.syllables]
            text = " ".join(words)
            if part.phrase or (part.title_only and len(words) > 1):
                text = f'"{text}"'
            if part.title_only:
                text = "title:" + text
            if part.excluded:
                text = "-" + text
            pieces.append(text)
        alternatives.append(" ".join(pieces))
    return " OR ".join(alternatives)


def restore_accents(parsed: ParsedQuery, texts: list[str]) -> str | None:
    """The query with accents as the given documents write it, or None if nothing changes."""
    if not texts:
        return None
    folded = [t.folded for part in parsed.positive_parts for t in part.syllables]
    tokenized = [tokens for t in texts for _offset, tokens in token_windows(t, folded)]
    restored: dict[int, list[str]] = {}
    changed = False
    for part in parsed.positive_parts:
        words = _restore_part(part, tokenized)
        restored[id(part)] = words
        changed |= words != [t.term for t in part.syllables]
    return _render(parsed, restored) if changed else None


def _correct_spelling(parsed: ParsedQuery, searcher: Searcher, arrays: IndexArrays) -> str | None:
    reader = searcher.reader()
    changed = False
    words_by_part: dict[int, list[str]] = {}
    for part in parsed.positive_parts:
        words = []
        for tok in part.syllables:
            word = tok.folded
            if tok.kind == "word" and len(word) > 2 and reader.doc_frequency("folded", word) == 0:
                candidates = arrays.terms_within_one_edit("folded", word)
                if candidates:
                    word = max(candidates, key=lambda c: (reader.doc_frequency("folded", c), c))
                    changed = True
            words.append(word)
        words_by_part[id(part)] = words
    return _render(parsed, words_by_part) if changed else None


def suggest(parsed: ParsedQuery, searcher: Searcher, top_texts: list[str], engine: SearchEngine) -> str | None:
    """A better query to offer the user, or None."""
    if top_texts:
        if all(t.term != t.folded or not t.folded.isalpha() for p in parsed.positive_parts for t in p.syllables):
            return None  # every word was typed with its marks: nothing to restore
        return restore_accents(parsed, top_texts[:SOURCE_DOCS])
    corrected = _correct_spelling(parsed, searcher, engine.arrays_for(searcher))
    if corrected is None:
        return None
    from .types import SearchRequest

    result = engine.search(SearchRequest(q=corrected, per_page=SOURCE_DOCS, facets=False, suggest=False))
    if not result.hits:
        return None
    texts = [engine.document(h.id).title + "\n" + engine.document(h.id).body for h in result.hits]
    return restore_accents(engine.parse(corrected), texts) or corrected
