"""PostgreSQL writes a batch of events by COPY on the driver's connection
(storage/repositories/events.py). The COPY must belong to the unit of work's transaction even
when it is the unit's first statement, and a COPY the database refuses must be reported in
the storage layer's terms and leave nothing behind."""

from __future__ import annotations

import pytest

from sessionary.bootstrap import Container
from sessionary.domain.errors import Conflict
from sessionary.domain.model import Event, Tenant

from .helpers import all_events, open_session


def _events(session_pk: int, seqs: range, tag: str = "copied") -> list[Event]:
    return [
        Event(
            session_pk=session_pk,
            seq=seq,
            type=tag,
            occurred_at=1_000 + seq,
            recorded_at=2_000,
            dedupe_key=f"k{seq}" if seq % 2 else None,
            payload={"seq": seq, "text": 'çà "q" \\'},
            ordinal=seq if seq % 3 else None,
        )
        for seq in seqs
    ]


async def test_a_batch_that_is_the_units_first_statement_is_undone_with_the_unit(
    container: Container, tenant: Tenant
) -> None:
    session = await open_session(container, tenant.pk, "u1")
    with pytest.raises(RuntimeError):
        async with container.database.unit_of_work() as uow:
            await uow.events.add_many(tenant.pk, _events(session.pk, range(1, 51)))
            raise RuntimeError("the unit fails after the batch went in")
    assert await all_events(container, tenant.pk, session.id) == []


async def test_a_batch_that_is_the_units_first_statement_commits_with_the_unit(
    container: Container, tenant: Tenant
) -> None:
    session = await open_session(container, tenant.pk, "u1")
    sent = _events(session.pk, range(1, 51))
    async with container.database.unit_of_work() as uow:
        await uow.events.add_many(tenant.pk, sent)
        await uow.commit()
    stored = await all_events(container, tenant.pk, session.id)
    assert [(e.seq, e.type, e.payload, e.dedupe_key, e.ordinal) for e in stored] == [
        (e.seq, e.type, e.payload, e.dedupe_key, e.ordinal) for e in sent
    ]


async def test_a_refused_batch_is_a_conflict_and_undoes_the_whole_unit(
    container: Container, tenant: Tenant
) -> None:
    session = await open_session(container, tenant.pk, "u1")
    async with container.database.unit_of_work() as uow:
        await uow.events.add_many(tenant.pk, _events(session.pk, range(1, 3), "first"))
        await uow.commit()
    with pytest.raises(Conflict):
        async with container.database.unit_of_work() as uow:
            await uow.events.add_many(tenant.pk, _events(session.pk, range(10, 20), "kept?"))
            await uow.events.add_many(tenant.pk, _events(session.pk, range(2, 5), "clash"))
            await uow.commit()
    stored = await all_events(container, tenant.pk, session.id)
    assert [(e.seq, e.type) for e in stored] == [(1, "first"), (2, "first")]
