"""What storage holds, read with plain ``SELECT *`` on the test's own connection (sqlite3 or
asyncpg), never through the repositories under test."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

import asyncpg

Row = dict[str, Any]
JSON_COLUMNS = frozenset({"state", "data", "detail", "attributes", "payload"})
BOOL_COLUMNS = frozenset({"metered"})
# What the model cannot predict: keys and secrets the database or the service generated.
GENERATED = {
    "lifecycle": frozenset({"id", "tx"}),
    "audit": frozenset({"id"}),
    "credentials": frozenset({"pk", "id", "prefix", "digest"}),
}
# Each table's rows of one tenant, in a stable order. Table names are constants.
QUERIES = {
    "sessions": "SELECT * FROM sessions WHERE tenant_pk = {p} ORDER BY pk",
    "lifecycle": "SELECT * FROM lifecycle WHERE tenant_pk = {p} ORDER BY id",
    "audit": "SELECT * FROM audit WHERE tenant_pk = {p} ORDER BY id",
    "events": "SELECT * FROM events WHERE tenant_pk = {p} ORDER BY session_pk, seq",
    "subjects": "SELECT * FROM subjects WHERE tenant_pk = {p} ORDER BY pk",
    "credentials": "SELECT * FROM credentials WHERE tenant_pk = {p} ORDER BY bound_session_pk",
    "tenants": "SELECT * FROM tenants WHERE pk = {p}",
}


def normalised(table: str, raw: Row) -> Row:
    """One backend's row in one shape: JSON parsed, SQLite's 0/1 as booleans, generated
    columns dropped."""
    row: Row = {}
    for name, value in raw.items():
        if name in GENERATED.get(table, ()):
            continue
        if name in JSON_COLUMNS and isinstance(value, str | bytes):
            value = json.loads(value)
        elif name in BOOL_COLUMNS and value is not None:
            value = bool(value)
        row[name] = value
    return row


class Reader:
    """A second connection to the database the services write to."""

    def __init__(self, url: str) -> None:
        self._url = url
        self._pg: asyncpg.Connection | None = None
        self._lite: sqlite3.Connection | None = None

    async def connect(self) -> None:
        if self._url.startswith("sqlite:///"):
            self._lite = sqlite3.connect(self._url.removeprefix("sqlite:///"))
            self._lite.row_factory = sqlite3.Row
        else:
            self._pg = await asyncpg.connect(self._url)

    async def close(self) -> None:
        if self._pg is not None:
            await self._pg.close()
        if self._lite is not None:
            self._lite.close()

    async def rows(self, table: str, tenant_pk: int) -> list[Row]:
        if self._pg is not None:
            found = await self._pg.fetch(QUERIES[table].format(p="$1"), tenant_pk)
            return [normalised(table, dict(r)) for r in found]
        assert self._lite is not None
        cursor = self._lite.execute(QUERIES[table].format(p="?"), (tenant_pk,))
        result = [normalised(table, dict(r)) for r in cursor.fetchall()]
        self._lite.commit()  # end the read transaction: the next read sees later commits
        return result
