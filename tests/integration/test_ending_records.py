"""Every ``closed``, ``expired`` and ``deleted`` record carries the session's billed minutes and
end time, equal to what the session says when read back, on every path that writes one: the
one definition of each transition (PostgreSQL's CTEs, SQLite's statements), the sweeper,
expiry found on a write, supersede, close-all-for-subject and subject delete. Each path ends its
sessions after a different time, so rounding (whole seconds, then minutes up) is covered too."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from sessionary.bootstrap import Container
from sessionary.domain.errors import SessionNotActive
from sessionary.domain.model import JSON, LifecycleRecord, Micros, Tenant
from sessionary.domain.session import CloseReason, Session
from sessionary.services.sessions import OpenRequest
from tests.conftest import TEST_ACTOR
from tests.support import FakeClock

ENDINGS = {"closed", "expired", "deleted"}


@dataclass
class World:
    c: Container
    tenant: Tenant
    clock: FakeClock
    monkeypatch: pytest.MonkeyPatch
    # Sessions a path removes for good (subject delete), read just before, with the time.
    gone: dict[int, tuple[Session, Micros]] = field(default_factory=dict)

    async def open(self, subject: str = "u1", **opts: Any) -> Session:
        req = OpenRequest("user", subject, **opts)
        return await self.c.sessions.open(self.tenant.pk, req, TEST_ACTOR)

    async def close(self, s: Session, reason: CloseReason = CloseReason.CLIENT) -> None:
        await self.c.sessions.close(self.tenant.pk, s.id, TEST_ACTOR, reason)

    async def delete(self, s: Session) -> None:
        await self.c.sessions.delete(self.tenant.pk, s.id, TEST_ACTOR)


async def close_a_session(w: World) -> None:
    s = await w.open()
    w.clock.advance(61.5)
    await w.close(s)


async def close_an_unmetered_session(w: World) -> None:
    s = await w.open(metered=False)
    w.clock.advance(200)
    await w.close(s)


async def close_by_an_admin(w: World) -> None:
    s = await w.open()
    w.clock.advance(59.4)
    await w.close(s, CloseReason.ADMIN)


async def delete_a_live_session_as_hivemp_does(w: World) -> None:
    s = await w.open(dialect="hivemp")
    w.clock.advance(0.6)
    await w.c.sessions.delete(w.tenant.pk, s.id, TEST_ACTOR, dialect="hivemp", live_only=True)


async def delete_a_live_session(w: World) -> None:
    s = await w.open()
    w.clock.advance(125)
    await w.delete(s)


async def delete_a_closed_session(w: World) -> None:
    s = await w.open()
    w.clock.advance(61)
    await w.close(s)
    w.clock.advance(600)
    await w.delete(s)


async def delete_a_due_session(w: World) -> None:
    s = await w.open(idle_timeout_s=70)
    w.clock.advance(300)
    await w.delete(s)


async def expire_by_the_sweeper(w: World) -> None:
    await w.open("idle", idle_timeout_s=90)
    await w.open("old", max_lifetime_s=150)
    w.clock.advance(500)
    assert await w.c.sweeper.sweep_once() == 2


async def expire_on_a_write(w: World) -> None:
    s = await w.open(idle_timeout_s=45)
    w.clock.advance(100)
    with pytest.raises(SessionNotActive):
        await w.close(s)


async def supersede(w: World) -> None:
    await w.open(scope="game")
    w.clock.advance(70)
    await w.open(scope="game", supersede=True)


async def close_all_for_subject(w: World) -> None:
    await w.open(scope="a")
    w.clock.advance(30)
    await w.open(scope="b")
    w.clock.advance(30.5)
    tenant = w.tenant.pk
    await w.c.sessions.close_for_subject(tenant, "user", "u1", None, TEST_ACTOR, True)


async def delete_the_subject(w: World) -> None:
    closed = await w.open(scope="a")
    await w.open(scope="b")
    await w.open(scope="c", idle_timeout_s=100)
    w.clock.advance(130)
    await w.close(closed)
    w.clock.advance(45)
    for s in await _sessions(w):
        w.gone[s.pk] = (s, w.clock.now())
    await w.c.subjects.delete(w.tenant.pk, "user", "u1", TEST_ACTOR)


PATHS: dict[str, Callable[[World], Awaitable[None]]] = {
    f.__name__: f
    for f in (
        close_a_session,
        close_an_unmetered_session,
        close_by_an_admin,
        delete_a_live_session_as_hivemp_does,
        delete_a_live_session,
        delete_a_closed_session,
        delete_a_due_session,
        expire_by_the_sweeper,
        expire_on_a_write,
        supersede,
        close_all_for_subject,
        delete_the_subject,
    )
}


async def _sessions(w: World) -> list[Session]:
    """The tenant's sessions that are still stored, deleted ones included."""
    pks = {r.session_pk for r in await w.c.stream.page(w.tenant.pk, (-1, 0), 1000)}
    async with w.c.database.unit_of_work(write=False) as uow:
        found = [await uow.sessions.get_by_pk(pk) for pk in sorted(pks)]
        await uow.commit()
    return [s for s in found if s is not None]


def shown(session: Session, now: Micros) -> JSON:
    """What the session says of its end when read (GET's ``billed_minutes`` and end time)."""
    ended = session.ended_at(now)
    return {
        "billed_minutes": session.billed_minutes(now),
        "ended_at": now if ended is None else ended,
    }


async def _endings(w: World) -> list[LifecycleRecord]:
    records = await w.c.stream.page(w.tenant.pk, (-1, 0), 1000)
    return [r for r in records if r.type in ENDINGS]


@pytest.mark.parametrize("path", sorted(PATHS))
async def test_each_ending_record_carries_what_the_session_says_of_its_end(
    path: str,
    container: Container,
    tenant: Tenant,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    w = World(container, tenant, clock, monkeypatch)
    await PATHS[path](w)
    endings = await _endings(w)
    assert endings
    now = clock.now()
    read_back = {s.pk: shown(s, now) for s in await _sessions(w)}
    before = {pk: shown(s, at) for pk, (s, at) in w.gone.items()}
    for record in endings:
        expected = read_back.get(record.session_pk) or before[record.session_pk]
        assert record.data == expected, (record.type, record.reason)


@pytest.mark.parametrize("after_s", [0.999999, 1, 59, 60, 60.999999, 61, 3600.5])
async def test_the_one_step_close_bills_whole_seconds_then_minutes_up_as_the_session_does(
    after_s: float,
    container: Container,
    tenant: Tenant,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """PostgreSQL's one-step statement says rule 5 in SQL: it must round as the domain does."""
    w = World(container, tenant, clock, monkeypatch)
    s = await w.open()
    clock.advance(after_s)
    await w.close(s)
    [record] = await _endings(w)
    [session] = await _sessions(w)
    assert record.data == shown(session, clock.now())
    assert record.data["billed_minutes"] == -(-int(after_s) // 60)
