"""Driver errors translated into the domain's (``StorageUnavailable``, ``Conflict``,
``InvalidInput``) at this one boundary: callers never see a driver's exception."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from typing import Any

import asyncpg
import asyncpg.exceptions

from ..domain.errors import Conflict, InvalidInput
from ..domain.errors import StorageUnavailable as StorageUnavailable  # raised here, defined there

# PostgreSQL refuses a NUL character (U+0000) in text (22021) and in jsonb (22P05); SQLite
# stores it. Either is the caller's input, not the database being unavailable.
UNSTORABLE_TEXT_STATES = frozenset({"22021", "22P05"})
UNSTORABLE_TEXT = "text holds a character the database cannot store (U+0000)"
OUT_OF_RANGE = "a number is out of the range the database can store"
TOO_LONG = "a text is longer than the database can store"
UNSTORABLE_VALUE = "a value the database cannot store"

# Refusals of a value the caller sent, before or after it reached the database: sqlite3 cannot
# bind an int beyond 64 bits (OverflowError) and says DataError for a string or blob too big;
# asyncpg's client cannot encode such an int either (its DataError, sent nowhere); PostgreSQL
# refuses a value out of range, too long or not valid text with SQLSTATE class 22 (its
# DataError). None of them says anything about the database, so none may tell a client to
# retry, close a connection or count against readiness.
_REFUSED_VALUES: tuple[type[BaseException], ...] = (
    OverflowError,
    sqlite3.DataError,
    asyncpg.DataError,  # the client's (an InterfaceError)
    asyncpg.exceptions.DataError,  # the server's class 22
)
_MESSAGES = {"22003": OUT_OF_RANGE, "22001": TOO_LONG} | dict.fromkeys(
    UNSTORABLE_TEXT_STATES, UNSTORABLE_TEXT
)


def refused_input(exc: BaseException) -> InvalidInput | None:
    """The caller's InvalidInput when ``exc`` (or what it wraps: SQLAlchemy's ``orig``, the
    asyncpg adapter's cause) is a driver refusing a value sent; None for anything else."""
    chain = _chain(exc)
    states = [s for s in (getattr(e, "sqlstate", None) for e in chain) if isinstance(s, str)]
    if not any(isinstance(e, _REFUSED_VALUES) for e in chain) and not any(
        s.startswith("22") for s in states
    ):
        return None
    # asyncpg's client says 22000 for an int it cannot encode; the OverflowError under it why.
    if any(isinstance(e, OverflowError) for e in chain):
        return InvalidInput(OUT_OF_RANGE)
    return InvalidInput(_MESSAGES.get(states[-1] if states else "", UNSTORABLE_VALUE))


# A named prepared statement that the server connection does not have (26000) or has already
# (42P05): the URL goes through a transaction-pooling proxy while the statement caches are on.
_POOLED_AWAY_STATES = frozenset({"26000", "42P05"})
POOL_MODE_HINT = (
    "{name}: a prepared statement was not on the server connection; the database URL goes"
    " through a transaction-pooling proxy (PgBouncer pool_mode=transaction): set"
    " SESSIONARY_PG_POOL_MODE=transaction"
)


def unavailable_reason(exc: BaseException) -> str:
    """What ``StorageUnavailable`` says (and the 503's log line) for a driver error: its type
    name, or for a statement lost to a transaction pooler, the setting that fixes it."""
    chain = _chain(exc)
    name = type(chain[-1]).__name__
    if any(getattr(e, "sqlstate", None) in _POOLED_AWAY_STATES for e in chain):
        return POOL_MODE_HINT.format(name=name)
    return type(exc).__name__


def _chain(exc: BaseException) -> list[BaseException]:
    """SQLAlchemy's error, the asyncpg adapter's, asyncpg's, the OverflowError under it."""
    chain: list[BaseException] = []
    seen: BaseException | None = exc
    while seen is not None and len(chain) < 5:
        chain.append(seen)
        seen = getattr(seen, "orig", None) or seen.__cause__
    return chain


@contextlib.contextmanager
def sqlite_errors() -> Iterator[None]:
    """sqlite3's exceptions as the storage layer's: a broken constraint is the caller's
    Conflict, a value it cannot store their InvalidInput, anything else (locked past the busy
    timeout, disk full, ...) is unavailable."""
    try:
        yield
    except sqlite3.IntegrityError as exc:
        raise Conflict("the change conflicts with stored data") from exc
    except (sqlite3.Error, OverflowError) as exc:
        raise refused_input(exc) or StorageUnavailable(type(exc).__name__) from exc


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
    constraint is the caller's Conflict, a value the database cannot store their InvalidInput
    (the connection stays as it was: the unit of work rolls back). After anything else the
    connection is in an unknown state, so it is closed (the pool must not hand it out again)
    and the database is unavailable."""
    try:
        yield
    except asyncpg.IntegrityConstraintViolationError as exc:
        raise Conflict("the change conflicts with stored data") from exc
    except (*_ASYNCPG_CONNECTION_ERRORS, OverflowError) as exc:
        refused = refused_input(exc)
        if refused is not None:
            raise refused from exc
        conn.terminate()
        raise StorageUnavailable(unavailable_reason(exc)) from exc
