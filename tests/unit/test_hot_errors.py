"""Driver errors on the one-step close become the storage layer's own errors."""

from __future__ import annotations

import sqlite3

import asyncpg
import pytest

from sessionary.domain.errors import Conflict
from sessionary.domain.model import Actor
from sessionary.domain.ports import PlainOpen
from sessionary.storage.errors import StorageUnavailable
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
