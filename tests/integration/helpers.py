"""Shared helpers for the integration suite: lookups, invariant checks and worker processes."""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sessionary.bootstrap import Container, build
from sessionary.config import Settings
from sessionary.domain.errors import SessionNotActive
from sessionary.domain.model import Actor, Event, LifecycleRecord, Micros, NewEvent
from sessionary.domain.session import Session
from sessionary.services.sessions import OpenRequest

ROOT = Path(__file__).resolve().parents[2]
WORKER_TIMEOUT_S = 120.0
# The same actor as tests.conftest.TEST_ACTOR; importing conftest would slow every worker.
ACTOR = Actor(credential_pk=None, label="test")

Operation = Callable[[Container, int, str], Awaitable[object]]

# Every call that names one session: rules 3, 4 and 7 must hold for each of them alike.
OPERATIONS: dict[str, Operation] = {
    "get": lambda c, t, s: c.sessions.get(t, s),
    "append": lambda c, t, s: c.events.append(t, s, batch(1)),
    "read": lambda c, t, s: c.events.read(t, s, 0, None, 10),
    "extend": lambda c, t, s: c.sessions.extend(t, s, 60, ACTOR),
    "close": lambda c, t, s: c.sessions.close(t, s, ACTOR),
    "delete": lambda c, t, s: c.sessions.delete(t, s, ACTOR),
}


def wall_now() -> Micros:
    """The same time base as ``SystemClock``, for ordering attempts against a close."""
    return time.time_ns() // 1000


def batch(size: int, tag: str = "e") -> list[NewEvent]:
    return [NewEvent(type=tag, payload={"i": i}) for i in range(size)]


async def open_session(container: Container, tenant_pk: int, subject: str, **opts: Any) -> Session:
    return await container.sessions.open(tenant_pk, OpenRequest("user", subject, **opts), ACTOR)


async def records(container: Container, session_pk: int) -> list[LifecycleRecord]:
    async with container.database.unit_of_work(write=False) as uow:
        found: list[LifecycleRecord] = await uow.lifecycle.for_session(session_pk)
        await uow.commit()
    return found


async def record_types(container: Container, session_pk: int) -> list[str]:
    return [r.type for r in await records(container, session_pk)]


async def all_events(container: Container, tenant_pk: int, session_id: str) -> list[Event]:
    events: list[Event] = []
    after = 0
    while True:
        page = await container.events.read(tenant_pk, session_id, after, None, 1000)
        events.extend(page.items)
        if page.next_cursor is None:
            return events
        after = page.next_cursor


@asynccontextmanager
async def live_container(settings: Settings) -> AsyncIterator[Container]:
    """A container on the real clock, so racing tasks get distinct, real timestamps."""
    container = build(settings)
    try:
        yield container
    finally:
        await container.close()


@dataclass(slots=True, frozen=True)
class Attempt:
    """One append as a racer saw it: when it started and ended, and what came back."""

    start: Micros
    end: Micros
    outcome: str  # "ok", "not_active" or the name of an unexpected error
    accepted: int = 0
    first_seq: int | None = None
    last_seq: int = 0


def attempt_from(raw: dict[str, Any]) -> Attempt:
    return Attempt(**raw)


async def attempt_append(
    container: Container, tenant_pk: int, session_id: str, size: int
) -> Attempt:
    """One append, its outcome recorded rather than raised, so racers can be compared after."""
    start = wall_now()
    try:
        res = await container.events.append(tenant_pk, session_id, batch(size))
    except SessionNotActive:
        return Attempt(start, wall_now(), "not_active")
    except Exception as exc:
        return Attempt(start, wall_now(), type(exc).__name__)
    return Attempt(start, wall_now(), "ok", res.accepted, res.first_seq, res.last_seq)


async def check_close_won(
    container: Container,
    tenant_pk: int,
    session_id: str,
    appenders: Sequence[Sequence[Attempt]],
    close_returned_at: Micros,
) -> None:
    """Rule 1 after a race: nothing landed after the close; the stored log is exactly the
    union of the accepted batches."""
    session = await container.sessions.get(tenant_pk, session_id)
    assert session.closed_at is not None, session
    flat = [a for attempts in appenders for a in attempts]
    assert {a.outcome for a in flat} <= {"ok", "not_active"}, flat
    for attempts in appenders:
        outcomes = [a.outcome for a in attempts]
        refused_from = outcomes.index("not_active") if "not_active" in outcomes else len(outcomes)
        assert set(outcomes[refused_from:]) <= {"not_active"}, outcomes
    late = [a for a in flat if a.start > close_returned_at and a.outcome != "not_active"]
    assert late == [], late
    ok = [a for a in flat if a.outcome == "ok"]
    ranges = sorted((a.first_seq or 0, a.last_seq) for a in ok)
    covered = [seq for first, last in ranges for seq in range(first, last + 1)]
    events = await all_events(container, tenant_pk, session_id)
    assert [e.seq for e in events] == list(range(1, session.last_seq + 1))
    assert covered == [e.seq for e in events]
    assert len(events) == sum(a.accepted for a in ok)
    late_events = [e.recorded_at - session.closed_at for e in events]
    assert max(late_events, default=0) <= 0, (
        f"{sum(d > 0 for d in late_events)} of {len(events)} events recorded after closed_at,"
        f" the latest {max(late_events)} µs after it"
    )
    assert (await record_types(container, session.pk)).count("closed") == 1


def worker_command(role: str, settings: Settings, **args: Any) -> list[str]:
    spec = {"role": role, "url": settings.database_url, **args}
    return [sys.executable, "-m", "tests.integration.worker", json.dumps(spec)]


class Workers:
    """Worker processes released together, once per round, after all of them are connected;
    each round every worker answers with one JSON line."""

    def __init__(self, procs: list[asyncio.subprocess.Process]) -> None:
        self._procs = procs

    async def go(self) -> list[Any]:
        for proc in self._procs:
            assert proc.stdin is not None
            proc.stdin.write(b"go\n")
            await proc.stdin.drain()
        async with asyncio.timeout(WORKER_TIMEOUT_S):
            return [json.loads(await self._line(proc)) for proc in self._procs]

    async def ready(self) -> None:
        async with asyncio.timeout(WORKER_TIMEOUT_S):
            for proc in self._procs:
                assert (await self._line(proc)) == b"ready"

    async def _line(self, proc: asyncio.subprocess.Process) -> bytes:
        assert proc.stdout is not None and proc.stderr is not None
        line = (await proc.stdout.readline()).strip()
        if not line:
            _out, err = await proc.communicate()
            raise AssertionError(f"worker failed:\n{err.decode()}")
        return line


@asynccontextmanager
async def workers(commands: Sequence[list[str]]) -> AsyncIterator[Workers]:
    procs: list[asyncio.subprocess.Process] = []
    try:
        for cmd in commands:
            procs.append(
                await asyncio.create_subprocess_exec(
                    *cmd,
                    cwd=ROOT,
                    stdin=asyncio.subprocess.PIPE,
                    stdout=asyncio.subprocess.PIPE,
                    stderr=asyncio.subprocess.PIPE,
                )
            )
        group = Workers(procs)
        await group.ready()
        yield group
        for proc in procs:
            _out, err = await proc.communicate()
            assert proc.returncode == 0, err.decode()
    finally:
        for proc in procs:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
