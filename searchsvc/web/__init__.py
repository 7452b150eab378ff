"""The web edge: JSON API, HTML pages and health check over one `SearchEngine`."""

from .app import create_app

__all__ = ["create_app"]
