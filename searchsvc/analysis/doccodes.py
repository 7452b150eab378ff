"""Vietnamese document-type names and abbreviations, as regex pieces.

Press releases cite documents as ``57-NQ/TW``, ``15/2020/NĐ-CP``, ``NQ57`` or in
words, ``Nghị quyết số 57``; users type any of these.  The tokenizer turns every
form into one code term, abbreviation + number (``nq57``), built from this table.
"""

from __future__ import annotations

import re
import unicodedata

from searchsvc.analysis.phonology import ACUTE, DOT_BELOW, GRAVE, HOOK, TILDE

# Full name (folded, as people may type it) -> folded abbreviation used in the
# code term.  `quy định` gets `qdi`, the Party's own abbreviation (`08-QĐi/TW`),
# so it does not collide with `quyết định` (`qd`); older regulations written
# `105-QĐ/TW` therefore come out as `qd105`, exactly as written.
DOC_TYPES: dict[str, str] = {
    "nghi quyet": "nq",
    "nghi dinh": "nd",
    "quyet dinh": "qd",
    "quy dinh": "qdi",
    "ket luan": "kl",
    "chi thi": "ct",
    "thong tu": "tt",
    "cong van": "cv",
    "cong dien": "cd",
    "thong bao": "tb",
    "ke hoach": "kh",
    "huong dan": "hd",
    "to trinh": "ttr",
    "bao cao": "bc",
    "quy che": "qc",
    "chuong trinh": "ctr",
}

# Abbreviations as they appear inside codes, longest first so `QĐi` is not read
# as `QĐ` + `i`.  `Đ` may also be typed `D`.
_ABBREVIATIONS = sorted(set(DOC_TYPES.values()), key=len, reverse=True)

_TONE_MARKS = ("", GRAVE, ACUTE, TILDE, HOOK, DOT_BELOW)


def _letter_classes() -> dict[str, str]:
    """ASCII letter -> regex class of every Vietnamese letter that folds to it.

    >>> _letter_classes()["d"], _letter_classes()["q"]
    ('[dđDĐ]', '[qQ]')
    """
    groups: dict[str, list[str]] = {"d": ["d", "đ"]}
    for vowel in "aăâeêioôơuưy":
        ascii_base = unicodedata.normalize("NFD", vowel)[0]
        for tone in _TONE_MARKS:
            letter = unicodedata.normalize("NFC", vowel + tone)
            groups.setdefault(ascii_base, []).append(letter)
    # Both cases spelled out: re.IGNORECASE on non-ASCII classes is several times
    # slower, and these classes are tried at the start of every word.
    classes = {}
    for base, letters in groups.items():
        both = "".join(letters) + "".join(letters).upper()
        classes[base] = "[" + both + "]"
    for ch in "bcghklmnpqrstvx":
        classes[ch] = f"[{ch}{ch.upper()}]"
    return classes


_CLASSES = _letter_classes()


def _units(folded_phrase: str) -> list[str]:
    """Regex atoms, one per character, matching a folded phrase in any accents.

    >>> atoms = _units("so")
    >>> atoms[0], "ộ" in atoms[1], "Ơ" in atoms[1], len(atoms)
    ('[sS]', True, True, 2)
    """
    atoms: list[str] = []
    for i, word in enumerate(folded_phrase.split()):
        if i:
            atoms.append(r"[ \t]+")
        atoms.extend(_CLASSES.get(ch, re.escape(ch)) for ch in word)
    return atoms


def _trie_regex(sequences: list[list[str]]) -> str:
    """One regex for several atom sequences, sharing common prefixes.

    A flat alternation is retried branch by branch at the start of every word;
    the trie rejects most words at their first atom, which keeps tokenizing fast.

    >>> _trie_regex([["a", "b"], ["a", "c"], ["d"]])
    '(?:a(?:b|c)|d)'
    """
    trie: dict[str, dict] = {}
    for seq in sequences:
        node = trie
        for atom in seq:
            node = node.setdefault(atom, {})
        node[""] = {}  # end marker

    def emit(node: dict[str, dict]) -> str:
        # Longer continuations first so `QĐi` wins over `QĐ` before backtracking.
        branches = [atom + emit(child) for atom, child in node.items() if atom]
        if "" in node:
            branches.append("")
        if len(branches) == 1:
            return branches[0]
        return "(?:" + "|".join(branches) + ")"

    return emit(trie)


def loose(folded_phrase: str) -> str:
    """Regex matching a folded phrase written with any accents (or none), any case.

    Accepting any tone on any vowel also absorbs tone-placement typos (`họach`).

    >>> import re
    >>> bool(re.fullmatch(loose("ke hoach"), "Kế họach"))
    True
    """
    return "".join(_units(folded_phrase))


def abbreviation_pattern() -> str:
    """Regex for the abbreviations as written in codes (`NĐ`, `ND`, `nq`, `QĐi`).

    >>> import re
    >>> [bool(re.fullmatch(abbreviation_pattern(), a)) for a in ("NĐ", "QĐi", "TTr", "XY")]
    [True, True, True, False]
    """
    return _trie_regex([_units(a) for a in _ABBREVIATIONS])


def full_name_pattern() -> str:
    """Regex for the full document-type names (`Nghị quyết`, `nghi quyet`).

    >>> import re
    >>> bool(re.fullmatch(full_name_pattern(), "Quyết  định"))
    True
    """
    return _trie_regex([_units(name) for name in DOC_TYPES])
