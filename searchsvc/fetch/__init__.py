"""Follow press offices' websites: discover releases in feeds and sitemaps, fetch them politely
into corpus/<source>/ (with a sidecar holding the original URL), and leave indexing to the indexer.

Usage: run_fetch(load_sources("sources.toml"), Path("corpus")) -> FetchSummary.
"""

from .client import FetchOptions
from .config import Source, SourcesError, load_sources
from .run import FetchBusy, FetchSummary, read_last_fetch, run_fetch

__all__ = ["FetchBusy", "FetchOptions", "FetchSummary", "Source", "SourcesError", "load_sources",
           "read_last_fetch", "run_fetch"]
