"""Bytes -> text: every encoding Vietnamese files arrive in, from real bytes on disk."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from searchsvc.analysis.normalize import normalize_text
from searchsvc.ingest import SkipFile, decode_bytes, sniff_declared_charset
from tests.fixtures.ingest.make_fixtures import BODY, CORPUS, PLAIN, TITLE, encode_cp1258, encode_tcvn3

ENCODED_FILES = {
    "encodings/utf-8.txt": "utf-8",
    "encodings/utf-8-bom.txt": "utf-8-sig",
    "encodings/utf-16-le.txt": "utf-16",
    "encodings/utf-16-be.txt": "utf-16",
    "encodings/cp1258.txt": "cp1258",
    "encodings/tcvn3.txt": "tcvn3",
    "encodings/vni.txt": "vni",
    "encodings/nfd.txt": "utf-8",
    "encodings/utf-8-mojibake.txt": "utf-8+ftfy",
    "encodings/tcvn3-saved-as-utf-8.txt": "utf-8+tcvn3",
}


@pytest.mark.parametrize("rel, expected_encoding", sorted(ENCODED_FILES.items()))
def test_every_encoding_decodes_to_the_same_vietnamese_text(rel: str, expected_encoding: str) -> None:
    text, encoding = decode_bytes((CORPUS / rel).read_bytes())
    assert encoding == expected_encoding
    lines = [" ".join(line.split()) for line in normalize_text(text).splitlines() if line.strip()]
    assert lines == [TITLE, *BODY.split("\n\n")]


def test_utf16_and_cp1258_bytes_really_are_what_they_claim() -> None:
    # Guards the fixtures themselves: a BOM, and cp1258's decomposed tone marks.
    assert (CORPUS / "encodings/utf-16-le.txt").read_bytes()[:6] == b"\xff\xfe \x00B\x00"
    assert (CORPUS / "encodings/utf-16-be.txt").read_bytes()[:6] == b"\xfe\xff\x00 \x00B"
    raw = (CORPUS / "encodings/cp1258.txt").read_bytes()
    assert "thực".encode() not in raw and b"th\xfd\xf2c" in raw  # ư + combining dot below


def test_cp1258_text_comes_back_nfc() -> None:
    text, encoding = decode_bytes(encode_cp1258("Nội dung: thực hiện nhiệm vụ khoa học, công nghệ"))
    assert (text, encoding) == ("Nội dung: thực hiện nhiệm vụ khoa học, công nghệ", "cp1258")


def test_utf16_without_bom_is_recognised_by_its_nul_pattern() -> None:
    assert decode_bytes(PLAIN.encode("utf-16-le")) == (PLAIN, "utf-16-le")
    assert decode_bytes(PLAIN.encode("utf-16-be")) == (PLAIN, "utf-16-be")


def test_declared_charset_is_used_when_it_decodes_cleanly() -> None:
    data = encode_cp1258("Hội nghị tại Cao Bằng")
    assert decode_bytes(data, "windows-1258") == ("Hội nghị tại Cao Bằng", "cp1258")
    # A wrong declaration (latin-1 on a UTF-8 page) loses to the bytes.
    assert decode_bytes("Hội nghị tại Cao Bằng".encode(), "iso-8859-1") == ("Hội nghị tại Cao Bằng", "utf-8")
    # Unknown labels and bytes-to-bytes codecs are ignored.
    assert decode_bytes("Hội nghị".encode(), "x-no-such-charset") == ("Hội nghị", "utf-8")
    assert decode_bytes("Hội nghị".encode(), "base64") == ("Hội nghị", "utf-8")


def test_latin1_declaration_on_a_tcvn3_page_is_not_trusted() -> None:
    data = encode_tcvn3("<p>Ban Tuyên giáo và Dân vận Trung ương khảo sát tại tỉnh Cao Bằng</p>")
    assert decode_bytes(data, "iso-8859-1") == (
        "<p>Ban Tuyên giáo và Dân vận Trung ương khảo sát tại tỉnh Cao Bằng</p>",
        "tcvn3",
    )


def test_sniff_declared_charset_reads_meta_and_xml_declarations() -> None:
    assert sniff_declared_charset(b'<head><meta charset="UTF-8"></head>') == "utf-8"
    http_equiv = b"<meta http-equiv=Content-Type content='text/html; charset=windows-1258'>"
    assert sniff_declared_charset(http_equiv) == "windows-1258"
    assert sniff_declared_charset(b'<?xml version="1.0" encoding="TCVN3"?>') == "tcvn3"
    assert sniff_declared_charset(b"<html><body>no declaration</body></html>") is None


def test_western_text_is_left_alone() -> None:
    french = "Le café de la gare est fermé à cause des grèves; réouverture prévue en été."
    assert decode_bytes(french.encode("cp1252")) == (french, "windows-1252")
    assert decode_bytes(french.encode("utf-8")) == (french, "utf-8")
    # Vietnamese that happens to use only Latin-1 letters must not be "converted".
    assert decode_bytes("Cà phê Sài Gòn".encode()) == ("Cà phê Sài Gòn", "utf-8")


@pytest.mark.parametrize(
    "data, reason",
    [
        (b"", "empty file"),
        ((CORPUS / "bad/image.txt").read_bytes(), "binary file (NUL bytes)"),
        (b"Hello\x00world, this is not UTF-16 at all", "binary file (NUL bytes)"),
        (bytes(range(1, 32)) * 20, "not valid text in any known encoding"),
    ],
)
def test_non_text_raises_skipfile_with_reason(data: bytes, reason: str) -> None:
    with pytest.raises(SkipFile) as info:
        decode_bytes(data)
    assert info.value.reason == reason


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=600))
def test_arbitrary_bytes_decode_or_skip(data: bytes) -> None:
    try:
        text, encoding = decode_bytes(data)
    except SkipFile as exc:
        assert exc.reason
    else:
        assert isinstance(text, str) and encoding


def test_large_utf8_file_decodes_unchanged() -> None:
    text, encoding = decode_bytes((PLAIN * 2000).encode("utf-8"))
    assert encoding == "utf-8" and text == PLAIN * 2000
