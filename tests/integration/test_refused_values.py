"""A value the database cannot store (an int beyond 64 bits, text longer than its column) is
the caller's InvalidInput at the storage boundary on both backends: never StorageUnavailable,
which tells a client to retry. It changes nothing, the pooled connection goes on serving and
readiness holds. This is the last line of defence under the checks at each route's edge, so
these calls bypass HTTP."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest

from sessionary.bootstrap import Container
from sessionary.config import Settings
from sessionary.domain.errors import InvalidInput
from sessionary.domain.model import NewEvent, Tenant
from sessionary.services.sessions import OpenRequest

from .helpers import ACTOR, all_events, batch, open_session

BEYOND_64_BITS = 2**63
Call = Callable[[Container, int, str], Awaitable[object]]

OUT_OF_RANGE: dict[str, Call] = {
    "read-after": lambda c, t, s: c.events.read(t, s, BEYOND_64_BITS, None, 10),
    "read-to": lambda c, t, s: c.events.read(t, s, 0, BEYOND_64_BITS, 10),
    "read-limit": lambda c, t, s: c.events.read(t, s, 0, None, BEYOND_64_BITS),
    "read-below": lambda c, t, s: c.events.read(t, s, -BEYOND_64_BITS - 1, None, 10),
    "extend": lambda c, t, s: c.sessions.extend(t, s, BEYOND_64_BITS, ACTOR),
    "ordinal": lambda c, t, s: c.events.append(t, s, [_event(ordinal=BEYOND_64_BITS)]),
    "occurred-at": lambda c, t, s: c.events.append(t, s, [_event(occurred_at=BEYOND_64_BITS)]),
}


def _event(**fields: int) -> NewEvent:
    return NewEvent(type="t", payload={}, **fields)  # type: ignore[arg-type]


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """One pooled PostgreSQL connection: the call after a refused value gets the same one."""
    return settings.model_copy(update={"pg_pool_size": 1})


@pytest.mark.parametrize("call", OUT_OF_RANGE.values(), ids=OUT_OF_RANGE.keys())
async def test_an_int_beyond_64_bits_is_invalid_input_and_the_connection_serves_on(
    container: Container, tenant: Tenant, call: Call
) -> None:
    session = await open_session(container, tenant.pk, "u1")
    with pytest.raises(InvalidInput):
        await call(container, tenant.pk, session.id)
    assert await all_events(container, tenant.pk, session.id) == []
    assert await container.database.ping()  # readiness holds
    appended = await container.events.append(tenant.pk, session.id, batch(2))
    assert appended.accepted == 2


TOO_LONG: dict[str, Call] = {
    "subject-id": lambda c, t, s: c.sessions.open(t, OpenRequest("user", "x" * 201), ACTOR),
    "subject-kind": lambda c, t, s: c.sessions.open(t, OpenRequest("k" * 65, "x"), ACTOR),
    "event-type": lambda c, t, s: c.events.append(t, s, [NewEvent(type="t" * 101, payload={})]),
}


@pytest.mark.parametrize("call", TOO_LONG.values(), ids=TOO_LONG.keys())
async def test_text_longer_than_its_column_is_never_unavailable(
    container: Container, tenant: Tenant, call: Call
) -> None:
    """The service checks refuse some of these first, on both backends; below them
    PostgreSQL refuses the rest and SQLite keeps them (the checks at each route's edge make
    the two answer alike). A refusal here is always the caller's input, never unavailable."""
    session = await open_session(container, tenant.pk, "u1")
    try:
        await call(container, tenant.pk, session.id)
    except InvalidInput:
        assert await all_events(container, tenant.pk, session.id) == []
    else:
        assert not container.settings.database_url.startswith("postgresql")
    assert await container.database.ping()
    appended = await container.events.append(tenant.pk, session.id, batch(2))
    assert appended.accepted == 2


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)  # SQLite has no pool
async def test_a_connection_closed_under_a_one_step_statement_is_not_handed_out_again(
    container: Container, tenant: Tenant
) -> None:
    """asyncpg_errors closes the driver's connection after an error that leaves it in an
    unknown state; SQLAlchemy's pool does not see that, so the unit of work must drop it, or
    the next one-step statement on it fails as well ("connection is closed")."""
    session = await open_session(container, tenant.pk, "u1")
    async with container.database.unit_of_work() as uow:
        (await uow.sessions._ex.driver()).terminate()  # as asyncpg_errors does
    appended = await container.events.append(tenant.pk, session.id, batch(2))
    assert appended.accepted == 2
