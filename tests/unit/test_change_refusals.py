"""services/changes.py with a hand-written fake storage: a change is data (domain/changes.py),
so storage can be stood in for without a database. Each failed guard becomes its domain
error; a due session is expired first, then deleted or refused."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from sessionary.domain.changes import Change, Changed, One, Step, Why
from sessionary.domain.errors import Forbidden, InvalidInput, SessionNotActive, SessionNotFound
from sessionary.domain.model import Actor
from sessionary.services.changes import change_one
from tests.support import FakeClock
from tests.unit.factories import make_session

ACTOR = Actor(credential_pk=None, label="test")
TARGET = One(1, "ses_1")


@dataclass
class FakeSessions:
    """Answers each change with the next scripted outcome and remembers what it was asked;
    taking a row's lock waits two seconds."""

    outcomes: list[Changed]
    clock: FakeClock = field(default_factory=FakeClock)
    asked: list[Change] = field(default_factory=list)
    locked: list[str] = field(default_factory=list)

    async def change(self, change: Change) -> Changed:
        self.asked.append(change)
        return self.outcomes.pop(0)

    async def lock(self, tenant_pk: int, id: str) -> None:
        self.locked.append(id)
        self.clock.advance(2)


@dataclass
class FakeUnitOfWork:
    sessions: FakeSessions
    committed: int = 0

    async def commit(self) -> None:
        self.committed += 1


def uow_answering(*outcomes: Changed) -> Any:
    return FakeUnitOfWork(FakeSessions(list(outcomes)))


@pytest.mark.parametrize(
    ("why", "error"),
    [
        (Why.MISSING, SessionNotFound),
        (Why.ENDED, SessionNotActive),
        (Why.FORBIDDEN, Forbidden),
        (Why.NO_TTL, InvalidInput),
        (Why.BAD_TTL, InvalidInput),
    ],
)
async def test_each_failed_guard_becomes_its_domain_error(why: Why, error: type[Exception]) -> None:
    uow = uow_answering(Changed([], why, "closed"))
    with pytest.raises(error):
        await change_one(uow, FakeClock(), Change(Step.CLOSE, TARGET, 0, ACTOR))


async def test_a_due_session_is_expired_and_committed_before_the_close_is_refused() -> None:
    uow = uow_answering(Changed([], Why.DUE, "expired"), Changed([make_session()]))
    with pytest.raises(SessionNotActive, match="expired"):
        await change_one(uow, FakeClock(), Change(Step.CLOSE, TARGET, 0, ACTOR))
    assert [c.step for c in uow.sessions.asked] == [Step.CLOSE, Step.EXPIRE]
    assert uow.committed == 1


async def test_a_due_session_is_expired_then_deleted() -> None:
    deleted = make_session()
    uow = uow_answering(Changed([], Why.DUE), Changed([make_session()]), Changed([deleted]))
    got = await change_one(uow, FakeClock(), Change(Step.DELETE, TARGET, 0, ACTOR))
    assert got is deleted
    assert [c.step for c in uow.sessions.asked] == [Step.DELETE, Step.EXPIRE, Step.DELETE]


async def test_a_live_only_delete_of_a_due_session_records_nothing() -> None:
    uow = uow_answering(Changed([], Why.DUE, "expired"))
    change = Change(Step.DELETE, TARGET, 0, ACTOR, live_only=True)
    with pytest.raises(SessionNotActive, match="ended"):
        await change_one(uow, FakeClock(), change)
    assert [c.step for c in uow.sessions.asked] == [Step.DELETE]


async def test_a_held_row_is_waited_for_and_the_change_runs_again_with_a_later_clock() -> None:
    uow = uow_answering(Changed([], Why.LOCKED), Changed([make_session()]))
    await change_one(uow, uow.sessions.clock, Change(Step.CLOSE, TARGET, 0, ACTOR))
    first, again = uow.sessions.asked
    assert uow.sessions.locked == ["ses_1"]
    assert again.now == first.now + 2_000_000
