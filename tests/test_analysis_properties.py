"""Property tests: the analysis invariants other modules rely on, on generated text."""

from __future__ import annotations

import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from searchsvc.analysis import fold, normalize_text, place_tone, tokenize
from searchsvc.whoosh.analyzers import ExactAnalyzer, FoldedAnalyzer, PairsAnalyzer

TONES = "\u0300\u0301\u0303\u0309\u0323"
ONSETS = ["", "b", "ch", "đ", "g", "gh", "gi", "h", "kh", "l", "ng", "ngh", "nh", "qu", "th", "tr", "x"]
NUCLEI = ["a", "ă", "â", "e", "ê", "i", "o", "ô", "ơ", "u", "ư", "y", "oa", "oe", "uy", "ai",
          "ao", "ia", "ua", "ưa", "iê", "uô", "ươ", "oai", "uyê", "ươi", "uyu", "oeo", "yê"]
CODAS = ["", "c", "ch", "m", "n", "ng", "nh", "p", "t"]

# Letters, digits, the punctuation of press releases, spaces and line breaks.
ALPHABET = (
    "aăâbcdđeêghiklmnoôơpqrstuưvxyAĂÂĐÊÔƠƯàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợ"
    "ùúủũụừứửữựỳýỷỹỵÀÁỦỨỸ0123456789 .,;:!?()“”\"'-/\n\t%😀\u0301\u00ad"
)
texts = st.text(alphabet=ALPHABET, max_size=120)
document_bits = st.sampled_from(
    ["57-NQ/TW", "Nghị quyết số 57", "nq 57", "22/12/2024", "2.209", "2,5", "HĐND", "Bộ Y tế",
     "khoẻ", "hoà", ", ", ". ", "\n", " ", "15/2020/NĐ-CP", "31/02/2024", "Đắk Lắk"]
)
documents = st.lists(st.one_of(document_bits, texts), max_size=12).map(" ".join)


@st.composite
def syllables(draw) -> str:
    onset = draw(st.sampled_from(ONSETS))
    nucleus = draw(st.sampled_from(NUCLEI))
    coda = draw(st.sampled_from(CODAS))
    return onset + nucleus + coda


def with_tone_on(syllable: str, index: int, tone: str) -> str:
    return unicodedata.normalize("NFC", syllable[: index + 1] + tone + syllable[index + 1 :])


@given(syllables(), st.sampled_from(TONES), st.data())
def test_every_placement_of_a_tone_gives_one_spelling(syllable: str, tone: str, data) -> None:
    vowels = [i for i, ch in enumerate(syllable) if fold(ch) in "aeiouy" and not (
        (syllable.startswith("qu") and i == 1) or (syllable.startswith("gi") and i == 1 and len(syllable) > 2
                                                   and fold(syllable[2]) in "aeiouy"))]
    spellings = {place_tone(with_tone_on(syllable, i, tone)) for i in vowels}
    assert len(spellings) == 1
    (canonical,) = spellings
    assert place_tone(canonical) == canonical
    assert fold(canonical) == fold(syllable)
    assert sum(ch in TONES for ch in unicodedata.normalize("NFD", canonical)) == 1


@given(st.text(max_size=12))
def test_place_tone_never_changes_letters(word: str) -> None:
    word = unicodedata.normalize("NFC", word)
    result = place_tone(word)
    assert unicodedata.normalize("NFD", result).translate(dict.fromkeys(map(ord, TONES))) == \
        unicodedata.normalize("NFD", word).translate(dict.fromkeys(map(ord, TONES)))


@given(st.text(min_size=1, max_size=8))
def test_fold_is_never_empty(term: str) -> None:
    assert fold(term)


@settings(max_examples=300)
@given(documents)
def test_token_invariants(raw: str) -> None:
    text = normalize_text(raw)
    tokens = tokenize(text)
    normal = [t for t in tokens if t.kind in ("word", "number")]
    assert [t.pos for t in normal] == list(range(len(normal)))
    for i, t in enumerate(tokens):
        assert 0 <= t.start < t.end <= len(text)
        assert t.term and t.folded and t.term == t.term.lower()
        if t.kind in ("code", "date"):
            nxt = tokens[i + 1]  # its first component follows it directly
            assert (nxt.pos, nxt.start) == (t.pos, t.start) and t.end >= nxt.end
            assert not t.joined
    if normal:
        assert not normal[0].joined
    for prev, cur in zip(normal, normal[1:]):
        if cur.joined:
            assert text[prev.end : cur.start].strip(" \t") == ""
    # NFD input normalises to the same tokens
    assert tokenize(normalize_text(unicodedata.normalize("NFD", raw))) == tokens


@settings(max_examples=100)
@given(documents)
def test_whoosh_analyzers_agree_with_tokenize(raw: str) -> None:
    text = normalize_text(raw)
    tokens = tokenize(text)
    exact = [(t.text, t.pos, t.startchar, t.endchar) for t in ExactAnalyzer()(raw, positions=True, chars=True)]
    folded = [t.text for t in FoldedAnalyzer()(raw)]
    assert exact == [(t.term, t.pos, t.start, t.end) for t in tokens]
    assert folded == [t.folded for t in tokens]
    for pair in PairsAnalyzer()(raw):
        assert pair.text.count("_") >= 1
