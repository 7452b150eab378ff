"""TCVN3 / VNI legacy-font text and the syllable checker that judges conversions."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from searchsvc.analysis.phonology import is_syllable
from searchsvc.ingest import decode_bytes, detect_and_convert_legacy
from searchsvc.ingest.legacy import tcvn3_to_unicode, vni_to_unicode
from searchsvc.ingest.syllable_share import strip_markup, syllable_ratio
from tests.fixtures.ingest.make_fixtures import PARAGRAPHS, TITLE, encode_tcvn3, encode_vni

# Byte strings as they appear in real legacy documents (the national motto heads every
# official document; the GUIDE quotes the Ban Tuyên giáo line).  These anchor the tables
# to the encodings themselves, independently of the fixture encoders built from them.
REAL_TCVN3 = {
    b"Ban Tuy\xaan gi\xb8o v\xb5 D\xa9n v\xcbn Trung \xad\xacng": "Ban Tuyên giáo và Dân vận Trung ương",
    b"C\xe9ng ho\xb5 x\xb7 h\xe9i ch\xf1 ngh\xdca Vi\xd6t Nam": "Cộng hoà xã hội chủ nghĩa Việt Nam",
    b"\xa7\xe9c l\xcbp - T\xf9 do - H\xb9nh ph\xf3c": "Độc lập - Tự do - Hạnh phúc",
    b"\xae\xad\xeec c\xb8c c\xcap u\xfb quan t\xa9m": "được các cấp uỷ quan tâm",
}
REAL_VNI = {
    b"Ban Tuye\xe2n gia\xf9o va\xf8 Da\xe2n va\xe4n Trung \xf6\xf4ng": "Ban Tuyên giáo và Dân vận Trung ương",
    b"Co\xe4ng ho\xf8a xa\xf5 ho\xe4i chu\xfb ngh\xf3a Vie\xe4t Nam": "Cộng hòa xã hội chủ nghĩa Việt Nam",
    b"\xd1o\xe4c la\xe4p - T\xf6\xef do - Ha\xefnh phu\xf9c": "Độc lập - Tự do - Hạnh phúc",
    b"\xd1O\xc4C LA\xc4P - T\xd6\xcf DO": "ĐỘC LẬP - TỰ DO",
}


@pytest.mark.parametrize("raw, expected", REAL_TCVN3.items())
def test_real_tcvn3_strings(raw: bytes, expected: str) -> None:
    assert detect_and_convert_legacy(raw.decode("cp1252")) == (expected, "tcvn3")


@pytest.mark.parametrize("raw, expected", REAL_VNI.items())
def test_real_vni_strings(raw: bytes, expected: str) -> None:
    assert detect_and_convert_legacy(raw.decode("cp1252")) == (expected, "vni")


def test_tcvn3_soft_hyphen_is_converted_before_any_cleanup() -> None:
    # 'ư' is 0xAD: it must become ư, not vanish as a soft hyphen.
    assert decode_bytes(b"Tr\xad\xeang \xae\xb9i h\xe4c") == ("Trường đại học", "tcvn3")


def test_tcvn3_all_caps_lines_and_words_get_capital_tone_letters() -> None:
    # TCVN3 has no toned capitals: caps-font text is typed with lowercase codes.
    assert tcvn3_to_unicode("UBND TØNH CAO B»NG\nHµ NéI ngµy 27") == "UBND TỈNH CAO BẰNG\nHà NỘI ngày 27"


def test_vni_modifiers_compose_to_nfc() -> None:
    assert vni_to_unicode("ñöôïc, Tröôøng, khuyûu, quoác") == "được, Trường, khuỷu, quốc"


@pytest.mark.parametrize(
    "text",
    [
        "Ban Tuyên giáo và Dân vận Trung ương",  # already Unicode
        "Le café de la gare est fermé à cause des grèves",  # French
        "Plain ASCII text with no accents at all",
        "Cà phê Sài Gòn",  # Vietnamese using only Latin-1 letters: valid as it is
        "",
    ],
)
def test_not_legacy_text_is_not_converted(text: str) -> None:
    assert detect_and_convert_legacy(text) is None


@pytest.mark.parametrize("paragraph", PARAGRAPHS)
def test_real_sentences_round_trip_through_both_legacy_encodings(paragraph: str) -> None:
    assert decode_bytes(encode_tcvn3(paragraph)) == (paragraph, "tcvn3")
    assert decode_bytes(encode_vni(paragraph)) == (paragraph, "vni")


# Every run of 8+ consecutive words from the real sentences.  (Arbitrary word salad is
# not a fair test: 'công công' in VNI reads 'coõng coõng', valid-looking TCVN3, and
# 'vụ' in TCVN3 is 'vô' in cp1252; only text of some length disambiguates.)
WORDS = " ".join([TITLE, *PARAGRAPHS]).split()


@settings(max_examples=200, deadline=None)
@given(st.integers(0, len(WORDS) - 8), st.integers(8, 40), st.sampled_from(["tcvn3", "vni"]))
def test_any_stretch_of_real_text_round_trips(start: int, length: int, encoding: str) -> None:
    text = " ".join(WORDS[start : start + length])
    data = (encode_tcvn3 if encoding == "tcvn3" else encode_vni)(text)
    assert decode_bytes(data) == (text, encoding)


def test_syllable_checker() -> None:
    valid = "Nghiêng người khuỷu quốc gì gìn giữa Lắk oong thuở khuếch hoạch huỵch ươu yêu".split()
    invalid = "gi¸o vµ D©n ­¬ng mảc hòaà xyz POLICY Figaro".split()
    assert [w for w in valid if not is_syllable(w)] == []
    assert [w for w in invalid if is_syllable(w)] == []
    assert syllable_ratio("") == 0.0
    assert syllable_ratio("<p class='x'>Hà Nội&nbsp;2025</p>") == 1.0  # markup and numbers ignored


# The markup pattern syllable_ratio used before strip_markup: same result, but a lazy
# scan to the end of the text from every unterminated `<!--` (quadratic).
_MARKUP_REGEX = re.compile(r"<(script|style)\b.*?</\1\s*>|<!--.*?-->|<[a-zA-Z!/?][^>]*>|&#?\w+;", re.S | re.I)
_MARKUP_PIECES = ["<", ">", "<!--", "-->", "--", "<!", "<script", "<SCRIPT>", "</script>", "</script >",
                  "<style>", "</STYLE>", "</style", "<p class='x'>", "</p>", "<?xml", "<b", "&nbsp;", "&#39;",
                  "&", ";", "#", " ", "\n", "Hà", "Nội", "a", "scriptx", "/"]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(_MARKUP_PIECES), st.text(max_size=4)), max_size=40).map("".join))
def test_strip_markup_removes_what_the_regex_removed(text):
    assert strip_markup(text) == _MARKUP_REGEX.sub(" ", text)
