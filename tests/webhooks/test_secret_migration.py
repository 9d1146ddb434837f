"""Migration 0009 (the previous webhook secret) is additive: a subscription made before it
keeps its secret and delivers, and the statements of the previous release (which name no new
column) still work once it ran; it also undoes cleanly. On both backends."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import Connection, insert, select, update

from sessionary.storage.migrate import _config, current, upgrade, with_connection
from sessionary.storage.tables import tenants, webhooks
from tests.pgcluster import PgCluster

_OLD_COLUMNS = [c for c in webhooks.c if not c.name.startswith("previous_secret")]


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'old.db'}"
        return
    cluster: PgCluster = request.getfixturevalue("pg_cluster")
    name = f"before_0009_{tmp_path.name[-12:].lower()}".replace("-", "_")
    url = cluster.create_database(name)
    yield url
    cluster.drop_database(name)


def _committed(fn: Callable[[Connection], Any]) -> Callable[[Connection], Any]:
    """``fn`` then a commit: the migration runner hands out a connection outside any
    transaction, and a write left in its implicit one would be rolled back."""

    def run(conn: Connection) -> Any:
        result = fn(conn)
        conn.commit()
        return result

    return run


def _previous_release_writes(conn: Connection) -> None:
    """A tenant and a subscription, as the previous release's statements write them."""
    conn.execute(
        insert(tenants).values(
            pk=1, id="tn_1", name="acme", allow_extend=True, settings={}, created_at=1
        )
    )
    row: dict[str, Any] = {
        "pk": 1, "id": "wh_1", "tenant_pk": 1, "url": "https://example.com/", "event_types": [],
        "secret_sealed": "sealed-old", "active": True, "cursor_tx": 0, "cursor": 0,
        "created_at": 1,
    }  # fmt: skip
    conn.execute(insert(webhooks).values(row))


def _read(conn: Connection, *columns: Any) -> tuple[Any, ...]:
    return tuple(conn.execute(select(*columns).where(webhooks.c.pk == 1)).one())


def test_the_new_columns_start_empty_and_the_previous_releases_statements_still_run(
    empty_url: str,
) -> None:
    upgrade(empty_url, "0008")
    with_connection(empty_url, _committed(_previous_release_writes))

    upgrade(empty_url)

    assert current(empty_url) == "0009"
    c = webhooks.c
    assert with_connection(
        empty_url, lambda conn: _read(conn, c.secret_sealed, *_new_columns())
    ) == ("sealed-old", None, None)

    def previous_release_patch(conn: Connection) -> tuple[Any, ...]:
        conn.execute(update(webhooks).where(c.pk == 1).values(active=False, secret_sealed="x"))
        return _read(conn, *_OLD_COLUMNS)

    patched = dict(
        zip(
            [col.name for col in _OLD_COLUMNS],
            with_connection(empty_url, _committed(previous_release_patch)),
            strict=True,
        )
    )
    assert (patched["active"], patched["secret_sealed"]) == (False, "x")


def test_the_migration_undoes_without_losing_the_subscription(empty_url: str) -> None:
    upgrade(empty_url, "0008")
    with_connection(empty_url, _committed(_previous_release_writes))
    upgrade(empty_url)

    with_connection(empty_url, lambda conn: command.downgrade(_config(conn), "0008"))

    assert current(empty_url) == "0008"
    assert with_connection(empty_url, lambda conn: _read(conn, webhooks.c.secret_sealed)) == (
        "sealed-old",
    )


def _new_columns() -> list[Any]:
    return [webhooks.c.previous_secret_sealed, webhooks.c.previous_secret_expires_at]
