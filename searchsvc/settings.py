"""Every setting in one table: name, default, help.  Read from SEARCHSVC_* env vars.

Tests and the CLI override values by passing keyword arguments to `load_settings`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Settings:
    backend: str = "whoosh"
    corpus_dir: Path = Path("corpus")
    index_dir: Path = Path("index")
    max_file_bytes: int = 20 * 1024 * 1024
    per_page_default: int = 10
    per_page_max: int = 100
    max_page: int = 100
    max_query_chars: int = 500
    max_query_terms: int = 32
    search_time_limit: float = 5.0
    reindex_every: str = ""
    refresh_interval: float = 2.0
    index_procs: int = 0
    # 192: a 2-process build of 20k articles peaked at 567 MB for the whole process tree
    # (881 MB at 384) at the same speed and the same warm query times (bench/README.md).
    index_limitmb: int = 192
    result_cache_size: int = 512
    search_concurrency: int = 0
    serve_workers: int = 0
    approximate_below: int = 10
    sources: str = ""
    display_names: str = ""
    opensearch_url: str = ""
    opensearch_index: str = "searchsvc"
    opensearch_user: str = ""
    opensearch_password: str = ""
    opensearch_api_key: str = ""
    opensearch_verify_certs: bool = True
    opensearch_ca_certs: str = ""
    opensearch_timeout: float = 30.0
    opensearch_retries: int = 3
    opensearch_shards: int = 1
    opensearch_replicas: int = 1
    opensearch_bulk_docs: int = 500
    opensearch_bulk_threads: int = 2
    opensearch_grace: float = 300.0


HELP: dict[str, str] = {
    "backend": "Engine that holds the documents and answers searches: whoosh (an index folder on this"
               " machine) or opensearch (a cluster; see the opensearch_* settings).",
    "corpus_dir": "Folder of press releases (.txt, .html, .htm) to index.",
    "index_dir": "Folder that holds the Whoosh index generations.",
    "max_file_bytes": "Files larger than this are skipped (and reported).",
    "per_page_default": "Results per page when the request does not say.",
    "per_page_max": "Largest accepted per_page; larger values are a 400 error.",
    "max_page": "Deepest page that can be requested; deeper is a 400 error.",
    "max_query_chars": "Queries longer than this are cut to this length.",
    "max_query_terms": "Syllables a query may hold (all words, phrases, OR branches and"
                       " exclusions together); later ones are ignored.",
    "search_time_limit": "Seconds one search may run (matching, then totals and facets) before it"
                         " returns what it has.",
    "reindex_every": "Reindex interval for `serve` (e.g. 15m); empty: no schedule.",
    "refresh_interval": "Seconds between checks for a newer committed index.",
    "index_procs": "Indexing processes, each writing its own segments (0: one per CPU).",
    "index_limitmb": "Postings memory (MB) per indexing process; a full buffer closes a segment.",
    "result_cache_size": "Finished search results kept per server process for repeated requests (0: off).",
    "search_concurrency": "Searches one process runs at once (0: one per CPU); further requests wait their"
                          " turn. Python runs one thread at a time, so more only makes every search slower.",
    "serve_workers": "Server processes for `serve`, sharing one listening socket (0: one per CPU).",
    "approximate_below": "When fewer documents than this match a query as typed, documents that match"
                         " only when accents are ignored follow them, marked approximate (0: never).",
    "sources": "Sources file (TOML) of websites to follow; `schedule` and `serve --reindex-every` then"
               " fetch before each reindex. Empty: no fetching.",
    "display_names": "TOML file of display names for sources and categories ([source] and [category]"
                     " tables: stored value = name shown); empty: the built-in names only.",
    "opensearch_url": "OpenSearch node URLs, comma-separated (backend opensearch).",
    "opensearch_index": "Alias the service searches; each rebuild creates a concrete index <alias>-<time>"
                        " and switches the alias to it.",
    "opensearch_user": "User for HTTP basic authentication to the cluster (empty: none).",
    "opensearch_password": "Password for opensearch_user.",
    "opensearch_api_key": "API key (base64 id:key) sent as `Authorization: ApiKey ...`; replaces user/password.",
    "opensearch_verify_certs": "Verify the cluster's TLS certificate (https URLs).",
    "opensearch_ca_certs": "CA bundle file for the cluster's certificate (empty: the system's).",
    "opensearch_timeout": "Seconds a request to the cluster may take before it is retried on another node.",
    "opensearch_retries": "Times a request is retried on another node after a connection error or timeout.",
    "opensearch_shards": "Primary shards of a newly built index.",
    "opensearch_replicas": "Replicas of each shard once a rebuild is published (none while it is built).",
    "opensearch_bulk_docs": "Documents per bulk request when indexing into the cluster.",
    "opensearch_bulk_threads": "Bulk requests in flight at once when indexing into the cluster.",
    "opensearch_grace": "Seconds an index replaced by a rebuild is kept (searches that started on it finish)"
                        " before it is deleted.",
}


def _coerce(value: str, default: Any) -> Any:
    if isinstance(default, bool):
        return value.lower() in {"1", "true", "yes", "on"}
    if isinstance(default, Path):
        return Path(value)
    return type(default)(value)


def load_settings(env: dict[str, str] | None = None, **overrides: Any) -> Settings:
    """Defaults, then SEARCHSVC_<NAME> environment variables, then explicit overrides.

    >>> load_settings({"SEARCHSVC_INDEX_DIR": "/tmp/ix"}).index_dir
    PosixPath('/tmp/ix')
    """
    env = os.environ if env is None else env
    base = Settings()
    values: dict[str, Any] = {}
    for f in fields(Settings):
        raw = env.get(f"SEARCHSVC_{f.name.upper()}")
        if raw not in (None, ""):
            values[f.name] = _coerce(raw, getattr(base, f.name))
    for name, value in overrides.items():
        if value is not None:
            default = getattr(base, name)
            values[name] = _coerce(value, default) if isinstance(value, str) else value
    return replace(base, **values)
