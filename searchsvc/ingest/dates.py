"""Publication dates: from metadata values and from Vietnamese date lines.

Vietnamese writes day first (27/10/2025).  A date line is picked only when the
line is a dateline (nothing but the date, weekday, time and maybe 'Hà Nội,' in
front), so neither 'Nghị quyết 57-NQ/TW, ngày 22/12/2024 ...' in a paragraph nor
a related-article link 'Giá dầu tăng trở lại(09/12/2004)' becomes the date.
"""

from __future__ import annotations

import datetime
import email.utils
import re
from collections.abc import Sequence

VIETNAM_TZ = datetime.timezone(datetime.timedelta(hours=7))  # the date readers saw on the page

_DMY = re.compile(r"(?<![\d/.-])(\d{1,2})\s*([/.-])\s*(\d{1,2})\s*\2\s*(\d{4})(?![\d/])")
_WORDS = re.compile(r"ng[àa]y\s+(\d{1,2})\s+th[áa]ng\s+(\d{1,2}),?\s+n[ăa]m\s+(\d{4})", re.I)
_YMD = re.compile(r"(?<![\d/.-])(\d{4})([/.-])(\d{1,2})\2(\d{1,2})(?![\d/])")
# What may surround the date on a date line: time, time zone, weekday, labels, punctuation.
_NOISE = re.compile(
    r"\d{1,2}\s*[:h]\s*\d{2}(?::\d{2})?\s*(?:am|pm|sa|ch)?|\(?\s*(?:gmt|utc)\s*[+-]?\s*\d*\s*\)?"
    r"|thứ\s+(?:hai|ba|tư|năm|sáu|bảy|\d)|chủ\s+nhật|\bt[2-7]\b|\bcn\b"
    r"|cập\s+nhật|ngày|đăng|lúc|thời\s+gian|published|posted|updated|date",
    re.I,
)
_MAX_LINE = 100
_MAX_PLACE_WORDS = 5
_PLACE_WORDS = frozenset("thành phố tỉnh quận huyện thị xã phường".split())  # lowercase words in place names


def _make(year: str, month: str, day: str) -> datetime.date | None:
    try:
        value = datetime.date(int(year), int(month), int(day))
    except ValueError:
        return None
    return value if 1900 <= value.year <= 2100 else None


def _first_date(text: str) -> tuple[datetime.date | None, re.Match[str] | None]:
    for pattern, order in ((_WORDS, (3, 2, 1)), (_DMY, (4, 3, 1)), (_YMD, (1, 3, 4))):
        match = pattern.search(text)
        if match:
            return _make(*(match.group(i) for i in order)), match
    return None, None


def _is_place(text: str) -> bool:
    """'Hà Nội', 'TP. Hồ Chí Minh', 'Bà Rịa - Vũng Tàu': a few capitalised words."""
    words = [w for w in text.replace("-", " ").split() if w]
    return 0 < len(words) <= _MAX_PLACE_WORDS and all(w[0].isupper() or w in _PLACE_WORDS for w in words)


def parse_date_line(line: str) -> datetime.date | None:
    """The date on `line` if the line is a dateline: date, optional weekday/time, optional 'Place,' first.

    >>> parse_date_line("Hà Nội, ngày 27 tháng 10 năm 2025")
    datetime.date(2025, 10, 27)
    >>> parse_date_line("Thứ Hai, 27/10/2025 08:30 (GMT+7)")
    datetime.date(2025, 10, 27)
    >>> lines = ("Nghị quyết 57-NQ/TW, ngày 22/12/2024 của Bộ Chính trị",
    ...          "Giá dầu tăng trở lại(09/12/2004)", "Vụ án anh Thắng, ngày 22/8/2001.")
    >>> [parse_date_line(line) for line in lines]
    [None, None, None]
    """
    if len(line) > _MAX_LINE:
        return None
    value, match = _first_date(line)
    if value is None or match is None:
        return None
    after = _NOISE.sub(" ", line[match.end() :])
    if any(ch.isalpha() for ch in after):
        return None
    before = _NOISE.sub(" ", line[: match.start()]).strip(" \t-|:")
    if not any(ch.isalpha() for ch in before):
        return value
    return value if before.endswith(",") and _is_place(before[:-1]) else None


def find_date_line(lines: Sequence[str], head: int = 5, tail: int = 3) -> datetime.date | None:
    """First date line among the first `head` and then the last `tail` non-empty lines.

    >>> find_date_line(["Tiêu đề", "Ngày 27/10/2025", "Nội dung ngày 1/1/2020 ..."])
    datetime.date(2025, 10, 27)
    """
    lines = [line for line in lines if line.strip()]
    candidates = lines[:head] + lines[max(head, len(lines) - tail) :]
    for line in candidates:
        value = parse_date_line(line.strip())
        if value is not None:
            return value
    return None


def parse_date_value(value: str) -> datetime.date | None:
    """Date from a metadata value: ISO 8601 (local date in Vietnam if zoned), RFC 2822, d/m/Y.

    >>> parse_date_value("2025-10-26T23:30:00Z")
    datetime.date(2025, 10, 27)
    >>> parse_date_value("27/10/2025 08:30")
    datetime.date(2025, 10, 27)
    """
    value = value.strip()
    if not value:
        return None
    try:
        moment = datetime.datetime.fromisoformat(value)
    except ValueError:
        try:
            moment = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return _first_date(value)[0]
    if moment.tzinfo is not None:
        moment = moment.astimezone(VIETNAM_TZ)
    return _make(str(moment.year), str(moment.month), str(moment.day))
