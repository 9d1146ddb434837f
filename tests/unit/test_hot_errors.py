"""Driver errors on the one-step close become the storage layer's own errors."""

from __future__ import annotations

import sqlite3

import asyncpg
import pytest
from sqlalchemy.exc import DBAPIError

from sessionary.domain.errors import Conflict, InvalidInput
from sessionary.domain.model import Actor
from sessionary.domain.ports import PlainOpen
from sessionary.storage.errors import StorageUnavailable, refused_input
from sessionary.storage.repositories import hot

ACTOR = Actor(credential_pk=1, request_id="r", label="api")


class FailingSqlite:
    def __init__(self, error: Exception) -> None:
        self.error = error

    def execute(self, *args: object) -> None:
        raise self.error


class FailingAsyncpg:
    def __init__(self, error: BaseException) -> None:
        self.error = error
        self.terminated = False

    async def fetchrow(self, *args: object) -> None:
        raise self.error

    def terminate(self) -> None:
        self.terminated = True


def test_a_locked_sqlite_database_is_reported_as_unavailable() -> None:
    conn = FailingSqlite(sqlite3.OperationalError("database is locked"))
    with pytest.raises(StorageUnavailable):
        hot.close_live_sqlite(conn, 1, "s", 0, "client", None, ACTOR)


def test_a_sqlite_constraint_failure_is_a_conflict() -> None:
    conn = FailingSqlite(sqlite3.IntegrityError("UNIQUE constraint failed"))
    with pytest.raises(Conflict):
        hot.close_live_sqlite(conn, 1, "s", 0, "client", None, ACTOR)


async def test_a_lost_postgresql_connection_is_unavailable_and_never_reused() -> None:
    conn = FailingAsyncpg(asyncpg.ConnectionDoesNotExistError("gone"))
    with pytest.raises(StorageUnavailable):
        await hot.close_live_postgres(conn, 1, "s", 0, "client", None, ACTOR)
    assert conn.terminated


async def test_a_statement_timeout_is_unavailable() -> None:
    conn = FailingAsyncpg(TimeoutError())
    with pytest.raises(StorageUnavailable):
        await hot.close_live_postgres(conn, 1, "s", 0, "client", None, ACTOR)


async def test_a_connection_caught_reading_the_servers_farewell_is_unavailable_and_dropped() -> (
    None
):
    busy = "cannot switch to state 12; another operation (2) is in progress"
    conn = FailingAsyncpg(asyncpg.InternalClientError(busy))
    with pytest.raises(StorageUnavailable):
        await hot.open_plain_postgres(conn, _plain(), 0, ACTOR)
    assert conn.terminated


def _plain() -> PlainOpen:
    return PlainOpen(
        tenant_pk=1,
        id="s",
        subject_kind="user",
        subject_id="1",
        scope=None,
        alias=None,
        idle_timeout_s=None,
        max_lifetime_s=None,
        metered=True,
        state={},
        dialect="native",
        owner=None,
    )


# What a driver raises for a value it cannot store, by backend: each is the caller's input.
SQLITE_REFUSED: dict[str, BaseException] = {
    "int-beyond-64-bits": OverflowError("Python int too large to convert to SQLite INTEGER"),
    "too-big": sqlite3.DataError("string or blob too big"),
}
ASYNCPG_REFUSED: dict[str, BaseException] = {
    "client-int64": asyncpg.DataError("invalid input for query argument $1: 92233720..."),
    "out-of-range": asyncpg.NumericValueOutOfRangeError("bigint out of range"),
    "too-long": asyncpg.StringDataRightTruncationError("value too long for type varchar(80)"),
    "not-in-repertoire": asyncpg.CharacterNotInRepertoireError("invalid byte sequence"),
    "untranslatable": asyncpg.UntranslatableCharacterError("unsupported Unicode escape"),
    "invalid-text": asyncpg.InvalidTextRepresentationError("invalid input syntax for type bigint"),
    "nul-in-text": asyncpg.CharacterNotInRepertoireError("invalid byte sequence: 0x00"),
}


@pytest.mark.parametrize("error", SQLITE_REFUSED.values(), ids=SQLITE_REFUSED.keys())
def test_a_value_sqlite_refuses_is_the_callers_invalid_input(error: Exception) -> None:
    with pytest.raises(InvalidInput):
        hot.close_live_sqlite(FailingSqlite(error), 1, "s", 0, "client", None, ACTOR)


@pytest.mark.parametrize("error", ASYNCPG_REFUSED.values(), ids=ASYNCPG_REFUSED.keys())
async def test_a_value_postgresql_refuses_is_invalid_input_and_keeps_the_connection(
    error: BaseException,
) -> None:
    conn = FailingAsyncpg(error)
    with pytest.raises(InvalidInput):
        await hot.open_plain_postgres(conn, _plain(), 0, ACTOR)
    assert not conn.terminated


REFUSED = SQLITE_REFUSED | ASYNCPG_REFUSED


@pytest.mark.parametrize("error", REFUSED.values(), ids=REFUSED.keys())
def test_a_refused_value_wrapped_by_sqlalchemy_is_invalid_input(error: BaseException) -> None:
    wrapped = DBAPIError("SELECT 1", {}, _as_adapter_error(error))
    assert isinstance(refused_input(wrapped), InvalidInput)


def _as_adapter_error(error: BaseException) -> Exception:
    """As SQLAlchemy's asyncpg adapter re-raises a driver error: its own, caused by it."""
    adapted = Exception(str(error))
    adapted.sqlstate = getattr(error, "sqlstate", None)  # type: ignore[attr-defined]
    adapted.__cause__ = error
    return adapted


@pytest.mark.parametrize(
    "error",
    [
        asyncpg.InterfaceError("connection is closed"),
        asyncpg.ConnectionDoesNotExistError("gone"),
        asyncpg.AdminShutdownError("terminating connection due to administrator command"),
        asyncpg.DiskFullError("could not extend file"),
        sqlite3.OperationalError("database is locked"),
        TimeoutError(),
    ],
)
def test_a_database_failure_is_never_taken_for_refused_input(error: BaseException) -> None:
    assert refused_input(DBAPIError("SELECT 1", {}, _as_adapter_error(error))) is None
    assert refused_input(error) is None
