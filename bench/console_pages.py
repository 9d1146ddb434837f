"""Admin console page times with 100,000 sessions in the database.

    .venv/bin/python bench/console_pages.py [--backend sqlite|postgresql] [--sessions 100000]
                                            [--repeat 20]

Seeds a throwaway database in bulk (Core executemany), signs in to the console in-process
(httpx's ASGI transport, so the times are server time without a network) and prints the
median and 95th percentile of each page over ``--repeat`` requests, as a Markdown table.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import re
import statistics
import time
from collections.abc import Callable
from typing import Any

import httpx
from sqlalchemy import Connection, create_engine, insert, select
from sqlalchemy.ext.asyncio import create_async_engine

from harness import postgres_database, sqlite_database, temp_dir
from sessionary.bootstrap import build
from sessionary.config import Settings
from sessionary.domain.model import Actor
from sessionary.http.app import create_app
from sessionary.services.credentials import NewCredential
from sessionary.storage.database import to_asyncpg_url
from sessionary.storage.migrate import upgrade
from sessionary.storage.tables import events, sessions, subjects, tenants

SECOND, DAY = 1_000_000, 86_400_000_000
TENANTS = 5
SUBJECTS = 20_000
DIALECTS = ["native"] * 6 + ["rufus", "rufus", "hivemp", "pagos", "casino"]


def _seed(conn: Connection, total: int, now: int) -> str:
    """Returns the console path of the session that has 500 events."""
    rnd = random.Random(42)
    conn.execute(
        insert(tenants),
        [
            {"id": f"tn_bench{i}", "name": f"tenant-{i}", "settings": {}, "created_at": now}
            for i in range(TENANTS)
        ],
    )
    tenant_pks = [r.pk for r in conn.execute(select(tenants.c.pk).order_by(tenants.c.pk))]
    conn.execute(
        insert(subjects),
        [
            {
                "tenant_pk": tenant_pks[i % TENANTS],
                "kind": "user",
                "external_id": f"user-{i}",
                "attributes": {},
                "created_at": now,
            }
            for i in range(SUBJECTS)
        ],
    )
    subject_rows = list(conn.execute(select(subjects.c.pk, subjects.c.tenant_pk)))
    batch: list[dict[str, Any]] = []
    for n in range(total):
        subject_pk, tenant_pk = subject_rows[rnd.randrange(len(subject_rows))]
        opened = now - int(rnd.random() * 40 * DAY)
        batch.append(_session_row(rnd, n, tenant_pk, subject_pk, opened, now))
        if len(batch) == 5000:
            conn.execute(insert(sessions), batch)
            batch = []
    if batch:
        conn.execute(insert(sessions), batch)
    busy = conn.execute(
        select(sessions.c.pk, sessions.c.tenant_pk).where(sessions.c.id == "ses_bench0000000")
    ).one()
    conn.execute(
        insert(events),
        [
            {
                "session_pk": busy.pk,
                "seq": seq,
                "tenant_pk": busy.tenant_pk,
                "type": "passing",
                "occurred_at": now,
                "recorded_at": now,
                "payload": {"num": seq},
            }
            for seq in range(1, 501)
        ],
    )
    return f"/admin/sessions/tenant-{tenant_pks.index(busy.tenant_pk)}/ses_bench0000000"


def _session_row(
    rnd: random.Random, n: int, tenant_pk: int, subject_pk: int, opened: int, now: int
) -> dict[str, Any]:
    roll = rnd.random()
    duration = int(rnd.uniform(30, 7200)) * SECOND
    status = "closed"
    reason: str | None = "client"
    closed: int | None = opened + duration
    expires: int | None = None
    if roll < 0.03:
        status, closed, reason, expires = "active", None, None, now + 600 * SECOND
        opened = now - int(rnd.uniform(1, 3600)) * SECOND
    elif roll < 0.11:
        status, reason, expires = "expired", "idle_timeout", opened + duration
    elif roll < 0.15:
        status, reason = "deleted", "deleted"
    return {
        "tenant_pk": tenant_pk,
        "id": f"ses_bench{n:07d}",
        "subject_pk": subject_pk,
        "scope": rnd.choice([None, "lobby", "race"]),
        "status": status,
        "opened_at": min(opened, now - SECOND),
        "last_activity_at": opened,
        "expires_at": expires,
        "closed_at": None if closed is None else min(closed, now),
        "close_reason": reason,
        "metered": True,
        "state": {},
        "version": 2,
        "last_seq": 0,
        "dialect": rnd.choice(DIALECTS),
    }


def seed(url: str, total: int, now: int) -> str:
    found: list[str] = []

    def run(conn: Connection) -> None:
        found.append(_seed(conn, total, now))

    if url.startswith("sqlite"):
        engine = create_engine(url)
        with engine.begin() as conn:
            run(conn)
        engine.dispose()
        return found[0]

    async def pg() -> None:
        async_engine = create_async_engine(to_asyncpg_url(url))
        async with async_engine.begin() as conn:
            await conn.run_sync(run)
            await conn.exec_driver_sql("ANALYZE")
        await async_engine.dispose()

    asyncio.run(pg())
    return found[0]


async def measure(url: str, repeat: int, busy_path: str) -> list[tuple[str, float, float]]:
    container = build(Settings(database_url=url, sweep_interval_s=0, environment="test"))
    issued = await container.credentials.issue(
        NewCredential(tenant_pk=None, scopes=("system",)), Actor(None, label="bench")
    )
    app = create_app(container)
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with app.lifespan(), httpx.AsyncClient(transport=transport, base_url="http://b") as c:
        page = await c.get("/admin/sign-in")
        token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text)
        assert token
        signed = await c.post(
            "/admin/sign-in", data={"key": issued.secret, "_csrf_token": token[1]}
        )
        assert signed.status_code == 303, signed.text
        first = await c.get("/admin/sessions", params={"tenant": "tenant-1"})
        nxt = re.search(r'<a href="([^"]+)" rel="next">Next page', first.text)
        assert nxt
        pages: list[tuple[str, str]] = [
            ("overview", "/admin"),
            ("sessions, no filter", "/admin/sessions"),
            ("sessions, one tenant", "/admin/sessions?tenant=tenant-1"),
            ("sessions, next page (keyset)", nxt[1].replace("&amp;", "&")),
            ("sessions, status=active", "/admin/sessions?status=active"),
            ("sessions, status=expired", "/admin/sessions?status=expired"),
            ("sessions, subject id", "/admin/sessions?subject=user-77"),
            ("sessions, dialect=casino", "/admin/sessions?dialect=casino"),
            ("sessions, scope + opened range", _range_path()),
            ("session page (500 events)", busy_path),
            ("keys", "/admin/keys"),
        ]
        out = []
        for label, path in pages:
            times = await _time(lambda p=path: c.get(p), repeat)  # type: ignore[misc]
            out.append((label, statistics.median(times), _p95(times)))
    await container.close()
    return out


def _range_path() -> str:
    today = time.strftime("%Y-%m-%d", time.gmtime())
    start = time.strftime("%Y-%m-%d", time.gmtime(time.time() - 7 * 86400))
    return f"/admin/sessions?scope=race&from={start}&to={today}"


async def _time(call: Callable[[], Any], repeat: int) -> list[float]:
    answer = await call()  # warm caches and compiled statements once
    assert answer.status_code == 200, answer.text[-600:]
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        answer = await call()
        times.append((time.perf_counter() - started) * 1000)
        assert answer.status_code == 200
    return times


def _p95(times: list[float]) -> float:
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    p.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    p.add_argument("--sessions", type=int, default=100_000)
    p.add_argument("--repeat", type=int, default=20)
    args = p.parse_args()
    now = time.time_ns() // 1000
    with temp_dir() as tmp:
        if args.backend == "sqlite":
            with sqlite_database(tmp) as url:
                results = _run(url, args, now)
        else:
            with postgres_database() as (url, _port):
                results = _run(url, args, now)
    print(f"\n{args.sessions:,} sessions, {args.backend}, {args.repeat} requests per page\n")
    print("| page | median ms | p95 ms |\n|---|---:|---:|")
    for label, median, p95 in results:
        print(f"| {label} | {median:.1f} | {p95:.1f} |")


def _run(url: str, args: argparse.Namespace, now: int) -> list[tuple[str, float, float]]:
    upgrade(url)
    started = time.perf_counter()
    busy_path = seed(url, args.sessions, now)
    print(f"seeded {args.sessions:,} sessions in {time.perf_counter() - started:.1f} s")
    return asyncio.run(measure(url, args.repeat, busy_path))


if __name__ == "__main__":
    main()
