"""Dedicated sessions in the native API, in usage reports and in lifecycle records."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from sessionary.bootstrap import Container
from sessionary.domain.model import SECOND, Tenant
from tests.support import FakeClock

from .helpers import Pagos, PagosClient


async def native_get(client: httpx.AsyncClient, path: str, headers: dict[str, str]) -> Any:
    response = await client.get(path, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


async def lifecycle(container: Container, tenant: Tenant, sid: str) -> list[tuple[str, Any]]:
    async with container.database.unit_of_work(write=False) as uow:
        session = await uow.sessions.get(tenant.pk, sid)
        assert session is not None
        records = await uow.lifecycle.for_session(session.pk)
        await uow.commit()
    return [(r.type, r.reason) for r in records]


async def test_an_open_session_is_an_active_pagos_session_of_the_application(
    pagos: Pagos, app_a: str, session_s: str, native: dict[str, str]
) -> None:
    found = await native_get(pagos.client, f"/v1/sessions/{session_s}", native)
    assert (found["id"], found["status"], found["dialect"]) == (session_s, "active", "pagos")
    assert found["subject"] == {"kind": "application", "id": app_a}
    assert (found["closed_at"], found["close_reason"]) == (None, None)


async def test_a_closed_session_shows_as_closed_by_the_client(
    pagos: Pagos, token: str, app_a: str, session_s: str, native: dict[str, str]
) -> None:
    await pagos.close_session(token, app_a, session_s)
    found = await native_get(pagos.client, f"/v1/sessions/{session_s}", native)
    assert (found["status"], found["close_reason"], found["dialect"]) == (
        "closed",
        "client",
        "pagos",
    )
    assert found["closed_at"] is not None


async def test_an_idle_session_shows_as_expired(
    pagos: Pagos, session_s: str, native: dict[str, str], clock: FakeClock
) -> None:
    clock.advance(301)
    found = await native_get(pagos.client, f"/v1/sessions/{session_s}", native)
    assert (found["status"], found["close_reason"]) == ("expired", "idle_timeout")


async def test_the_native_list_filters_dedicated_sessions_by_application(
    pagos: Pagos, token: str, app_a: str, app_b: str, native: dict[str, str]
) -> None:
    on_a = await pagos.open_session(token, app_a)
    await pagos.open_session(token, app_b)
    page = await native_get(
        pagos.client, f"/v1/sessions?subject_kind=application&subject_id={app_a}", native
    )
    assert [item["id"] for item in page["items"]] == [on_a]


async def test_the_lifecycle_records_an_open_and_a_close(
    pagos: Pagos, container: Container, tenant: Tenant, token: str, app_a: str, session_s: str
) -> None:
    assert await lifecycle(container, tenant, session_s) == [("opened", None)]
    await pagos.close_session(token, app_a, session_s)
    assert await lifecycle(container, tenant, session_s) == [("opened", None), ("closed", "client")]


async def test_a_close_after_the_idle_timeout_records_the_expiry(
    pagos: Pagos,
    container: Container,
    tenant: Tenant,
    token: str,
    app_a: str,
    session_s: str,
    clock: FakeClock,
) -> None:
    clock.advance(301)
    response = await pagos.close(token, {"SessionId": session_s, "ApplicationKey": app_a})
    assert response.json()["Success"] is False
    records = await lifecycle(container, tenant, session_s)
    assert records == [("opened", None), ("expired", "idle_timeout")]


async def test_the_opened_record_names_the_pagos_dialect(
    container: Container, tenant: Tenant, session_s: str
) -> None:
    async with container.database.unit_of_work(write=False) as uow:
        session = await uow.sessions.get(tenant.pk, session_s)
        assert session is not None
        records = await uow.lifecycle.for_session(session.pk)
        await uow.commit()
    assert records[0].data == {"dialect": "pagos"}


async def test_usage_reports_count_dedicated_sessions_and_their_minutes(
    pagos: Pagos,
    token: str,
    app_a: str,
    session_s: str,
    native: dict[str, str],
    clock: FakeClock,
) -> None:
    opened_day = datetime.fromtimestamp(clock.now() / SECOND, UTC).date()
    clock.advance(90)
    await pagos.close_session(token, app_a, session_s)
    days = f"from={opened_day - timedelta(days=1)}&to={opened_day + timedelta(days=1)}"
    usage = await native_get(pagos.client, f"/v1/usage?{days}&subject_kind=application", native)
    totals = usage["totals"]
    assert (totals["opened"], totals["ended"], totals["billed_minutes"]) == (1, 1, 2)
    other = await native_get(pagos.client, f"/v1/usage?{days}&subject_kind=device", native)
    assert other["totals"]["opened"] == 0


async def test_the_session_owner_is_the_client_that_opened_it(
    container: Container, tenant: Tenant, pagos_client: PagosClient, session_s: str
) -> None:
    session = await container.sessions.get(tenant.pk, session_s)
    assert (session.owner, session.dialect, session.subject_kind) == (
        pagos_client.id,
        "pagos",
        "application",
    )
