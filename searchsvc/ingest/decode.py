"""Bytes -> text, for the encodings Vietnamese files actually come in.

Order: BOM -> declared charset -> strict UTF-8 -> BOM-less UTF-16 -> the best of
cp1258 / TCVN3 / VNI by share of valid syllables -> cp1252.  Unicode results are
checked for mojibake (UTF-8 read as Latin-1, legacy-font text saved as Unicode),
but only when cheap signs point at it, so the common case stays one decode().
"""

from __future__ import annotations

import codecs
import re
import unicodedata

import ftfy

from searchsvc.analysis.phonology import TONE_MARKS
from searchsvc.ingest.document import SkipFile
from searchsvc.ingest.legacy import best_legacy, tcvn3_to_unicode
from searchsvc.ingest.syllable_share import syllable_ratio

_BOMS = (  # UTF-32 first: its LE BOM starts with the UTF-16 LE one
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Declarations that say nothing useful: Latin-1 labels are what old editors wrote on
# TCVN3/VNI pages (WHATWG reads them as cp1252 anyway); UTF-16 without a BOM or NULs is a lie.
_IGNORED_DECLARATIONS = {
    "ascii", "iso8859-1", "cp1252", "latin-1", "utf-16", "utf-16-le", "utf-16-be", "utf-32",
}  # fmt: skip
_TCVN3_LABELS = {"tcvn", "tcvn3", "tcvn-3", "tcvn5712", "tcvn-5712", "x-viet-tcvn5712", "vn3"}

# A UTF-8 lead byte for Latin/Vietnamese letters (or combining marks) read as cp1252/Latin-1,
# followed by a continuation byte: 'Viá»‡t', 'Ä‘', 'Æ°', 'Ã '.
_CONT = (  # bytes 0x80-0xBF as Latin-1 and as their cp1252 characters
    "\x80-\xbf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc"
    "\u2013\u2014\u2018-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122"
)
_MOJIBAKE = re.compile(f"[\u00c2-\u00c6\u00cc\u00cd][{_CONT}]|\u00e1[\u00ba\u00bb][{_CONT}]")
# Letters only Unicode Vietnamese has (not in Latin-1, so never produced by legacy mojibake).
_VIET_SPECIFIC = re.compile("[ăđĩũơưĂĐĨŨƠƯ" + "".join(sorted(TONE_MARKS)) + "\u1ea0-\u1ef9]")
_LATIN1_HIGH = re.compile("[\u00a1-\u00ff]")
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
_DECLARED = re.compile(
    rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)"""
    rb"""|<\?xml[^>]{0,100}?encoding\s*=\s*["']([A-Za-z0-9_.:-]+)""",
    re.I,
)


def _as_latin1(err: UnicodeError) -> tuple[str, int]:
    """Error handler: bytes a codec leaves undefined become the Latin-1 character of that byte."""
    assert isinstance(err, UnicodeDecodeError)
    return err.object[err.start : err.end].decode("latin-1"), err.end


codecs.register_error("searchsvc-latin1", _as_latin1)


def sniff_declared_charset(data: bytes) -> str | None:
    """Charset named by <meta charset>, http-equiv or an XML declaration in the first 4 KiB.

    >>> sniff_declared_charset(b'<meta http-equiv="Content-Type" content="text/html; charset=windows-1258">')
    'windows-1258'
    """
    match = _DECLARED.search(data[:4096])
    if match is None:
        return None
    return (match.group(1) or match.group(2)).decode("ascii").lower()


def decode_bytes(data: bytes, declared: str | None = None) -> tuple[str, str]:
    """Decode a file's bytes; return (text, encoding name).  Raises SkipFile.

    >>> decode_bytes("Hà Nội".encode("utf-16"))
    ('Hà Nội', 'utf-16')
    >>> decode_bytes(b"Ban Tuy\\xaan gi\\xb8o v\\xb5 D\\xa9n v\\xcbn Trung \\xad\\xacng")
    ('Ban Tuyên giáo và Dân vận Trung ương', 'tcvn3')
    """
    if not data:
        raise SkipFile("empty file")
    for bom, codec in _BOMS:
        if data.startswith(bom):
            if codec == "utf-8-sig" and not _is_utf8(data[3:]):
                data = data[3:]  # a BOM on a non-UTF-8 file: ignore it, guess below
                break
            text = data.decode(codec, errors="replace")  # a truncated last code unit is no reason to skip
            return _check_text(*_repair_unicode(text, codec))
    if b"\x00" in data:
        return _check_text(*_decode_utf16_without_bom(data))
    declared_codec = _codec_for(declared)
    if declared_codec == "tcvn3":
        return _check_text(tcvn3_to_unicode(data.decode("cp1252", "searchsvc-latin1")), "tcvn3")
    if declared_codec is not None and declared_codec not in _IGNORED_DECLARATIONS:
        try:
            text = data.decode(declared_codec)
        except UnicodeError:
            pass  # the declaration is wrong; guess like for an undeclared file
        else:
            return _check_text(*_repair_unicode(unicodedata.normalize("NFC", text), declared_codec))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return _check_text(*_decode_single_byte(data))
    return _check_text(*_repair_unicode(text, "utf-8"))


def _codec_for(label: str | None) -> str | None:
    if not label:
        return None
    label = label.strip().lower()
    if label in _TCVN3_LABELS:
        return "tcvn3"
    try:
        name = codecs.lookup(label).name
        b"x".decode(name, "ignore")  # rejects bytes-to-bytes codecs a page might name: base64, zlib
    except (LookupError, UnicodeError):
        return None
    return name


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _repair_unicode(text: str, codec: str) -> tuple[str, str]:
    """Undo mojibake inside correctly decoded Unicode, if there are signs of it."""
    if _MOJIBAKE.search(text):
        fixed = ftfy.fix_encoding(text)
        if fixed != text and syllable_ratio(fixed) >= syllable_ratio(text):
            return fixed, f"{codec}+ftfy"
    if not _VIET_SPECIFIC.search(text) and _LATIN1_HIGH.search(text):
        legacy = best_legacy(text)
        if legacy is not None:
            return legacy[0], f"{codec}+{legacy[1]}"
    return text, codec


def _decode_utf16_without_bom(data: bytes) -> tuple[str, str]:
    """UTF-16 shows as NULs in every other byte (ASCII characters); anything else with NULs is binary."""
    sample = data[:8192]
    even, odd = sample[0::2], sample[1::2]
    for codec, high, low in (("utf-16-le", odd, even), ("utf-16-be", even, odd)):
        if len(data) % 2 == 0 and high.count(0) > 0.3 * len(high) and low.count(0) < 0.02 * len(low):
            try:
                return _repair_unicode(data.decode(codec), codec)
            except UnicodeDecodeError:
                break
    raise SkipFile("binary file (NUL bytes)")


def _decode_single_byte(data: bytes) -> tuple[str, str]:
    """Not UTF-8: pick among cp1258, TCVN3, VNI by how Vietnamese the result reads."""
    western = data.decode("cp1252", "searchsvc-latin1")
    vietnamese = unicodedata.normalize("NFC", data.decode("cp1258", "searchsvc-latin1"))
    cp1258_score = syllable_ratio(vietnamese)
    legacy = best_legacy(western)
    if legacy is not None and legacy[2] > cp1258_score:
        return legacy[0], legacy[1]
    if cp1258_score >= 0.6 and cp1258_score > syllable_ratio(western) + 0.05:
        return vietnamese, "cp1258"
    if _MOJIBAKE.search(western):  # UTF-8 that went through a Latin-1 editor and back
        fixed = ftfy.fix_encoding(western)
        if fixed != western:
            return fixed, "windows-1252+ftfy"
    return western, "windows-1252"


def _check_text(text: str, codec: str) -> tuple[str, str]:
    """Reject decodings that are not text: NULs, or control/replacement characters beyond a stray few."""
    if "\x00" in text:
        raise SkipFile("binary file (NUL bytes)")
    head = text[:65536]
    bad = len(_CONTROL.findall(head)) + head.count("\ufffd")
    if bad > max(8, len(head) // 100):
        raise SkipFile("not valid text in any known encoding")
    return text, codec
