"""The search backend for the database in use: one per vendor, behind ``SearchBackend``."""

from __future__ import annotations

from django.db import connection

from lessons.search.backends.base import SearchBackend
from lessons.search.backends.postgres import PostgresBackend
from lessons.search.backends.sqlite import SQLiteBackend

_BACKENDS = {backend.vendor: backend for backend in (PostgresBackend(), SQLiteBackend())}


def backend() -> SearchBackend:
    """The backend for the database in use."""
    try:
        return _BACKENDS[connection.vendor]
    except KeyError:
        raise NotImplementedError(f"No search backend for {connection.vendor}") from None
