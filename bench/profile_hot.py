"""CPU per request of the hot routes, in process: the ASGI app called directly (no network,
no client), so the figure is the server's own work. Used for bench/PROFILE.md.

    .venv/bin/python bench/profile_hot.py [--backend postgresql] [--n 2000] [--profile close]
        [--loop uvloop]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sessionary.bootstrap import build
from sessionary.config import Settings
from sessionary.domain.model import Actor, TenantPolicy
from sessionary.http.app import create_app
from sessionary.services.credentials import NewCredential
from sessionary.services.sessions import OpenRequest

REPO = str(Path(__file__).resolve().parent.parent)
ACTOR = Actor(credential_pk=None, label="bench")


async def call(
    app: Any, method: str, path: str, headers: list[tuple[bytes, bytes]], body: bytes
) -> tuple[int, bytes]:
    sent: list[dict[str, Any]] = []
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path.partition("?")[0],
        "raw_path": path.partition("?")[0].encode(),
        "query_string": path.partition("?")[2].encode(),
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 8000),
        "state": {},
    }
    messages = [{"type": "http.request", "body": body, "more_body": False}]

    async def receive() -> dict[str, Any]:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)
    status = next(m["status"] for m in sent if m["type"] == "http.response.start")
    return status, b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")


def _general_path(on: bool) -> None:
    """``*-general`` routes compared the one-step paths with the general path they stood
    beside; since issue 20 every change has one path, so there is nothing to turn off."""
    if on:
        raise SystemExit("there is no general path any more (issue 20): drop the -general route")


async def _analyze(url: str) -> None:
    """Planner statistics of the loaded tables, as autovacuum (PostgreSQL) or the sweeper's
    housekeeping (SQLite) would have them by then: without, PostgreSQL picked a tenant-wide
    index for single-session updates (bench/PROFILE.md section 11)."""
    if url.startswith("sqlite"):
        import sqlite3

        db = sqlite3.connect(url.removeprefix("sqlite:///"))
        db.execute("ANALYZE")
        db.close()
        return
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        await conn.execute("ANALYZE")
    finally:
        await conn.close()


async def main(args: argparse.Namespace) -> None:
    if args.backend == "sqlite":
        tmp = tempfile.mkdtemp()
        url = f"sqlite:///{tmp}/p.db"
        cluster = None
    else:
        import sys

        sys.path.insert(0, REPO)
        from tests.pgcluster import PgCluster

        cluster = PgCluster()
        cluster.start()
        url = cluster.create_database("bench")
    from sessionary.storage.migrate import upgrade

    await asyncio.to_thread(upgrade, url)
    c = build(Settings(database_url=url, sweep_interval_s=0, webhook_interval_s=0))
    app = create_app(c)
    try:
        async with app.lifespan():
            await _run(app, c, args)
    finally:
        if cluster is not None:
            cluster.stop()


async def _run(app: Any, c: Any, args: argparse.Namespace) -> None:
    tenant = await c.tenants.create("bench", TenantPolicy(), ACTOR)
    issued = await c.credentials.issue(
        NewCredential(
            tenant_pk=tenant.pk, scopes=("sessions:read", "sessions:write", "events:write")
        ),
        ACTOR,
    )
    headers = [
        (b"authorization", f"Bearer {issued.secret}".encode()),
        (b"content-type", b"application/json"),
    ]
    n = args.n
    ids = [
        (await c.sessions.open(tenant.pk, OpenRequest("user", f"u{i}"), ACTOR)).id
        for i in range(n * 3)
    ]
    from sessionary.dialects.hivemp.keys import create_key

    hive_key = await create_key(c, "bench", "admin", ACTOR)
    hive_ids = [
        (
            await c.sessions.open(
                tenant.pk,
                OpenRequest("user", f"h{i}", dialect="hivemp", id=f"us-{i + 1000}"),
                ACTOR,
            )
        ).id
        for i in range(2 * n)
    ]
    hive_headers = [(b"x-api-key", hive_key.encode())]
    rufus_headers, passings = await _rufus(app, c)
    await _analyze(c.settings.database_url)
    open_body = json.dumps({"subject": {"kind": "user", "id": "x"}}).encode()
    event1 = json.dumps({"events": [{"type": "lap", "payload": {"n": 1}}]}).encode()
    routes: dict[str, Callable[[int], tuple[str, str, bytes]]] = {
        "healthz": lambda i: ("GET", "/healthz", b""),
        "get": lambda i: ("GET", f"/v1/sessions/{ids[i]}", b""),
        "get-general": lambda i: ("GET", f"/v1/sessions/{ids[i]}", b""),
        "append": lambda i: ("POST", f"/v1/sessions/{ids[n + i]}/events", event1),
        "extend": lambda i: ("POST", f"/v1/sessions/{ids[2 * n + i]}/extend", b'{"ttl_s": 600}'),
        "close": lambda i: ("POST", f"/v1/sessions/{ids[i]}/close", b""),
        "open": lambda i: ("POST", "/v1/sessions", open_body),
        "close-general": lambda i: ("POST", f"/v1/sessions/{ids[n + i]}/close", b""),
        "open-general": lambda i: ("POST", "/v1/sessions", open_body),
        "extend-general": lambda i: (
            "POST",
            f"/v1/sessions/{ids[2 * n + i]}/extend",
            b'{"ttl_s": 600}',
        ),
        "append-general": lambda i: ("POST", f"/v1/sessions/{ids[n + i]}/events", event1),
        "hivemp-delete": lambda i: ("DELETE", f"/hivemp/v1/session?id={hive_ids[i]}", b""),
        "hivemp-delete-general": lambda i: (
            "DELETE",
            f"/hivemp/v1/session?id={hive_ids[n + i]}",
            b"",
        ),
        "rufus-5000": lambda i: ("POST", "/rufus/v0/passings", passings(i)),
    }
    for name in args.routes.split(","):
        make = routes[name]
        _general_path(name.endswith("-general"))
        await call(app, *make(0)[:2], headers, make(0)[2]) if name in (
            "healthz",
            "get",
            "get-general",
        ) else None
        prof = None
        if args.profile == name:
            import cProfile

            prof = cProfile.Profile()
            prof.enable()
        t0, w0 = time.process_time(), time.perf_counter()
        for i in range(1, n):
            method, path, body = make(i)
            hdrs = {"hivemp": hive_headers, "rufus-": rufus_headers}.get(name[:6], headers)
            status, out = await call(app, method, path, hdrs, body)
            if status >= 300:
                raise SystemExit(f"{name}: {status} {out[:200]!r}")
        cpu, wall = time.process_time() - t0, time.perf_counter() - w0
        if prof is not None:
            prof.disable()
            prof.dump_stats(f"/tmp/profile-{name}-{args.backend}.prof")
        per_cpu, per_wall = cpu / (n - 1) * 1e6, wall / (n - 1) * 1e6
        print(f"{args.backend:10} {name:14} {per_cpu:8.0f} us CPU/request  {per_wall:8.0f} us wall")


async def _rufus(app: Any, c: Any) -> tuple[list[tuple[bytes, bytes]], Callable[[int], bytes]]:
    """A RUFUS key, device and timing session; bodies of 5,000 fresh passings each."""
    from sessionary.dialects.rufus.keys import create_key as rufus_key

    key = await rufus_key(c, "bench", "READ_WRITE", False, None, ACTOR)
    hdrs = [(b"x-api-key", key.api_key.encode()), (b"content-type", b"application/json")]
    device = {"model": "BENCH", "serial_number": "BENCH-1"}
    _, raw = await call(app, "POST", "/rufus/v0/devices", hdrs, json.dumps(device).encode())
    session = {"deviceid": json.loads(raw)["deviceid"], "alias": "bench"}
    _, raw = await call(app, "POST", "/rufus/v0/sessions", hdrs, json.dumps(session).encode())
    token = json.loads(raw)["token_session"]

    def stamp(n: int) -> str:
        hours, minutes, seconds = n // 3_600_000 % 24, n // 60_000 % 60, n // 1000 % 60
        return f"2023-01-22T{hours:02d}:{minutes:02d}:{seconds:02d}.{n % 1000:03d}Z"

    def body(i: int) -> bytes:
        numbers = range(i * 5000, (i + 1) * 5000)
        items = [{"bib": str(n % 997), "num_passing": n, "timestamp": stamp(n)} for n in numbers]
        return json.dumps({"token_session": token, "passings_list": items}).encode()

    return hdrs, body


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--backend", default="sqlite", choices=["sqlite", "postgresql"])
    p.add_argument("--n", type=int, default=2000)
    p.add_argument("--routes", default="healthz,get,append,extend,close,open")
    p.add_argument("--profile", default="")
    p.add_argument("--loop", default="asyncio", choices=["asyncio", "uvloop"])
    parsed = p.parse_args()
    if parsed.loop == "uvloop":
        import importlib

        uvloop = importlib.import_module("uvloop")  # not a dependency: pip install it to try
        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main(parsed))
