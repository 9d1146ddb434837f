"""The storage layer's own errors: callers never see a driver's exception."""

from __future__ import annotations


class StorageUnavailable(Exception):
    """The database could not be reached or refused the transaction."""
