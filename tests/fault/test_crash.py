"""SIGKILL a real server at random moments under load through /v1 and every dialect, restart it,
and check that every acknowledged open, event and close is stored and nothing is half-applied."""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime, timedelta

import httpx

from .invariants import billed_minutes, check_invariants
from .load import Driver, Ledger
from .report import env_float, env_int, record
from .server import Server, TenantWorld, provision, query

KILLS = env_int("FAULT_KILLS", 3)
SECONDS = env_float("FAULT_SECONDS", 6)
WORKERS = env_int("FAULT_WORKERS", 6)


async def test_nothing_acknowledged_is_lost_when_the_server_is_killed_under_load(
    database_url: str,
) -> None:
    world = await asyncio.to_thread(provision, database_url, "acme")
    server = Server(database_url)
    await asyncio.to_thread(server.start)
    ledger = Ledger()
    driver = Driver(server.base, world, ledger, seed=random.randrange(1 << 30))
    load = asyncio.create_task(driver.run(WORKERS))
    try:
        for _ in range(KILLS):
            await asyncio.sleep(random.uniform(0.5, 2 * SECONDS / KILLS - 0.5))
            await asyncio.to_thread(server.kill)
            await asyncio.to_thread(server.start)
        await asyncio.sleep(1)
    finally:
        driver.stop.set()
        await load
    try:
        reported = await asyncio.to_thread(usage_minutes, server.base, world)
    finally:
        await asyncio.to_thread(server.stop)
    checked = await asyncio.to_thread(verify, database_url, ledger)
    expected = await asyncio.to_thread(billed_minutes, database_url)
    assert reported == expected, "the usage report disagrees with the stored sessions"
    assert server.kills == KILLS and ledger.transport_errors > 0, "no request was cut by a kill"
    record(
        "crash",
        backend=database_url.split(":")[0],
        kills=server.kills,
        acknowledged=ledger.acknowledged(),
        sessions_checked=checked,
        cut_requests=ledger.transport_errors,
        billed_minutes=reported,
    )


def usage_minutes(base: str, world: TenantWorld) -> int:
    today = datetime.now(UTC).date()  # the load may have run across midnight
    days = {"from": (today - timedelta(days=1)).isoformat(), "to": today.isoformat()}
    response = httpx.get(
        base + "/v1/usage",
        params=days,
        headers={"Authorization": f"Bearer {world.native}"},
    )
    assert response.status_code == 200, response.text
    return int(response.json()["totals"]["billed_minutes"])


def verify(database_url: str, ledger: Ledger) -> int:
    """Every acknowledged operation is in the database; every batch is all there or absent."""
    status = {sid: st for sid, st in query(database_url, "SELECT id, status FROM sessions")}
    for sid, dialect in ledger.opened.items():
        assert sid in status, f"acknowledged {dialect} open {sid} is missing"
    for sid in ledger.closed:
        assert status[sid] in ("closed", "deleted"), f"acknowledged close of {sid}: {status[sid]}"
    stored = set(
        query(
            database_url,
            "SELECT s.id, e.dedupe_key FROM events e JOIN sessions s ON s.pk = e.session_pk",
        )
    )
    for batch in ledger.batches:
        present = sum((batch.session, key) in stored for key in batch.keys)
        if batch.acked:
            assert present == len(batch.keys), f"acknowledged events of {batch.session} lost"
        else:
            assert present in (0, len(batch.keys)), f"half a batch stored in {batch.session}"
    _verify_casino(database_url, ledger)
    return check_invariants(database_url)


def _verify_casino(database_url: str, ledger: Ledger) -> None:
    players: dict[str, list[str]] = {}
    for external_id, st in query(
        database_url,
        "SELECT sub.external_id, s.status FROM sessions s JOIN subjects sub"
        " ON sub.pk = s.subject_pk WHERE s.dialect = 'casino'",
    ):
        players.setdefault(str(external_id).split("/", 1)[-1], []).append(st)
    for player, closed in ledger.casino_players.items():
        assert players.get(player), f"acknowledged casino game start for {player} is missing"
        if closed:
            assert "active" not in players[player], f"acknowledged close of {player} undone"
    rounds = {row[0] for row in query(database_url, "SELECT id FROM work_items")}
    missing = [r for r in ledger.rounds if r not in rounds]
    assert not missing, f"acknowledged rounds missing: {missing}"
