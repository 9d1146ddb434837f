"""The console's page cursors and its replay form refuse integers past signed 64-bit (and
negative ones) as a 4xx page on both backends, never a 500 from SQLite's OverflowError or a 503
from PostgreSQL, and change nothing."""

from __future__ import annotations

import httpx
import pytest

from sessionary.bootstrap import Container
from sessionary.domain.model import Tenant
from sessionary.services.sessions import OpenRequest
from tests.conftest import TEST_ACTOR

from .helpers import post_form, signed_in

TOO_BIG = (2**63, -(2**63) - 1, 10**30, -1)
CURSORS = [
    ("/admin/sessions", "before"),
    ("/admin/sessions/acme/{sid}", "lifecycle_after"),
    ("/admin/sessions/acme/{sid}", "events_after"),
    ("/admin/sessions/acme/{sid}", "work_after"),
    ("/admin/keys", "before"),
    ("/admin/webhooks/acme/{hook}", "after"),
    ("/admin/webhooks/acme/{hook}", "requeued"),
]


async def audit_trail(container: Container, tenant: Tenant) -> list[str]:
    entries, _ = await container.audit.page(tenant.pk, None, 100)
    return [e.action for e in entries]


@pytest.fixture
async def ids(client: httpx.AsyncClient, container: Container, tenant: Tenant) -> dict[str, str]:
    await signed_in(client, container)
    created = await container.webhooks.create(tenant.pk, "https://hooks.example/in", [], TEST_ACTOR)
    opened = await container.sessions.open(tenant.pk, OpenRequest("user", "u1"), TEST_ACTOR)
    return {"sid": opened.id, "hook": created.webhook.id}


@pytest.mark.parametrize("value", TOO_BIG, ids=str)
@pytest.mark.parametrize(("path", "name"), CURSORS, ids=[f"{p}?{n}" for p, n in CURSORS])
async def test_a_page_cursor_past_int64_is_a_400_page(
    client: httpx.AsyncClient, ids: dict[str, str], path: str, name: str, value: int
) -> None:
    response = await client.get(path.format(**ids), params={name: value})
    assert response.status_code == 400, response.text


@pytest.mark.parametrize("value", (*TOO_BIG, "1e3", ""), ids=str)
async def test_a_replay_from_an_event_id_past_int64_is_a_422_and_requeues_nothing(
    client: httpx.AsyncClient,
    container: Container,
    tenant: Tenant,
    ids: dict[str, str],
    value: object,
) -> None:
    before = await audit_trail(container, tenant)
    path = f"/admin/webhooks/acme/{ids['hook']}"
    answer = await post_form(client, path, f"{path}/replay", {"from_event_id": str(value)})
    assert answer.status_code == 422, answer.text
    assert await audit_trail(container, tenant) == before


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
async def test_the_last_and_first_days_a_date_can_hold_filter_the_sessions_page(
    client: httpx.AsyncClient, ids: dict[str, str], day: str
) -> None:
    """The end of 9999-12-31 is counted in microseconds, not as a date one day later."""
    for name in ("from", "to"):
        response = await client.get("/admin/sessions", params={name: day})
        assert response.status_code == 200, response.text
