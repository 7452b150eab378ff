"""Decoded plain text -> (title, body, date); HTML pages are parsed in htmlpage."""

from __future__ import annotations

import datetime

from searchsvc.analysis.normalize import normalize_text
from searchsvc.ingest.dates import find_date_line, parse_date_line
from searchsvc.ingest.htmlpage import ParsedHtml, parse_html

__all__ = ["ParsedHtml", "parse_html", "parse_text"]

# A line ending like this finished its sentence; otherwise a lowercase next line continues it.
_SENTENCE_END = tuple(".!?:;…\"”'’»)]")


def _text_paragraphs(lines: list[str]) -> list[str]:
    """Blank lines and finished sentences end paragraphs; hard-wrapped lines are rejoined."""
    result: list[str] = []
    joinable = False
    for line in lines:
        if not line:
            joinable = False
            continue
        if joinable and line[0].islower():
            result[-1] += " " + line
        else:
            result.append(line)
        joinable = not line.endswith(_SENTENCE_END)
    return result


def parse_text(text: str) -> tuple[str, str, datetime.date | None]:
    """Plain text -> (title, body, date): first non-empty line is the title, then paragraphs.

    >>> parse_text(" Tiêu đề\\r\\nNgày 27/10/2025\\r\\nĐoạn một\\r\\ncòn tiếp.\\r\\n\\r\\nĐoạn hai.")
    ('Tiêu đề', 'Ngày 27/10/2025\\n\\nĐoạn một còn tiếp.\\n\\nĐoạn hai.', datetime.date(2025, 10, 27))
    """
    lines = [" ".join(line.split()) for line in normalize_text(text).splitlines()]
    start = next((i for i, line in enumerate(lines) if line), None)
    if start is None:
        return "", "", None
    title, rest = lines[start], lines[start + 1 :]
    date = parse_date_line(title)
    if date is not None and any(rest):  # a leading date line is not a headline
        start = next(i for i, line in enumerate(rest) if line)
        title, rest = rest[start], rest[start + 1 :]
    body = _text_paragraphs(rest)
    return title, "\n\n".join(body), date or find_date_line(body)
