"""The storage layer's own errors: callers never see a driver's exception."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from typing import Any

import asyncpg

from ..domain.errors import Conflict, InvalidInput


class StorageUnavailable(Exception):
    """The database could not be reached or refused the transaction."""


# PostgreSQL refuses a NUL character (U+0000) in text (22021) and in jsonb (22P05); SQLite
# stores it. Either is the caller's input, not the database being unavailable.
UNSTORABLE_TEXT_STATES = frozenset({"22021", "22P05"})
UNSTORABLE_TEXT = "text holds a character the database cannot store (U+0000)"


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


# InternalClientError: a connection the server dropped while it sat in the pool (PostgreSQL
# stopping) can be caught mid-way through reading the server's farewell; asyncpg then refuses the
# next statement with "another operation is in progress". SQLAlchemy maps it to a DBAPIError.
_ASYNCPG_CONNECTION_ERRORS = (
    asyncpg.PostgresError,
    asyncpg.InterfaceError,
    asyncpg.InternalClientError,
    OSError,
    TimeoutError,
)


@contextlib.contextmanager
def asyncpg_errors(conn: Any) -> Iterator[None]:
    """asyncpg's exceptions, for statements sent on the driver's connection: a broken
    constraint is the caller's Conflict, and text PostgreSQL cannot store its invalid input.
    After anything else the connection is in an unknown state, so it is closed (the pool must
    not hand it out again) and the database is unavailable."""
    try:
        yield
    except asyncpg.IntegrityConstraintViolationError as exc:
        raise Conflict("the change conflicts with stored data") from exc
    except _ASYNCPG_CONNECTION_ERRORS as exc:
        if getattr(exc, "sqlstate", None) in UNSTORABLE_TEXT_STATES:
            raise InvalidInput(UNSTORABLE_TEXT) from exc
        conn.terminate()
        raise StorageUnavailable(type(exc).__name__) from exc
