"""One configured client per process, from the settings: nodes, credentials, TLS, timeouts.

The client spreads requests over the listed nodes and, when one stops answering,
retries the request on another (connection errors, timeouts and 502/503/504), so
a node going away costs a retry, not a failed search.
"""

from __future__ import annotations

import logging

from opensearchpy import OpenSearch

from ..errors import SearchServiceError
from ..settings import Settings


def node_urls(settings: Settings) -> list[str]:
    urls = [u.strip().rstrip("/") for u in settings.opensearch_url.split(",") if u.strip()]
    if not urls:
        raise SearchServiceError("SEARCHSVC_OPENSEARCH_URL is empty: give one or more node URLs, comma-separated")
    return urls


def connect(settings: Settings) -> OpenSearch:
    # The client logs every request at INFO, and every failed attempt (one a retry on another
    # node recovers from) with a traceback at WARNING.  What fails for good reaches the caller.
    logging.getLogger("opensearch").setLevel(logging.ERROR)
    auth: dict = {}
    if settings.opensearch_api_key:
        auth["headers"] = {"Authorization": f"ApiKey {settings.opensearch_api_key}"}
    elif settings.opensearch_user:
        auth["http_auth"] = (settings.opensearch_user, settings.opensearch_password)
    return OpenSearch(
        hosts=node_urls(settings),
        verify_certs=settings.opensearch_verify_certs,
        ca_certs=settings.opensearch_ca_certs or None,
        ssl_show_warn=settings.opensearch_verify_certs,
        timeout=settings.opensearch_timeout,
        max_retries=settings.opensearch_retries,
        retry_on_timeout=True,
        retry_on_status=(502, 503, 504),
        **auth,
    )
