"""Did you mean: the query with its accents restored (and one-letter typos fixed),
read from the index's own statistics.

Accents are a sequence problem: syllable by syllable, `ho chi minh` becomes the
most frequent `họ chỉ mình`.  Each syllable typed without marks has candidate
spellings (`analysis.tones.spellings`: every well-formed syllable that folds to
it, kept where the index has it), and the index says how often two spellings
stand side by side (`Vocabulary.adjacent`).  A Viterbi pass picks the reading of
the whole run that is most likely under those counts:

    P(c)     = df(c) / sum of df over the candidates of its syllable
    P(b | a) = (pairs(a_b) + P(b)) / (df(a) + 1)

(df: documents holding the spelling; pairs: documents holding the two in a row),
so a reading pays for every pair the corpus never writes, in proportion to how
common its first syllable is.

Syllables typed with marks keep them, unless the query found nothing: then every
spelling competes (the typed one slightly favoured), and for a misspelt syllable
that the index lacks, the spellings of the syllables a single edit away
(`giáo dụcc` -> `giáo dục`, where `được` is more frequent but never follows `giáo`).  Capitals follow the corpus: the restored run
is looked up in the texts of the top hits and written as they write it
(`Thành phố Hồ Chí Minh`).

Pure functions over a `Vocabulary`; the service checks that what is suggested has
results before offering it.
"""

from __future__ import annotations

from collections import Counter
from math import exp, log
from typing import Protocol

from ..analysis import Token, fold
from ..analysis.tones import spellings
from ..analysis.phonology import is_syllable
from ..analysis.tokenize import SYLLABLE_KINDS, WORD
from .query import ParsedQuery
from .snippets import token_windows

# Candidates kept per syllable (most frequent first): the pair look-ups grow with
# the square of this.
MAX_CANDIDATES = 8
# Longer queries (questions, pasted sentences) get no restoration: its look-ups grow
# with the length, and a suggestion that rewrites a whole sentence helps little.
MAX_SYLLABLES = 10
# How much a syllable's own typed spelling is favoured when every spelling competes.
TYPED_BONUS = log(2.0)


class Vocabulary(Protocol):
    def doc_frequency(self, fieldname: str, text: str) -> int: ...

    def adjacent(self, firsts: list[str], seconds: list[str]) -> dict[tuple[str, str], float]: ...

    def terms_within_one_edit(self, fieldname: str, word: str) -> list[str]: ...


def _candidates(tok: Token, vocab: Vocabulary, free: bool) -> list[tuple[str, float]]:
    """(spelling, log prior) for one typed syllable."""
    typed_marks = tok.term != tok.folded
    if tok.kind != WORD or (typed_marks and not free):
        return [(tok.term, 0.0)]
    folds = [tok.folded]
    if free and len(tok.folded) > 2 and vocab.doc_frequency("folded", tok.folded) == 0:
        # Misspelt: the syllables one edit away compete, and the context decides.
        near = vocab.terms_within_one_edit("folded", tok.folded)
        folds = sorted(near, key=lambda c: -vocab.doc_frequency("folded", c))[:MAX_CANDIDATES] or folds
    # Term look-ups (remembered per segment), not a scan of the exact vocabulary: that
    # took 3 s at 84k articles on a process's first restoration.
    # Only spellings Vietnamese can have (`hoâ`, `bâo` cannot): each costs a look-up per segment.
    counted = [(form, vocab.doc_frequency("exact", form)) for f in folds for form in spellings(f)
               if is_syllable(form)]
    found = sorted(((f, n) for f, n in counted if n), key=lambda fn: -fn[1])[:MAX_CANDIDATES]
    if typed_marks and tok.term not in {f for f, _ in found}:
        found.append((tok.term, 0))
    if not found:
        return [(tok.term, 0.0)]
    total = sum(n for _, n in found) + 0.5 * len(found)
    return [(f, log((n + 0.5) / total) + (TYPED_BONUS if f == tok.term and typed_marks else 0.0))
            for f, n in found]


def _best_run(tokens: list[Token], vocab: Vocabulary, free: bool) -> list[str]:
    """Viterbi over one part's syllables; a pair counts only where the query joins them."""
    words = [t for t in tokens if t.kind in SYLLABLE_KINDS]
    if not words:
        return []
    options = [_candidates(t, vocab, free) for t in words]
    # best[i][form] = (log probability of the best reading ending in form, previous form)
    best: list[dict[str, tuple[float, str | None]]] = [{f: (p, None) for f, p in options[0]}]
    for i in range(1, len(words)):
        column: dict[str, tuple[float, str | None]] = {}
        joined = words[i].joined and len(options[i]) * len(options[i - 1]) > 1
        priors = {f: p for f, p in options[i]}
        if joined:
            pairs = vocab.adjacent([f for f, _ in options[i - 1]], list(priors))
        for prev, (score, _) in best[i - 1].items():
            if joined:
                norm = vocab.doc_frequency("exact", prev) + 1.0
            for form, prior in priors.items():
                step = log((pairs[(prev, form)] + exp(prior)) / norm) if joined else prior
                total = score + step
                if form not in column or total > column[form][0]:
                    column[form] = (total, prev)
        best.append(column)
    form = max(best[-1], key=lambda f: best[-1][f][0])
    out = [form]
    for i in range(len(words) - 1, 0, -1):
        form = best[i][form][1]
        out.append(form)
    return out[::-1]


def _cased(runs: dict[int, list[str]], texts: list[str]) -> dict[int, list[str]]:
    """Each restored run written with the capitals the texts use for it: every syllable
    takes the surface form it most often has where the texts hold it next to its
    neighbour in the run (or alone, for a one-syllable run); others stay as they are."""
    if not texts:
        return runs
    wanted = {w for words in runs.values() for w in words}
    folded = sorted({fold(w) for w in wanted})
    # (syllable, "<" left neighbour | ">" right neighbour | "" alone) -> surface forms seen
    seen: dict[tuple[str, str, str], Counter[str]] = {}
    for text in texts:
        for offset, tokens in token_windows(text, folded):
            words = [t for t in tokens if t.kind in SYLLABLE_KINDS]
            for i, tok in enumerate(words):
                if tok.term not in wanted:
                    continue
                surface = text[offset + tok.start: offset + tok.end]
                left = words[i - 1].term if i and tok.joined else ""
                right = words[i + 1].term if i + 1 < len(words) and words[i + 1].joined else ""
                for key in ((tok.term, "<", left), (tok.term, ">", right), (tok.term, "", "")):
                    seen.setdefault(key, Counter())[surface] += 1
    out = {}
    for key, words in runs.items():
        cased = []
        for i, word in enumerate(words):
            if len(words) == 1:
                votes = seen.get((word, "", ""))
            else:
                votes = Counter()
                if i:
                    votes.update(seen.get((word, "<", words[i - 1]), Counter()))
                if i + 1 < len(words):
                    votes.update(seen.get((word, ">", words[i + 1]), Counter()))
            cased.append(votes.most_common(1)[0][0] if votes else word)
        out[key] = cased
    return out


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


def suggest(parsed: ParsedQuery, vocab: Vocabulary, found: bool) -> str | None:
    """A better query to offer for `parsed` (lowercase: see `written_as_in`), or None.

    `found`: the query has results (then only syllables typed without marks are
    restored).
    """
    parts = parsed.positive_parts
    if found and all(t.term != t.folded or t.kind != WORD for p in parts for t in p.syllables):
        return None  # every word was typed with its marks: nothing to restore
    if sum(len(p.syllables) for p in parts) > MAX_SYLLABLES:
        return None
    runs: dict[int, list[str]] = {}
    changed = False
    for part in parts:
        words = _best_run(part.tokens, vocab, free=not found)
        runs[id(part)] = words
        changed |= words != [t.term for t in part.syllables]
    if not changed:
        return None
    suggestion = _render(parsed, runs)
    return suggestion if suggestion.lower() != parsed.text.lower() else None


def written_as_in(parsed: ParsedQuery, texts: list[str]) -> str:
    """The query with the capitals `texts` use for its runs of words (`thành phố hồ chí
    minh` -> `Thành phố Hồ Chí Minh`), as far as they contain them."""
    runs = {id(p): [t.term for t in p.syllables] for p in parsed.positive_parts}
    return _render(parsed, _cased(runs, texts))


def found_in(parsed: ParsedQuery, texts: list[str]) -> bool:
    """Whether one of `texts` holds every syllable of the query as typed (so the query
    has a result), judged from the stretches near them only."""
    wanted = {t.term for p in parsed.positive_parts for t in p.syllables}
    folded = sorted({fold(w) for w in wanted})
    for text in texts:
        seen = {t.term for _offset, tokens in token_windows(text, folded) for t in tokens}
        if wanted <= seen:
            return True
    return False
