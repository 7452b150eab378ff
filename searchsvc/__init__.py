"""searchsvc: full-text search for Vietnamese press releases."""

__version__ = "0.1.0"
