"""The storage layer's own errors: callers never see a driver's exception."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator

from ..domain.errors import Conflict


class StorageUnavailable(Exception):
    """The database could not be reached or refused the transaction."""


@contextlib.contextmanager
def sqlite_errors() -> Iterator[None]:
    """sqlite3's exceptions as the storage layer's: a broken constraint is the caller's
    Conflict, anything else (locked past the busy timeout, disk full, ...) is unavailable."""
    try:
        yield
    except sqlite3.IntegrityError as exc:
        raise Conflict("the change conflicts with stored data") from exc
    except sqlite3.Error as exc:
        raise StorageUnavailable(type(exc).__name__) from exc
