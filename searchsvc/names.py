"""Display names for sources and categories: what readers see instead of folder slugs.

The index stores a document's source and category as they came (a folder name such
as `vntc` or `chinh-tri-xa-hoi`, or a name from an HTML page such as `Nông nghiệp -
Môi trường`).  Filters and facet values in URLs keep that stored value; only the
text shown to people goes through `DisplayNames`.

A TOML file (setting `display_names`, env SEARCHSVC_DISPLAY_NAMES) adds or replaces
names:

    [source]
    vntc = "Báo điện tử (VNTC)"

    [category]
    chinh-tri-xa-hoi = "Chính trị - Xã hội"

Values without a name are shown as they are if they read like a name already, or
with their hyphens turned into spaces and a capital first letter if they look like
a slug (`thông-cáo` -> `Thông cáo`).
"""

from __future__ import annotations

import re
import tomllib
from functools import lru_cache
from pathlib import Path

from .errors import SearchServiceError

# Folders of the bundled corpus and the topics of the VNTC news collection.
DEFAULT_NAMES: dict[str, dict[str, str]] = {
    "source": {
        "vntc": "Báo điện tử (VNTC)",
        "web": "Trang tin cơ quan nhà nước",
        "thong-cao": "Thông cáo báo chí",
    },
    "category": {
        "chinh-tri-xa-hoi": "Chính trị - Xã hội",
        "doi-song": "Đời sống",
        "khoa-hoc": "Khoa học",
        "kinh-doanh": "Kinh doanh",
        "phap-luat": "Pháp luật",
        "suc-khoe": "Sức khỏe",
        "the-gioi": "Thế giới",
        "the-thao": "Thể thao",
        "van-hoa": "Văn hóa",
        "vi-tinh": "Vi tính",
        # Further VNTC / common news-site section slugs.
        "thoi-su": "Thời sự",
        "giao-duc": "Giáo dục",
        "du-lich": "Du lịch",
        "cong-nghe": "Công nghệ",
        "kinh-te": "Kinh tế",
        "xa-hoi": "Xã hội",
        "moi-truong": "Môi trường",
        "nong-nghiep": "Nông nghiệp",
        "giai-tri": "Giải trí",
        "ban-doc": "Bạn đọc",
        "quoc-te": "Quốc tế",
    },
}

def prettify(value: str) -> str:
    """A readable form of a value that has no configured name.

    >>> prettify("thông-cáo"), prettify("chinh_tri"), prettify("Nông nghiệp - Môi trường")
    ('Thông cáo', 'Chinh tri', 'Nông nghiệp - Môi trường')
    """
    if value.islower() and " " not in value:
        text = re.sub(r"[-_]+", " ", value).strip()
        return text[:1].upper() + text[1:] if text else value
    return value


class DisplayNames:
    """`names.source("vntc")` -> 'Báo điện tử (VNTC)'; `names.get(kind, value)` for any facet."""

    def __init__(self, overrides: dict[str, dict[str, str]] | None = None):
        self.table = {kind: dict(values) for kind, values in DEFAULT_NAMES.items()}
        for kind, values in (overrides or {}).items():
            self.table.setdefault(kind, {}).update(values)

    def get(self, kind: str, value: str | None) -> str:
        if value is None or value == "":
            return ""
        return self.table.get(kind, {}).get(value) or prettify(value)

    def source(self, value: str | None) -> str:
        return self.get("source", value)

    def category(self, value: str | None) -> str:
        return self.get("category", value)


def load_names(path: Path | str | None) -> DisplayNames:
    """The defaults, plus the TOML file at `path` when given.  A broken file is an error
    that names the file (raised at startup, not on the first request)."""
    if not path:
        return DisplayNames()
    return _load(str(path))


@lru_cache(maxsize=8)
def _load(path: str) -> DisplayNames:
    try:
        with open(path, "rb") as f:
            data = tomllib.load(f)
    except OSError as exc:
        raise SearchServiceError(f"display-name file {path}: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise SearchServiceError(f"display-name file {path} is not valid TOML: {exc}") from None
    overrides: dict[str, dict[str, str]] = {}
    for kind in ("source", "category"):
        table = data.get(kind, {})
        if not isinstance(table, dict) or not all(isinstance(v, str) for v in table.values()):
            raise SearchServiceError(
                f"display-name file {path}: [{kind}] must map values to names (strings)")
        overrides[kind] = {str(k): v for k, v in table.items()}
    return DisplayNames(overrides)
