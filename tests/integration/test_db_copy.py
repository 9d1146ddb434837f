"""``sessionary db copy``: a SQLite database filled through the real services and API, copied
into PostgreSQL; ids, sequences and stream positions carry over, counts and checksums are
checked, a filled target is refused and an interrupted copy completes when run again."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.ext.asyncio import create_async_engine
from typer.testing import CliRunner

from sessionary.bootstrap import Container, build
from sessionary.cli import app
from sessionary.config import Settings
from sessionary.dialects.casino.partners import add_game, create_partner
from sessionary.domain.model import NewEvent, TenantPolicy
from sessionary.http.app import create_app
from sessionary.services.sessions import OpenRequest
from sessionary.storage.copying import (
    DATA_TABLES,
    CopyOptions,
    CopyRefused,
    copy_database,
    prepare,
)
from sessionary.storage.database import to_asyncpg_url
from sessionary.storage.tables import lifecycle, sessions, webhook_deliveries, webhooks
from tests.conftest import PG_TEMPLATE, TEST_ACTOR, key_headers
from tests.pgcluster import PgCluster
from tests.support import postgres_database, sqlite_database
from tests.webhooks.receiver import Receiver

runner = CliRunner()
SECRET_KEY = "copy-test-key"  # the same on both sides: sealed values are copied as they are
OPEN = {"subject": {"kind": "user", "id": "u1"}, "scope": "game"}


@dataclass(frozen=True, slots=True)
class Source:
    settings: Settings
    headers: dict[str, str]  # an API key of tenant acme
    active_session: str


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver().start()
    yield r
    r.stop()


@pytest.fixture
def source(sqlite_template_file: Path, tmp_path: Path, receiver: Receiver) -> Source:
    settings = Settings.model_validate(
        {
            "database_url": sqlite_database(sqlite_template_file, tmp_path),
            "sweep_interval_s": 0,
            "webhook_interval_s": 0,
            "environment": "test",
            "secret_key": SECRET_KEY,
            "webhook_allowed_networks": "127.0.0.0/8",  # the receiver listens on 127.0.0.1
        }
    )
    return asyncio.run(_populate(settings, receiver.url))


@pytest.fixture
def target(pg_cluster: PgCluster) -> str:
    """An empty PostgreSQL database migrated to head."""
    return postgres_database(pg_cluster.port, PG_TEMPLATE)


async def _populate(settings: Settings, hook_url: str) -> Source:
    """Every table gets rows the way a server writes them."""
    c = build(settings)
    try:
        tenant = await c.tenants.create("acme", TenantPolicy(), TEST_ACTOR)
        await create_partner(c, "acme", TEST_ACTOR, "S100", "TOK-0001", "testKey")
        await add_game(c, "acme", "lm_1_pumpkinfarm", "Pumpkin Farm", TEST_ACTOR)
        hook = await c.webhooks.create(tenant.pk, hook_url, [], TEST_ACTOR)
        await c.webhooks.rotate_secret(tenant.pk, hook.webhook.id, TEST_ACTOR, 3600)  # both sign
        headers = await key_headers(c, tenant.pk)
        ids = await _open_over_http(c, headers)
        for n, session_id in enumerate(ids):
            batch = [
                NewEvent("step", {"n": n, "i": i, "x": 0.5}, f"d{i}", ordinal=i) for i in range(7)
            ]
            await c.events.append(tenant.pk, session_id, batch)
        await c.work.start(tenant.pk, ids[0], {"round": "R1"})
        await c.sessions.close(tenant.pk, ids[1], TEST_ACTOR)
        await c.dispatcher.run_once()  # fans out and delivers: deliveries and a moved cursor
        await c.sessions.close(tenant.pk, ids[2], TEST_ACTOR)  # a record not yet fanned out
        await c.sessions.extend(tenant.pk, ids[0], 600, TEST_ACTOR)  # the newest, dropped below
    finally:
        await c.close()
    _drop_newest_record(settings.database_url)
    return Source(settings, headers, ids[0])


async def _open_over_http(c: Container, headers: dict[str, str]) -> list[str]:
    """Sessions opened with Idempotency-Key, so stored responses exist too."""
    app_ = create_app(c)
    transport = httpx.ASGITransport(app=app_)  # type: ignore[arg-type]
    opened = []
    async with app_.lifespan(), httpx.AsyncClient(transport=transport, base_url="http://t") as h:
        for i in range(3):
            body = {**OPEN, "subject": {"kind": "user", "id": f"u{i}"}}
            sent = {**headers, "Idempotency-Key": f"open-{i}"}
            reply = await h.post("/v1/sessions", json=body, headers=sent)
            assert reply.status_code == 201, reply.text
            opened.append(reply.json()["id"])
    return opened


def _drop_newest_record(url: str) -> None:
    """As retention might: SQLite's AUTOINCREMENT still remembers the id, and PostgreSQL
    must never hand it out again either."""
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM lifecycle WHERE id = (SELECT max(id) FROM lifecycle)"))
    engine.dispose()


def query(url: str, stmt: Any) -> list[Any]:
    """Rows of one statement on either engine (PostgreSQL through asyncpg, as the app)."""
    if url.startswith("sqlite"):
        engine = create_engine(url)
        with engine.begin() as conn:
            result = conn.execute(stmt)
            found = list(result) if result.returns_rows else []
        engine.dispose()
        return found
    return asyncio.run(_pg_query(url, stmt))


async def _pg_query(url: str, stmt: Any) -> list[Any]:
    engine = create_async_engine(to_asyncpg_url(url))
    try:
        async with engine.begin() as conn:
            result = await conn.execute(stmt)
            return list(result) if result.returns_rows else []
    finally:
        await engine.dispose()


def counts(url: str) -> dict[str, int]:
    return {
        t.name: query(url, select(func.count()).select_from(t))[0][0]
        for t in DATA_TABLES
    }


def cli_copy(source: Source, target: str, *options: str) -> Any:
    env = {
        "SESSIONARY_DATABASE_URL": source.settings.database_url,
        "SESSIONARY_ENVIRONMENT": "test",
        "SESSIONARY_SECRET_KEY": SECRET_KEY,
    }
    return runner.invoke(app, ["db", "copy", "--to", target, *options], env=env)


def copied_json(source: Source, target: str, *options: str) -> dict[str, Any]:
    result = cli_copy(source, target, "--json", *options)
    assert result.exit_code == 0, result.output
    summary: dict[str, Any] = json.loads(result.stdout)
    return summary


def keys(url: str) -> dict[str, list[Any]]:
    return {
        t.name: [
            tuple(r)
            for r in query(url, select(*t.primary_key.columns).order_by(*t.primary_key.columns))
        ]
        for t in (sessions, lifecycle, webhooks, webhook_deliveries)
    }


def test_every_table_is_copied_with_its_ids_and_verified_by_count_and_checksum(
    source: Source, target: str
) -> None:
    url = source.settings.database_url
    before = counts(url)
    assert all(before.values()), before  # the source fills every table, so each is tested

    summary = copied_json(source, target)

    assert {t["table"]: t["rows"] for t in summary["tables"]} == before
    assert {t["table"] for t in summary["tables"]} == {t.name for t in DATA_TABLES}
    assert all(len(t["checksum"]) == 64 and t["rows_per_s"] >= 0 for t in summary["tables"])
    assert counts(target) == before
    assert keys(target) == keys(url)
    assert "sessionary_copy" not in str(query(target, text("SELECT tablename FROM pg_tables")))


def test_after_the_copy_ids_events_webhooks_and_the_stream_continue_where_they_were(
    source: Source, target: str, receiver: Receiver
) -> None:
    url = source.settings.database_url
    [(floor,)] = query(url, text("SELECT seq FROM sqlite_sequence WHERE name = 'lifecycle'"))
    [(top_session,)] = query(url, select(func.max(sessions.c.pk)))
    [(cursor,)] = query(url, select(webhooks.c.cursor))
    delivered = {r[0] for r in query(url, select(webhook_deliveries.c.lifecycle_id))}
    copied_json(source, target)

    moved = Settings.model_validate({**source.settings.model_dump(), "database_url": target})
    new_pk, new_records = asyncio.run(_continue(moved, source))

    assert new_pk > top_session
    assert min(r.id for r in new_records) > floor  # a dropped id is never handed out again
    after_cursor = {
        r[0] for r in query(target, select(lifecycle.c.id).where(lifecycle.c.id > cursor))
    }
    fanned = {r[0] for r in query(target, select(webhook_deliveries.c.lifecycle_id))} - delivered
    assert fanned == after_cursor and len(fanned) >= 2  # the copied pending record and the new
    statuses = query(target, select(webhook_deliveries.c.status))
    assert {s for (s,) in statuses} == {"delivered"}  # the sealed secret opens on the target
    after_switch = [p for p in receiver.posts if int(p.event_id) in fanned]
    assert {int(p.event_id) for p in after_switch} == fanned
    # Both secrets of the rotation, sealed on SQLite, still sign on PostgreSQL.
    assert all(len(p.headers["webhook-signature"].split(" ")) == 2 for p in after_switch)


async def _continue(settings: Settings, source: Source) -> tuple[int, list[Any]]:
    """On the target: an append, a new session, the webhook and the stream."""
    c = build(settings)
    try:
        tenant = await c.tenants.find("acme")
        appended = await c.events.append(tenant.pk, source.active_session, [NewEvent("late", {})])
        assert appended.first_seq == 8  # seven copied, numbering goes on from the row
        last_copied = (await c.stream.start(tenant.pk, None))[1]
        opened = await c.sessions.open(tenant.pk, OpenRequest("user", "new"), TEST_ACTOR)
        await c.dispatcher.run_once()
        stream = await c.stream.page(tenant.pk, (0, last_copied), 100)
        assert [r.session_id for r in stream] == [opened.id]
        await _read_over_http(c, source)
        return opened.pk, stream
    finally:
        await c.close()


async def _read_over_http(c: Container, source: Source) -> None:
    """The API key issued on SQLite still opens the copied session."""
    app_ = create_app(c)
    transport = httpx.ASGITransport(app=app_)  # type: ignore[arg-type]
    async with app_.lifespan(), httpx.AsyncClient(transport=transport, base_url="http://t") as h:
        reply = await h.get(f"/v1/sessions/{source.active_session}", headers=source.headers)
    assert reply.status_code == 200, reply.text


def test_a_target_that_holds_rows_is_refused_and_left_as_it_was(
    source: Source, target: str
) -> None:
    query(
        target,
        text("INSERT INTO idempotency (scope_key, request_hash, created_at) VALUES ('k', 'h', 1)"),
    )

    result = cli_copy(source, target)

    assert result.exit_code == 1
    assert "not empty" in result.output and "idempotency" in result.output
    assert sum(counts(target).values()) == 1


def test_a_target_without_the_schema_is_refused_unless_migrate_is_given(
    source: Source, pg_cluster: PgCluster
) -> None:
    bare = pg_cluster.create_database(f"bare_{id(source)}")

    refused = cli_copy(source, bare)
    assert refused.exit_code == 1 and "--migrate" in refused.output

    summary = copied_json(source, bare, "--migrate")
    assert sum(t["rows"] for t in summary["tables"]) == sum(counts(bare).values())


class Interrupted(Exception):
    pass


def test_an_interrupted_copy_goes_on_where_it_stopped_when_run_again(
    source: Source, target: str
) -> None:
    url = source.settings.database_url

    def stop_after_five(table: str, batches: int) -> None:
        if batches == 5:
            raise Interrupted

    with pytest.raises(Interrupted):
        options = CopyOptions(batch_size=2, after_batch=stop_after_five)
        asyncio.run(copy_database(url, target, options))
    partial = counts(target)
    assert 0 < sum(partial.values()) < sum(counts(url).values())

    summary = copied_json(source, target, "--batch-size", "3")

    assert sum(t["copied"] for t in summary["tables"]) == sum(counts(url).values()) - sum(
        partial.values()
    )
    assert counts(target) == counts(url)
    assert keys(target) == keys(url)


def test_a_row_changed_in_the_target_during_an_interruption_fails_the_verification(
    source: Source, target: str
) -> None:
    def stop_in_sessions(table: str, batches: int) -> None:
        if table == "sessions":
            raise Interrupted

    with pytest.raises(Interrupted):
        options = CopyOptions(batch_size=2, after_batch=stop_in_sessions)
        asyncio.run(copy_database(source.settings.database_url, target, options))
    query(target, text("UPDATE sessions SET status = 'deleted'"))

    result = cli_copy(source, target)

    assert result.exit_code == 1
    assert "verification failed" in result.output and "sessions" in result.output


def test_an_unfinished_copy_of_another_database_is_not_finished_from_this_one(
    source: Source, target: str
) -> None:
    def stop_at_once(table: str, batches: int) -> None:
        raise Interrupted

    with pytest.raises(Interrupted):
        options = CopyOptions(after_batch=stop_at_once)
        asyncio.run(copy_database(source.settings.database_url, target, options))
    query(target, text("UPDATE sessionary_copy SET source = '/elsewhere/sessionary.db'"))

    result = cli_copy(source, target)

    assert result.exit_code == 1
    said = " ".join(result.output.split())  # Rich wraps the message at the terminal's width
    assert "unfinished copy of another database (/elsewhere/sessionary.db)" in said


def test_prepare_refuses_a_source_that_is_not_a_sqlite_file(target: str) -> None:
    with pytest.raises(CopyRefused, match="SQLite"):
        prepare(target, target)


def test_a_target_url_with_an_unsupported_option_is_refused_without_its_password(
    sqlite_template_file: Path, tmp_path: Path
) -> None:
    url = sqlite_database(sqlite_template_file, tmp_path)
    with pytest.raises(CopyRefused, match="keepalives") as refused:
        prepare(url, "postgresql://app:s3cret@db.internal/x?sslmode=require&keepalives=1")
    assert "s3cret" not in str(refused.value) and "***" in str(refused.value)


def test_a_copy_killed_mid_table_finishes_when_run_again(source: Source, target: str) -> None:
    """SIGKILL, not an exception: whatever the process had in flight is lost, and the batches
    committed before it are kept."""
    url = source.settings.database_url
    _grow_events(url, 6000)
    total = counts(url)
    env = {**os.environ, "SESSIONARY_DATABASE_URL": url, "SESSIONARY_SECRET_KEY": SECRET_KEY}
    command = [sys.executable, "-c", "from sessionary.cli import main; main()", "db", "copy"]
    proc = subprocess.Popen(
        [*command, "--to", target, "--batch-size", "20", "--json"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for_rows(target, "events", proc)
    finally:
        proc.kill()
        proc.wait()
    partial = counts(target)
    assert 0 < partial["events"] < total["events"]

    summary = copied_json(source, target, "--batch-size", "500")

    copied = {t["table"]: t["copied"] for t in summary["tables"]}
    assert copied["events"] == total["events"] - partial["events"]
    assert counts(target) == total


def _grow_events(url: str, n: int) -> None:
    """Events enough for the copy of one table to take many batches."""
    grow = text(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :n) "
        "INSERT INTO events (session_pk, seq, tenant_pk, type, occurred_at, recorded_at, payload)"
        " SELECT s.pk, s.last_seq + n.i, s.tenant_pk, 'bulk', 1, 1, '{\"i\": 1}' FROM n, "
        "(SELECT * FROM sessions WHERE status = 'active' ORDER BY pk LIMIT 1) AS s"
    )
    query(url, grow.bindparams(n=n))
    first_active = "(SELECT min(pk) FROM sessions WHERE status = 'active')"
    query(url, text(f"UPDATE sessions SET last_seq = last_seq + {n} WHERE pk = {first_active}"))


def _wait_for_rows(url: str, table: str, proc: subprocess.Popen[bytes]) -> None:
    count = text(f"SELECT count(*) FROM {table}")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        if query(url, count)[0][0] > 0:
            return
        time.sleep(0.01)
    raise AssertionError(f"the copy ended ({proc.returncode}) before {table} got rows")
