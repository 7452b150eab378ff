"""Turn raw query-string parameters into a `SearchRequest`, or say which one is wrong.

Shared by the JSON API and the HTML page so both accept exactly the same input.
Empty values count as absent: the HTML form submits every field, filled or not.
Unknown parameters are ignored.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from typing import Mapping

from ..errors import BadRequest
from ..settings import Settings
from .types import SORTS, SearchRequest

# Longest accepted source/category filter value; real values are short names.
MAX_FILTER_CHARS = 200

_INT = re.compile(r"[0-9]{1,9}")
_DATE = re.compile(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?")


def parse_search_params(args: Mapping[str, str], settings: Settings) -> SearchRequest:
    """Validate the parameters of `/api/search` and `/`.

    >>> from searchsvc.settings import Settings
    >>> r = parse_search_params({"q": "  biến đổi khí hậu ", "page": "2", "from": "2024"}, Settings())
    >>> (r.q, r.page, r.per_page, r.date_from, r.date_to)
    ('biến đổi khí hậu', 2, 10, datetime.date(2024, 1, 1), None)
    """
    # Absent, empty or `*`: browse every document (the service lists them newest first).
    q = (_text(args, "q") or "")[: settings.max_query_chars].strip()

    page = _int(args, "page", default=1, low=1, high=settings.max_page)
    per_page = _int(
        args, "per_page", default=settings.per_page_default, low=1, high=settings.per_page_max
    )

    sort = _text(args, "sort") or "relevance"
    if sort not in SORTS:
        raise BadRequest(
            f"Cách sắp xếp không hợp lệ: dùng {' hoặc '.join(SORTS)}.", param="sort"
        )

    date_from = _date(args, "from", end=False)
    date_to = _date(args, "to", end=True)
    if date_from and date_to and date_from > date_to:
        raise BadRequest("Ngày bắt đầu (from) phải trước hoặc bằng ngày kết thúc (to).", param="from")

    return SearchRequest(
        q=q,
        page=page,
        per_page=per_page,
        sort=sort,
        date_from=date_from,
        date_to=date_to,
        source=_filter(args, "source"),
        category=_filter(args, "category"),
        autocorrect=_flag(args, "autocorrect", default=True),
    )


def _flag(args: Mapping[str, str], name: str, *, default: bool) -> bool:
    raw = _text(args, name)
    if raw is None:
        return default
    if raw.lower() in ("1", "true", "yes", "on"):
        return True
    if raw.lower() in ("0", "false", "no", "off"):
        return False
    raise BadRequest(f"Tham số {name} phải là 0 hoặc 1.", param=name)


def _text(args: Mapping[str, str], name: str) -> str | None:
    value = args.get(name)
    if value is None:
        return None
    value = value.strip()
    return value or None


def _int(args: Mapping[str, str], name: str, *, default: int, low: int, high: int) -> int:
    raw = _text(args, name)
    if raw is None:
        return default
    # Only ASCII digits: int() would also take '+3', '1_0' and Arabic-Indic digits.
    if not _INT.fullmatch(raw):
        if raw.isascii() and raw.isdigit():  # all digits, just too many of them
            raise BadRequest(f"Tham số {name} phải từ {low} đến {high}.", param=name)
        raise BadRequest(f"Tham số {name} phải là số nguyên dương.", param=name)
    value = int(raw)
    if not low <= value <= high:
        raise BadRequest(f"Tham số {name} phải từ {low} đến {high}.", param=name)
    return value


def _date(args: Mapping[str, str], name: str, *, end: bool) -> dt.date | None:
    """YYYY-MM-DD, or YYYY / YYYY-MM meaning the first (from) or last (to) day of that period."""
    raw = _text(args, name)
    if raw is None:
        return None
    m = _DATE.fullmatch(raw)
    try:
        if not m:
            raise ValueError
        year = int(m[1])
        month = int(m[2]) if m[2] else (12 if end else 1)
        if m[3]:
            day = int(m[3])
        else:
            day = calendar.monthrange(year, month)[1] if end else 1
        return dt.date(year, month, day)
    except ValueError:  # no match, month 13, 30 February, year 0 ...
        raise BadRequest(
            f"Ngày không hợp lệ ở tham số {name}: dùng dạng NĂM-THÁNG-NGÀY, ví dụ 2024-12-31.",
            param=name,
        ) from None


def _filter(args: Mapping[str, str], name: str) -> str | None:
    value = _text(args, name)
    if value is not None and len(value) > MAX_FILTER_CHARS:
        raise BadRequest(f"Tham số {name} quá dài (tối đa {MAX_FILTER_CHARS} ký tự).", param=name)
    return value
