"""PostgreSQL cannot store U+0000 in text or jsonb; SQLite can. On PostgreSQL such input is
the caller's InvalidInput (never StorageUnavailable, which tells a client to retry), changes
nothing, and leaves the pooled connection usable. On SQLite it is stored and read back as sent."""

from __future__ import annotations

import pytest

from sessionary.bootstrap import Container
from sessionary.domain.errors import InvalidInput
from sessionary.domain.model import NewEvent, Tenant
from sessionary.services.sessions import OpenRequest

from .helpers import ACTOR, all_events, batch, open_session

NUL = "a\u0000b"
BATCHES = {
    "plain-payload": [NewEvent(type="t", payload={"text": NUL})],
    "keyed-payload": [NewEvent(type="t", payload={"text": NUL}, dedupe_key="k")],
}
# Refused on both backends: a batch reaches the database as JSON, whose text SQLite cuts at NUL.
REFUSED = {
    "plain-type": [NewEvent(type=NUL, payload={})],
    "keyed-type": [NewEvent(type=NUL, payload={}, dedupe_key="k")],
    "keyed-key": [NewEvent(type="t", payload={}, dedupe_key=NUL)],
}


def on_postgresql(container: Container) -> bool:
    return container.settings.database_url.startswith("postgresql")


@pytest.mark.parametrize("sent", BATCHES.values(), ids=BATCHES.keys())
async def test_an_event_holding_nul_is_invalid_input_on_postgresql_and_kept_on_sqlite(
    container: Container, tenant: Tenant, sent: list[NewEvent]
) -> None:
    session = await open_session(container, tenant.pk, "u1")
    if on_postgresql(container):
        with pytest.raises(InvalidInput):
            await container.events.append(tenant.pk, session.id, sent)
        assert await all_events(container, tenant.pk, session.id) == []
        assert (await container.sessions.get(tenant.pk, session.id)).last_seq == 0
    else:
        await container.events.append(tenant.pk, session.id, sent)
        stored = await all_events(container, tenant.pk, session.id)
        assert [(e.type, e.payload, e.dedupe_key) for e in stored] == [
            (e.type, e.payload, e.dedupe_key) for e in sent
        ]
    appended = await container.events.append(tenant.pk, session.id, batch(3))
    assert appended.accepted == 3  # the same pool still serves the session


@pytest.mark.parametrize("sent", REFUSED.values(), ids=REFUSED.keys())
async def test_an_event_type_or_dedupe_key_holding_nul_is_invalid_input_on_both_backends(
    container: Container, tenant: Tenant, sent: list[NewEvent]
) -> None:
    session = await open_session(container, tenant.pk, "u1")
    with pytest.raises(InvalidInput):
        await container.events.append(tenant.pk, session.id, sent)
    assert await all_events(container, tenant.pk, session.id) == []
    assert (await container.sessions.get(tenant.pk, session.id)).last_seq == 0


async def test_a_subject_id_holding_nul_opens_nothing_on_postgresql(
    container: Container, tenant: Tenant
) -> None:
    request = OpenRequest("user", NUL)
    if not on_postgresql(container):
        opened = await container.sessions.open(tenant.pk, request, ACTOR)
        assert opened.subject_id == NUL
        return
    with pytest.raises(InvalidInput):
        await container.sessions.open(tenant.pk, request, ACTOR)
    async with container.database.unit_of_work(write=False) as uow:
        assert await uow.sessions.count_by_status(tenant.pk) == {}
        await uow.commit()
