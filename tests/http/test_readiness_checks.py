"""/readyz names each check (database, writable, schema, draining) and is 503 naming every one
that fails: a database that does not answer, a schema this code cannot serve (behind, or ahead
past an incompatible migration), a server that is draining."""

from __future__ import annotations

import asyncio
import socket
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg
import httpx
from litestar import Litestar

from sessionary.bootstrap import build
from sessionary.config import Settings
from sessionary.http.app import create_app
from sessionary.http.health import (
    CHECK_TIMEOUT_S,
    NOT_CHECKED,
    NOT_CHECKED_DRAINING,
    readiness,
)
from sessionary.storage.migrate import head, lineage


@asynccontextmanager
async def served(database_url: str) -> AsyncIterator[tuple[Litestar, httpx.AsyncClient]]:
    settings = Settings(
        database_url=database_url,
        sweep_interval_s=0,
        webhook_interval_s=0,
        environment="test",
        db_timeout_s=2,
    )
    container = build(settings)
    app = create_app(container)
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    try:
        async with app.lifespan(), httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            yield app, c
    finally:
        await container.close()


async def execute(database_url: str, *statements: str) -> None:
    if database_url.startswith("sqlite"):
        with sqlite3.connect(database_url.split("///", 1)[1]) as conn:
            for statement in statements:
                conn.execute(statement)
        return
    conn = await asyncpg.connect(database_url)
    try:
        for statement in statements:
            await conn.execute(statement)
    finally:
        await conn.close()


def set_revision(revision: str) -> str:
    return f"UPDATE alembic_version SET version_num = '{revision}'"


async def test_a_healthy_server_reports_every_check_ok(database_url: str) -> None:
    async with served(database_url) as (_, client):
        response = await client.get("/readyz")
    assert response.status_code == 200
    checks = {"draining": "ok", "database": "ok", "writable": "ok", "schema": "ok"}
    assert response.json() == {"status": "ok", "checks": checks}


async def test_draining_makes_readyz_503_naming_draining_while_healthz_stays_200(
    database_url: str,
) -> None:
    async with served(database_url) as (app, client):
        readiness(app).draining = True
        response = await client.get("/readyz")
        assert (await client.get("/healthz")).status_code == 200
    assert response.status_code == 503
    assert response.json()["failing"] == ["draining", "database", "writable", "schema"]
    assert response.json()["checks"]["database"] == NOT_CHECKED_DRAINING  # answered at once


async def test_a_database_that_does_not_answer_is_named_and_the_rest_not_checked() -> None:
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    async with served(f"postgresql://u@127.0.0.1:{port}/none") as (_, client):
        response = await client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert (body["failing"][0], body["reason"]) == ("database", "the database does not answer")
    assert body["checks"]["schema"] == NOT_CHECKED
    assert body["checks"]["draining"] == "ok"


async def test_an_empty_sqlite_file_is_named_as_a_schema_to_upgrade(tmp_path: Path) -> None:
    async with served(f"sqlite:///{tmp_path}/empty.db") as (_, client):
        response = await client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["failing"] == ["schema"]
    assert response.json()["reason"] == "the database is empty; run: sessionary db upgrade"


async def test_a_schema_behind_this_code_is_named(database_url: str) -> None:
    await execute(database_url, set_revision(lineage()[1]))
    async with served(database_url) as (_, client):
        response = await client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["failing"] == ["schema"]
    assert "is behind this code's" in response.json()["checks"]["schema"]


async def test_a_schema_ahead_is_served_when_compatible_and_refused_when_not(
    database_url: str,
) -> None:
    await execute(
        database_url,
        set_revision("zz_ahead"),
        "INSERT INTO schema_compat (revision, compatible_with_previous, oldest_reader)"
        f" VALUES ('zz_ahead', true, '{head()}')",
    )
    async with served(database_url) as (_, client):
        ahead = await client.get("/readyz")
    assert ahead.status_code == 200
    assert ahead.json()["schema"] == f"schema zz_ahead is ahead of this code's {head()}; compatible"
    await execute(database_url, "UPDATE schema_compat SET oldest_reader = 'zz_ahead'")
    async with served(database_url) as (_, client):
        refused = await client.get("/readyz")
    assert refused.status_code == 503
    assert "not compatible with older code" in refused.json()["checks"]["schema"]


async def test_a_check_added_by_another_part_is_named_after_the_standard_ones(
    database_url: str,
) -> None:
    async def spool() -> str | None:
        return "the spool is full"

    async with served(database_url) as (app, client):
        readiness(app).add("spool", spool)
        response = await client.get("/readyz")
    assert response.status_code == 503
    names = list(response.json()["checks"])
    assert (names[0], names[-1]) == ("draining", "spool")
    assert (response.json()["failing"], response.json()["reason"]) == (
        ["spool"],
        "the spool is full",
    )


async def test_a_check_that_hangs_is_named_within_its_bound_and_readyz_still_answers(
    database_url: str,
) -> None:
    async def stuck() -> str | None:
        await asyncio.sleep(60)
        return None

    async with served(database_url) as (app, client):
        readiness(app).add("stuck", stuck)
        response = await client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["stuck"] == f"no answer within {CHECK_TIMEOUT_S:g} s"
