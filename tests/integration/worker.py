"""A racer in its own OS process: ``python -m tests.integration.worker '<json spec>'``.

It builds a container for the spec's database and prints ``ready`` once connected. Then, for
each session of the spec (one round each; a sweeper has one round), it waits for ``go`` on
stdin, does its part (append / close / sweep) and prints one JSON line of results. Appenders
and closers use the real clock; a sweeper may be pinned to a given instant."""

from __future__ import annotations

import asyncio
import json
import random
import sys
from dataclasses import asdict
from typing import Any

from sessionary.bootstrap import Container, build
from sessionary.config import Settings
from sessionary.domain.errors import SessionNotActive
from sessionary.domain.model import Actor
from tests.integration.helpers import Attempt, attempt_append, wall_now
from tests.support import FakeClock

WORKER_ACTOR = Actor(credential_pk=None, label="worker")


async def append(
    container: Container, spec: dict[str, Any], session_id: str | None
) -> list[dict[str, Any]]:
    """Append until ``refusals`` batches were refused (or ``attempts`` ran out)."""
    attempts: list[Attempt] = []
    refused = 0
    while len(attempts) < spec["attempts"] and refused < spec["refusals"]:
        attempt = await attempt_append(container, spec["tenant"], str(session_id), spec["size"])
        attempts.append(attempt)
        if attempt.outcome not in ("ok", "not_active"):
            break
        refused += attempt.outcome == "not_active"
        await asyncio.sleep(random.uniform(0, spec.get("pause_s", 0.002)))
    return [asdict(a) for a in attempts]


async def close(
    container: Container, spec: dict[str, Any], session_id: str | None
) -> dict[str, Any]:
    await asyncio.sleep(spec.get("delay_s", 0.0))
    if spec.get("after_events"):  # a busy machine may start the appenders late: wait for one
        await _until_appended(container, spec["tenant"], str(session_id))
    start = wall_now()
    try:
        session = await container.sessions.close(spec["tenant"], str(session_id), WORKER_ACTOR)
    except SessionNotActive:
        return {"start": start, "end": wall_now(), "outcome": "not_active"}
    except Exception as exc:
        return {"start": start, "end": wall_now(), "outcome": type(exc).__name__}
    return {"start": start, "end": wall_now(), "outcome": "ok", "closed_at": session.closed_at}


async def _until_appended(container: Container, tenant_pk: int, session_id: str) -> None:
    for _ in range(2000):
        if (await container.sessions.get(tenant_pk, session_id)).last_seq > 0:
            return
        await asyncio.sleep(0.005)


async def sweep(container: Container, spec: dict[str, Any], _: str | None) -> dict[str, Any]:
    return {"count": await container.sweeper.sweep_once()}


ROLES = {"append": append, "close": close, "sweep": sweep}


async def main(spec: dict[str, Any]) -> None:
    settings = Settings(
        database_url=spec["url"], sweep_interval_s=0, sweep_batch=spec.get("sweep_batch", 500)
    )
    clock = FakeClock(start=spec["now"]) if "now" in spec else None
    container = build(settings, clock=clock)
    loop = asyncio.get_running_loop()
    try:
        assert await container.database.ping()
        print("ready", flush=True)
        for session_id in spec.get("sessions", [None]):
            await loop.run_in_executor(None, sys.stdin.readline)
            result = await ROLES[spec["role"]](container, spec, session_id)
            print(json.dumps(result), flush=True)
    finally:
        await container.close()


if __name__ == "__main__":
    asyncio.run(main(json.loads(sys.argv[1])))
