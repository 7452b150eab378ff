"""Vietnamese analysis: tone placement, folding, tokenization (GUIDE §2)."""

from __future__ import annotations

import unicodedata

import pytest

from searchsvc.analysis import Token, fold, normalize_text, place_tone, tokenize
from searchsvc.analysis.doccodes import DOC_TYPES
from searchsvc.analysis.tokenize import _CODE_INITIALS

# From the sample press release (Cao Bằng, 2025), copied as literals.
PRESS = (
    "Làm việc tại Tỉnh ủy Cao Bằng, Đoàn công tác ghi nhận một số kết quả nổi bật của "
    "địa phương trong thực hiện Nghị quyết 57-NQ/TW, ngày 22/12/2024 của Bộ Chính trị "
    "về đột phá phát triển khoa học công nghệ, đổi mới sáng tạo và chuyển đổi số quốc gia."
)
PRESS_2 = (
    "Công tác ứng phó với biến đổi khí hậu, quản lý tài nguyên và bảo vệ môi trường được "
    "các cấp uỷ, chính quyền địa phương quan tâm chỉ đạo và đạt được những kết quả quan "
    "trọng. Toàn tỉnh tổ chức được 2.209 hội nghị tuyên truyền cho 154.497 lượt người. "
    "Tình trạng ô nhiễm môi trường tuy được kiểm soát nhưng vẫn còn tiềm ẩn nguy cơ ảnh "
    "hưởng đến sức khoẻ, môi trường sống của người dân."
)
PRESS_3 = (
    "Kết luận số 81-KL/TW, ngày 04/6/2024 của Bộ Chính trị về tiếp tục thực hiện Nghị "
    "quyết số 24-NQ/TW; Chủ tịch HĐND tỉnh Cao Bằng."
)


def terms(text: str) -> list[str]:
    return [t.term for t in tokenize(text)]


# --- tone placement ---------------------------------------------------------

TONE_CASES = [
    # oa / oe / uy without coda: both styles -> old style
    ("hoà", "hòa"), ("hòa", "hòa"), ("hoá", "hóa"),
    ("thuỷ", "thủy"), ("thủy", "thủy"), ("tuỳ", "tùy"),
    ("khoẻ", "khỏe"), ("khỏe", "khỏe"),
    ("uỷ", "ủy"), ("ủy", "ủy"), ("Uỷ", "Ủy"), ("Ủy", "Ủy"), ("Hoà", "Hòa"),
    # quality vowel takes the tone; ươ -> ơ
    ("người", "người"), ("ngừơi", "người"), ("rượu", "rượu"), ("rựơu", "rượu"),
    ("quốc", "quốc"), ("giữa", "giữa"), ("nghiêng", "nghiêng"), ("khuyến", "khuyến"),
    ("thuở", "thuở"), ("Đắk", "Đắk"), ("Lắk", "Lắk"), ("đắk", "đắk"),
    # qu / gi onsets
    ("qúy", "quý"), ("quý", "quý"), ("quỳnh", "quỳnh"),
    ("gía", "giá"), ("giá", "giá"), ("gìn", "gìn"), ("gì", "gì"),
    # two vowels + coda: the second
    ("hoàng", "hoàng"), ("hòang", "hoàng"), ("toán", "toán"), ("tóan", "toán"),
    ("huỳnh", "huỳnh"), ("hùynh", "huỳnh"),
    # three vowels: the middle one
    ("ngoài", "ngoài"), ("ngòai", "ngoài"), ("khuỷu", "khuỷu"), ("khủyu", "khuỷu"),
    # other pairs without coda: the first
    ("bài", "bài"), ("baì", "bài"), ("của", "của"), ("cuả", "của"),
    ("mía", "mía"), ("miá", "mía"),
    # left unchanged: no tone, two tones, not a Vietnamese syllable
    ("café", "café"), ("hđnd", "hđnd"), ("HĐND", "HĐND"), ("email", "email"),
    ("online", "online"), ("2024", "2024"), ("nq57", "nq57"), ("hòà", "hòà"),
    ("résumé", "résumé"), ("très", "très"), ("", ""), ("việt", "việt"),
]


@pytest.mark.parametrize(("word", "expected"), TONE_CASES)
def test_place_tone(word: str, expected: str) -> None:
    assert place_tone(word) == expected
    assert unicodedata.is_normalized("NFC", place_tone(word))


@pytest.mark.parametrize(("word", "expected"), TONE_CASES)
def test_place_tone_is_idempotent_and_keeps_letters(word: str, expected: str) -> None:
    assert place_tone(expected) == expected
    assert fold(place_tone(word)) == fold(word)


# --- folding ----------------------------------------------------------------

_TONE_MARKS = ["", "\u0300", "\u0301", "\u0303", "\u0309", "\u0323"]
_VOWEL_BASES = {"a": "a", "ă": "a", "â": "a", "e": "e", "ê": "e", "i": "i", "o": "o",
                "ô": "o", "ơ": "o", "u": "u", "ư": "u", "y": "y"}


def _vietnamese_letters() -> list[tuple[str, str]]:
    """Every accented Vietnamese letter in both cases with its ASCII fold."""
    pairs = [("đ", "d"), ("Đ", "d")]
    for vowel, ascii_letter in _VOWEL_BASES.items():
        for mark in _TONE_MARKS:
            letter = unicodedata.normalize("NFC", vowel + mark)
            pairs += [(letter, ascii_letter), (letter.upper(), ascii_letter)]
    return [(letter, ascii_letter) for letter, ascii_letter in pairs if not letter.isascii()]


def test_letter_set_is_the_134_vietnamese_letters() -> None:
    letters = {letter for letter, _ in _vietnamese_letters()}
    assert len(letters) == 134
    assert all(len(letter) == 1 for letter in letters)


@pytest.mark.parametrize(("letter", "expected"), _vietnamese_letters())
def test_fold_every_vietnamese_letter(letter: str, expected: str) -> None:
    assert fold(letter) == expected
    assert fold(letter + "n") == expected + "n"


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("đường", "duong"), ("dương", "duong"), ("Đương", "duong"),
        ("HĐND", "hdnd"), ("UBND", "ubnd"), ("khỏe", "khoe"),
        ("2024-12-22", "2024-12-22"), ("2,5", "2,5"), ("nq57", "nq57"),
        ("北京", "beijing"),  # unidecode's "Bei Jing " without the spaces
        ("😀", "😀"),  # unidecode gives nothing: keep the term
        ("Москва", "moskva"),
    ],
)
def test_fold(term: str, expected: str) -> None:
    assert fold(term) == expected


# --- tokenize: whole token lists --------------------------------------------

def test_bo_y_te_keeps_single_letters_and_all_words() -> None:
    assert tokenize("Bộ Y tế") == [
        Token("bộ", "bo", 0, 0, 2, "word", False),
        Token("y", "y", 1, 3, 4, "word", True),
        Token("tế", "te", 2, 5, 7, "word", True),
    ]


def test_acronyms_and_tone_styles() -> None:
    assert tokenize("HĐND tỉnh, Uỷ ban hoà") == [
        Token("hđnd", "hdnd", 0, 0, 4, "word", False),
        Token("tỉnh", "tinh", 1, 5, 9, "word", True),
        Token("ủy", "uy", 2, 11, 13, "word", False),
        Token("ban", "ban", 3, 14, 17, "word", True),
        Token("hòa", "hoa", 4, 18, 21, "word", True),
    ]


def test_numbers_thousands_and_decimals() -> None:
    assert tokenize("2.209 hội nghị, 154.497 lượt; 2,5% và 2209") == [
        Token("2209", "2209", 0, 0, 5, "number", False),
        Token("hội", "hoi", 1, 6, 9, "word", True),
        Token("nghị", "nghi", 2, 10, 14, "word", True),
        Token("154497", "154497", 3, 16, 23, "number", False),
        Token("lượt", "luot", 4, 24, 28, "word", True),
        Token("2,5", "2,5", 5, 30, 33, "number", False),
        Token("và", "va", 6, 35, 37, "word", False),
        Token("2209", "2209", 7, 38, 42, "number", True),
    ]


def test_dotted_and_plain_numbers_meet() -> None:
    assert terms("2.209") == terms("2209") == ["2209"]
    # Not thousands groups: two numbers, not one
    assert terms("3.14") == ["3", "14"]


def test_date_adds_iso_term_at_first_component() -> None:
    assert tokenize("ngày 22/12/2024 của") == [
        Token("ngày", "ngay", 0, 0, 4, "word", False),
        Token("2024-12-22", "2024-12-22", 1, 5, 15, "date", False),
        Token("22", "22", 1, 5, 7, "number", True),
        Token("12", "12", 2, 8, 10, "number", False),
        Token("2024", "2024", 3, 11, 15, "number", False),
        Token("của", "cua", 4, 16, 19, "word", True),
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("22/12/2024", ["2024-12-22", "22", "12", "2024"]),
        ("22-12-2024", ["2024-12-22", "22", "12", "2024"]),
        ("22.12.2024", ["2024-12-22", "22", "12", "2024"]),
        ("04/6/2024", ["2024-06-04", "04", "6", "2024"]),
        ("29/2/2024", ["2024-02-29", "29", "2", "2024"]),
        # no such day, mixed separators, partial dates: numbers only
        ("31/02/2024", ["31", "02", "2024"]),
        ("29/2/2023", ["29", "2", "2023"]),
        ("12/13/2024", ["12", "13", "2024"]),
        ("22/12-2024", ["22", "12", "2024"]),
        ("27 và 28/10", ["27", "và", "28", "10"]),
    ],
)
def test_dates(text: str, expected: list[str]) -> None:
    assert terms(text) == expected


def test_number_first_code() -> None:
    assert tokenize("57-NQ/TW") == [
        Token("nq57", "nq57", 0, 0, 8, "code", False),
        Token("57", "57", 0, 0, 2, "number", False),
        Token("nq", "nq", 1, 3, 5, "word", False),
        Token("tw", "tw", 2, 6, 8, "word", False),
    ]


def test_named_code_is_emitted_once_over_the_whole_citation() -> None:
    text = "thực hiện Nghị quyết số 57-NQ/TW, ngày"
    assert tokenize(text) == [
        Token("thực", "thuc", 0, 0, 4, "word", False),
        Token("hiện", "hien", 1, 5, 9, "word", True),
        Token("nq57", "nq57", 2, 10, 32, "code", False),
        Token("nghị", "nghi", 2, 10, 14, "word", True),
        Token("quyết", "quyet", 3, 15, 20, "word", True),
        Token("số", "so", 4, 21, 23, "word", True),
        Token("57", "57", 5, 24, 26, "number", True),
        Token("nq", "nq", 6, 27, 29, "word", False),
        Token("tw", "tw", 7, 30, 32, "word", False),
        Token("ngày", "ngay", 8, 34, 38, "word", False),
    ]
    assert text[10:32] == "Nghị quyết số 57-NQ/TW"


def test_short_code_is_split_into_components() -> None:
    assert tokenize("NQ57") == [
        Token("nq57", "nq57", 0, 0, 4, "code", False),
        Token("nq", "nq", 0, 0, 2, "word", False),
        Token("57", "57", 1, 2, 4, "number", True),
    ]


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("57-NQ/TW", "nq57"), ("57/NQ-TW", "nq57"), ("NQ57", "nq57"), ("nq57", "nq57"),
        ("nq 57", "nq57"), ("NQ-57", "nq57"), ("Nghị quyết 57", "nq57"),
        ("Nghị quyết số 57", "nq57"), ("nghị quyết số 57", "nq57"),
        ("nghi quyet 57", "nq57"), ("NGHỊ QUYẾT SỐ 57", "nq57"),
        ("Nghị quyết số 57-NQ/TW", "nq57"), ("Nghị quyết 057", "nq57"),
        ("15/2020/NĐ-CP", "nd15"), ("15/2020/ND-CP", "nd15"), ("Nghị định 15", "nd15"),
        ("81-KL/TW", "kl81"), ("Kết luận số 81-KL/TW", "kl81"), ("kết luận 81", "kl81"),
        ("01/2025/TT-BTC", "tt1"), ("Thông tư 01/2025/TT-BTC", "tt1"), ("thông tư 1", "tt1"),
        ("Quyết định số 1.234/QĐ-UBND", "qd1234"), ("123/QĐ-TTg", "qd123"),
        ("08-QĐi/TW", "qdi8"), ("Quy định 08", "qdi8"),
        ("Chỉ thị 05/CT-TTg", "ct5"), ("Kế hoạch 12-KH/TU", "kh12"),
        ("Kế họach 12", "kh12"), ("Tờ trình 5/TTr-UBND", "ttr5"),
        ("Công văn 1234/UBND-KT", "cv1234"), ("Thông báo 50/TB-VPCP", "tb50"),
        ("Hướng dẫn 12-HD/BTGTW", "hd12"), ("Báo cáo 7/BC-UBND", "bc7"),
        ("Công điện 114/CĐ-TTg", "cd114"), ("Quy chế 3", "qc3"),
        ("Chương trình 135", "ctr135"),
    ],
)
def test_every_code_form_gives_one_code_term(text: str, code: str) -> None:
    codes = [t for t in tokenize(text) if t.kind == "code"]
    assert [t.term for t in codes] == [code]
    assert (codes[0].start, codes[0].end, codes[0].pos) == (0, len(text), 0)


@pytest.mark.parametrize(
    "text",
    [
        "Luật số 45/2019/QH14",  # no document-type abbreviation
        "Nghị quyết Trung ương 5",  # no number right after the name
        "thông báo 2/12/2024",  # a date, not document number 2
        "nghị quyết\n57",  # a line break is no citation
        "tt57x", "57 NQ",
    ],
)
def test_no_code_term(text: str) -> None:
    assert [t.term for t in tokenize(text) if t.kind == "code"] == []


def test_date_after_named_document_is_kept() -> None:
    assert terms("thông báo 2/12/2024") == ["thông", "báo", "2024-12-02", "2", "12", "2024"]


def test_code_initials_guard_covers_every_name_and_abbreviation() -> None:
    # tokenize() only tries code patterns at words starting with these letters.
    initials = {name[0] for name in DOC_TYPES} | {abbr[0] for abbr in DOC_TYPES.values()}
    assert {ch.lower() for ch in _CODE_INITIALS} == initials


# --- joined ----------------------------------------------------------------

@pytest.mark.parametrize(
    ("text", "joined"),
    [
        ("khí hậu", [False, True]),
        ("khí\thậu", [False, True]),
        ("khí  hậu", [False, True]),
        ("khí\nhậu", [False, False]),
        ("khí\r\nhậu", [False, False]),
        ("khí, hậu", [False, False]),
        ("khí. Hậu", [False, False]),
        ("khí (hậu)", [False, False]),
        ("khí “hậu”", [False, False]),
        ("khí - hậu", [False, False]),
        ("khí/hậu", [False, False]),
        ("khí 😀 hậu", [False, False]),
        ("khí; hậu: xanh! đỏ? vàng", [False] * 5),
    ],
)
def test_joined_only_across_plain_spaces(text: str, joined: list[bool]) -> None:
    assert [t.joined for t in tokenize(text)] == joined


# --- offsets, positions, normalisation --------------------------------------

@pytest.mark.parametrize("text", [PRESS, PRESS_2, PRESS_3])
def test_offsets_point_at_the_surface(text: str) -> None:
    tokens = tokenize(text)
    for t in tokens:
        surface = text[t.start : t.end]
        if t.kind == "word":
            assert place_tone(unicodedata.normalize("NFKC", surface).lower()) == t.term
        elif t.kind == "number":
            assert surface.replace(".", "") == t.term
    normal = [t for t in tokens if t.kind in ("word", "number")]
    assert [t.pos for t in normal] == list(range(len(normal)))
    for extra in (t for t in tokens if t.kind in ("code", "date")):
        first = next(t for t in normal if t.start == extra.start)
        assert extra.pos == first.pos


def test_press_release_sentence_terms() -> None:
    tokens = tokenize(PRESS_3)
    assert [(t.term, t.pos, t.kind) for t in tokens[:12]] == [
        ("kl81", 0, "code"), ("kết", 0, "word"), ("luận", 1, "word"), ("số", 2, "word"),
        ("81", 3, "number"), ("kl", 4, "word"), ("tw", 5, "word"), ("ngày", 6, "word"),
        ("2024-06-04", 7, "date"), ("04", 7, "number"), ("6", 8, "number"),
        ("2024", 9, "number"),
    ]
    assert "hđnd" in terms(PRESS_3) and "nq24" in terms(PRESS_3)
    assert [t.folded for t in tokenize(PRESS_2) if t.term in ("ủy", "khỏe")] == ["uy", "khoe"]


@pytest.mark.parametrize("text", [PRESS, PRESS_2, PRESS_3])
def test_nfd_input_gives_the_same_tokens_as_nfc(text: str) -> None:
    nfd = unicodedata.normalize("NFD", text)
    assert nfd != text
    assert tokenize(normalize_text(nfd)) == tokenize(text)
    # Even raw NFD keeps syllables whole (codes named in words need NFC).
    raw = [(t.term, t.folded) for t in tokenize(nfd) if t.kind == "word"]
    assert raw == [(t.term, t.folded) for t in tokenize(text) if t.kind == "word"]


def test_nfkc_per_token_keeps_offsets() -> None:
    text = "Ｈà Nội ２０２４ ﬁle"
    assert [(t.term, t.start, t.end) for t in tokenize(text)] == [
        ("hà", 0, 2), ("nội", 3, 6), ("2024", 7, 11), ("file", 12, 15)
    ]


def test_empty_and_punctuation_only() -> None:
    assert tokenize("") == []
    assert tokenize(" ,.;!? “” -- // \n") == []


# --- docstring examples stay true --------------------------------------------

@pytest.mark.parametrize(
    "module_name",
    ["tones", "fold", "doccodes", "tokenize", "normalize", "phonology", "terms", "marks"],
)
def test_docstring_examples(module_name: str) -> None:
    import doctest
    import importlib

    module = importlib.import_module(f"searchsvc.analysis.{module_name}")
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 0
