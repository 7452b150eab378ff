"""Completions for the query being typed: frequent phrases of the corpus, with accents.

Built once per index version from the titles (and the first lines of the bodies):
every run of 1-6 words inside a clause that starts in at least `MIN_DOCS` documents
becomes a candidate, kept under its folded form (`bien doi khi hau`), its exact
lower-case form (`biến đổi khí hậu`) and the form shown to the reader, with each
word in the capitalisation the corpus uses most in mid-sentence (`UBND tỉnh Cao
Bằng`, `Nghị quyết 57-NQ/TW`).  A phrase that is nearly always followed by the same
next word (`biến đổi khí`) gives way to the longer one.

Looking up is a binary search for the typed words, folded, in the sorted folded
forms and a pick of the best-scored candidates in that range; a word typed with
accents only matches that word (as search does), one typed without matches every
accented form, so `bien d` completes to `biến đổi khí hậu`.
"""

from __future__ import annotations

import bisect
import gc
import html
import re
import threading
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable, Iterator

from ..analysis.fold import fold
from ..analysis.normalize import normalize_text
from ..analysis.tones import place_tone
from .backend import SearchBackend

if TYPE_CHECKING:
    import numpy

MAX_WORDS = 6          # longest phrase offered
MIN_DOCS = 2           # a phrase must start in this many documents (titles or leads)
LEAD_CHARS = 300       # how much of each body counts, besides the title ...
LEAD_BUDGET = 3_000_000  # ... within this many body characters in all (memory and build time)
EXTENDED = 0.8         # `a b` gives way to `a b c` when `a b c` has this share of its documents
LIMIT = 8
TITLE_WEIGHT = 2.0     # a phrase in a title counts double
_LOW = (1 << 32) - 1

# Function words that do not end (or begin) an offered phrase: `Hà Nội vừa` is cut short.
TRAILING = frozenset("""
    và của về các tại với cho trong là được những một từ theo khi để do ở thì mà nhưng hay
    hoặc bị ra vào lên đến sau trước không cũng như nên vừa đã sẽ đang có này đó này nào
    rằng nhằm qua trên dưới giữa cùng đều còn chỉ rất quá lại sự việc
    số lần thứ năm ngày tháng
""".split())

_WORD = re.compile(r"\w+(?:[-/.]\w+)*")
# Clause breaks: phrases never run across them.
_CLAUSE = re.compile(r"[,;:!?()\[\]{}\"“”‘’«»…|]+|\.(?:\s|$)|\s[-–—]\s|[–—]")


@dataclass(frozen=True)
class Completion:
    text: str   # what goes into the search box
    html: str   # `text` escaped, with <mark> around the part that was typed

    def to_json(self) -> dict[str, str]:
        return {"text": self.text, "html": self.html}


def lead_chars_for(documents: int) -> int:
    """Characters of each body to use: a small corpus needs its bodies for enough phrases,
    a large one has enough in its titles (84k titles: see bench/suggest.py).

    >>> lead_chars_for(311), lead_chars_for(20_000), lead_chars_for(84_132)
    (300, 150, 0)
    """
    lead = min(LEAD_CHARS, LEAD_BUDGET // max(documents, 1))
    return lead if lead >= 80 else 0


def _lower(word: str) -> str:
    return place_tone(word.lower())


def _clauses(text: str) -> Iterator[list[str]]:
    for clause in _CLAUSE.split(text):
        words = _WORD.findall(clause)
        if words:
            yield words


class Completer:
    """Completions over a fixed set of candidate phrases (see the module docstring)."""

    def __init__(self, folded: list[str], exact: list[str], shown: list[str], scores: "numpy.ndarray"):
        self.folded = folded    # sorted
        self.exact = exact
        self.shown = shown
        self.scores = scores

    def __len__(self) -> int:
        return len(self.folded)

    @classmethod
    def build(cls, docs: Iterable[tuple[str, str]], lead_chars: int = LEAD_CHARS) -> "Completer":
        """From (title, body) pairs; `lead_chars` of each body count besides the title."""
        # Millions of small tuples: the cyclic garbage collector would rescan them all
        # again and again (quadratic time); none of them form cycles.
        enabled = gc.isenabled()
        gc.disable()
        try:
            return cls._build(docs, lead_chars)
        finally:
            if enabled:
                gc.enable()

    @classmethod
    def _build(cls, docs: Iterable[tuple[str, str]], lead_chars: int) -> "Completer":
        clauses: list[tuple[tuple[str, ...], float]] = []
        originals: list[list[str]] = []
        for title, body in docs:
            lead = body[:lead_chars].rsplit(" ", 1)[0] if lead_chars else ""
            for text, weight in ((title, TITLE_WEIGHT), (lead, 1.0)):
                if not text:
                    continue
                for words in _clauses(normalize_text(text)):
                    clauses.append((tuple(_lower(w) for w in words), weight))
                    originals.append(words)

        # Runs of n words, counted once per clause, kept when frequent; a run of n+1
        # words is only counted when both its runs of n words were kept.  One int per run
        # holds both tallies (clauses + titles << 32): this dict is the build's peak memory.
        kept: dict[tuple[str, ...], float] = {}
        docs_of: dict[tuple[str, ...], int] = {}  # every frequent run, also those not kept
        previous: set[tuple[str, ...]] | None = None
        for n in range(1, MAX_WORDS + 1):
            tally: dict[tuple[str, ...], int] = {}
            get = tally.get
            for words, weight in clauses:
                step = 1 + (1 << 32) if weight == TITLE_WEIGHT else 1
                seen = set()
                for i in range(len(words) - n + 1):
                    run = words[i:i + n]
                    if previous is not None and (run[:-1] not in previous or run[1:] not in previous):
                        continue
                    if run not in seen:
                        seen.add(run)
                        tally[run] = get(run, 0) + step
            frequent = set()
            for run, t in tally.items():
                count = t & _LOW
                if count >= MIN_DOCS:
                    frequent.add(run)
                    titles = t >> 32
                    kept[run] = titles * TITLE_WEIGHT + (count - titles)
                    docs_of[run] = count
            del tally, get  # before the next pass builds its own
            if not frequent:
                break
            previous = frequent
            previous = frequent

        # A run nearly always continued the same way is not a phrase of its own
        # (`biến đổi khí` -> `biến đổi khí hậu`); nor is one ending in a function word.
        for run, count in docs_of.items():
            if 1 < len(run) < MAX_WORDS and run[-1] not in TRAILING \
                    and count >= EXTENDED * docs_of.get(run[:-1], 0):
                kept.pop(run[:-1], None)
        for run in [r for r in kept if r[-1] in TRAILING or r[0] in TRAILING and len(r) > 1]:
            del kept[run]

        # Shown as the corpus writes the phrase in mid-sentence (`Cao Bằng`, `biến đổi khí
        # hậu`); a phrase only ever seen at the start of a clause as it is written there.
        # Also counted: how often the phrase ends where a phrase ends (the clause ends, or a
        # function word follows). `TP HCM tăng` rarely does; `World Cup 2006` often does.
        forms: dict[tuple[tuple[str, ...], str], float] = {}  # flat: one small dict per run costs more
        ends: Counter[tuple[str, ...]] = Counter()
        for (words, _weight), original in zip(clauses, originals):
            size = len(words)
            for i in range(size):
                for n in range(1, min(MAX_WORDS, size - i) + 1):
                    run = words[i:i + n]
                    if run not in docs_of:
                        break  # no longer run from here is frequent either
                    if run in kept:
                        key = (run, " ".join(original[i:i + n]))
                        forms[key] = forms.get(key, 0) + (1 if i else 0.01)
                        if i + n == size or words[i + n] in TRAILING:
                            ends[run] += 1

        best: dict[tuple[str, ...], float] = {}
        best_form: dict[tuple[str, ...], str] = {}
        for (run, surface), count in forms.items():
            if count > best.get(run, 0) or (count == best.get(run) and surface < best_form[run]):
                best[run], best_form[run] = count, surface
        del forms

        rows = []
        for run, weight in kept.items():
            if len(run) == 1 and (len(run[0]) < 2 or run[0].isdigit()):
                continue
            shown = best_form.get(run) or " ".join(run)
            whole = ends[run] / docs_of[run] if len(run) > 1 else 1.0
            rows.append((" ".join(fold(w) for w in run), " ".join(run), shown,
                         weight * (1 + 0.25 * min(len(run) - 1, 2)) * (0.25 + 0.75 * min(whole, 1.0))))
        rows.sort()
        import numpy as np  # only a server building completions pays for loading NumPy

        return cls([r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows],
                   np.array([r[3] for r in rows], dtype=np.float64))

    def complete(self, prefix: str, limit: int = LIMIT) -> list[Completion]:
        """Up to `limit` completions of `prefix`, best first.

        >>> c = Completer.build([("Biến đổi khí hậu tại Cao Bằng", ""), ("Ứng phó biến đổi khí hậu", "")])
        >>> [x.text for x in c.complete("bien d")]
        ['biến đổi khí hậu']
        >>> c.complete("biến đ")[0].html
        '<mark>biến đ</mark>ổi khí hậu'
        >>> c.complete("biên")
        []
        """
        text = normalize_text(prefix)
        words = _WORD.findall(text)
        if not words:
            return []
        complete_last = not text[-1:].isalnum()  # "bien " : the last word is finished
        typed = [_lower(w) for w in words]
        key = " ".join(fold(w) for w in typed)
        lo = bisect.bisect_left(self.folded, key)
        hi = bisect.bisect_left(self.folded, key + ("\x21" if complete_last else "\uffff"))
        if complete_last:  # the next candidate word must start after a space
            lo = bisect.bisect_left(self.folded, key + " ", lo, hi) if lo < hi and self.folded[lo] != key else lo
        if lo >= hi:
            return []
        import numpy as np  # loaded already by build()

        order = np.arange(lo, hi)
        if hi - lo > 64:
            scores = self.scores[lo:hi]
            top = min(len(scores) - 1, 400)
            best = np.argpartition(-scores, top)[: top + 1] if len(scores) > top + 1 else np.arange(len(scores))
            order = lo + best[np.argsort(-scores[best], kind="stable")]
        else:
            order = order[np.argsort(-self.scores[lo:hi], kind="stable")]
        out: list[Completion] = []
        seen = set()
        n = len(typed)
        for i in order:
            exact = self.exact[i].split(" ")
            if len(exact) < n or not _agrees(typed, exact, complete_last):
                continue
            shown = self.shown[i]
            if shown.lower() in seen or exact == typed:
                continue
            seen.add(shown.lower())
            out.append(Completion(shown, _marked(shown.split(" "), typed, complete_last)))
            if len(out) == limit:
                break
        return out


def _agrees(typed: list[str], exact: list[str], complete_last: bool) -> bool:
    """Words typed with marks must be the same words; unmarked ones match by folding
    (already true for every candidate in the range)."""
    last = len(typed) - 1
    for i, word in enumerate(typed):
        if word == fold(word):
            continue
        if i < last or complete_last:
            if exact[i] != word:
                return False
        elif not exact[i].startswith(word):
            return False
    return True


def _marked(shown: list[str], typed: list[str], complete_last: bool) -> str:
    """The typed words, and the typed part of the last one, in <mark>."""
    n = len(typed)
    full = n if complete_last else n - 1
    head = " ".join(shown[:full])
    if not complete_last:
        part = shown[n - 1]
        cut = len(typed[-1])
        head = (head + " " if head else "") + part[:cut]
        rest = part[cut:] + (" " + " ".join(shown[n:]) if shown[n:] else "")
    else:
        rest = (" " if shown[n:] else "") + " ".join(shown[n:])
    return f"<mark>{html.escape(head, quote=False)}</mark>{html.escape(rest, quote=False)}"


# -- one completer per index version, built from the stored documents --------------

BACKGROUND_ABOVE = 20_000  # documents: a first build this large runs in the background


class CompleterCache:
    """The completer for the backend's current index.  Small indexes are read on the first
    request; large ones in a background thread (suggestions are empty until it is done).
    A newer index is read in the background while the old completer keeps answering."""

    def __init__(self):
        self._lock = threading.Lock()
        self._key = None
        self._completer: Completer | None = None
        self._building = None

    def get(self, backend: SearchBackend) -> Completer | None:
        view = backend.view()
        # The same for every thread's view of the same version of the index.
        key = view.version
        with self._lock:
            if key == self._key or key == self._building:
                return self._completer
            self._building = key
            background = self._completer is not None or view.doc_count > BACKGROUND_ABOVE
        if background:
            threading.Thread(target=self._build, args=(key, backend), name="completer", daemon=True).start()
        else:
            self._build(key, backend)
        return self._completer

    def _build(self, key, backend: SearchBackend) -> None:
        try:
            # This thread's own view (Whoosh searchers are not shared between threads).
            view = backend.view()
            lead_chars = lead_chars_for(view.doc_count)
            completer = Completer.build(view.texts(with_bodies=lead_chars > 0), lead_chars=lead_chars)
        except Exception:
            with self._lock:
                self._building = None
            raise
        with self._lock:
            self._key, self._completer = key, completer
            if self._building == key:
                self._building = None
