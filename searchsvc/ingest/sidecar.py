"""What a fetched page's sidecar says about it: the original URL and the feed's date.

`searchsvc fetch` writes `.<file>.json` beside each page it saves (see
searchsvc/fetch/pages.py).  The page's own metadata still wins for the date;
the sidecar's URL wins over a canonical link, because it is where the page was
actually found.  A missing or broken sidecar is no sidecar.
"""

from __future__ import annotations

import datetime
import json
import os
import stat
from pathlib import Path

MAX_SIDECAR_BYTES = 64 * 1024


def sidecar_path(page: Path) -> Path:
    return page.with_name(f".{page.name}.json")


def read_sidecar(page: Path) -> tuple[str | None, datetime.date | None]:
    """(url, published date) from the page's sidecar, if it has a usable one."""
    path = sidecar_path(page)
    try:
        info = os.lstat(path)  # a symlinked sidecar is ignored: it could point anywhere
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_SIDECAR_BYTES:
            return None, None
        meta = json.loads(path.read_bytes().decode("utf-8"))
    except (OSError, ValueError):
        return None, None
    if not isinstance(meta, dict):
        return None, None
    url = meta.get("url")
    url = url if isinstance(url, str) and url.startswith(("http://", "https://")) else None
    try:
        published = datetime.date.fromisoformat(meta.get("published") or "")
    except (TypeError, ValueError):
        published = None
    return url, published
