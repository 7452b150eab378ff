"""The web edge: JSON API, HTML pages and health check over one `SearchService`."""

from .app import create_app

__all__ = ["create_app"]
