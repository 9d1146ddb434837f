"""``read`` (storage/repositories/hot_read.py, the driver's SQL behind GET of a session) returns
what ``get`` returns, and nothing for an unknown id or another tenant's."""

from __future__ import annotations

from sessionary.bootstrap import Container
from sessionary.domain.model import Tenant
from sessionary.domain.session import CloseReason, Session
from sessionary.services.sessions import OpenRequest
from tests.conftest import TEST_ACTOR


async def _both(
    container: Container, tenant_pk: int, id: str
) -> tuple[Session | None, Session | None]:
    async with container.database.unit_of_work(write=False) as uow:
        got = await uow.sessions.get(tenant_pk, id)
        read = await uow.sessions.read(tenant_pk, id)
        await uow.commit()
    return got, read


async def test_reading_a_session_returns_what_get_returns(
    container: Container, tenant: Tenant
) -> None:
    live = await container.sessions.open(
        tenant.pk,
        OpenRequest("device", "d-ü", scope="s1", alias="a", idle_timeout_s=60,
                    max_lifetime_s=600, state={"deep": [1, {"x": None}]}, metered=False),
        TEST_ACTOR,
    )  # fmt: skip
    ended = await container.sessions.open(tenant.pk, OpenRequest("user", "u1"), TEST_ACTOR)
    await container.sessions.close(tenant.pk, ended.id, TEST_ACTOR, CloseReason.ADMIN)
    for id in (live.id, ended.id):
        got, read = await _both(container, tenant.pk, id)
        assert got is not None and read == got
    got, read = await _both(container, tenant.pk, live.id)
    assert read is not None and (read.subject_id, read.state) == ("d-ü", {"deep": [1, {"x": None}]})


async def test_reading_an_unknown_or_foreign_session_finds_nothing(
    container: Container, tenant: Tenant, other_tenant: Tenant
) -> None:
    mine = await container.sessions.open(tenant.pk, OpenRequest("user", "u2"), TEST_ACTOR)
    assert await _both(container, other_tenant.pk, mine.id) == (None, None)
    assert await _both(container, tenant.pk, "ses_unknown") == (None, None)
