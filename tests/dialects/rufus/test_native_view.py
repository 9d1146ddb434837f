"""The RUFUS sessions and passings are ordinary sessionary sessions and events: the native /v1
API sees them, and every open, supersede and close leaves its lifecycle record."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from sessionary.bootstrap import Container
from sessionary.domain.model import Tenant
from tests.conftest import key_headers

from .helpers import CHECK11_PASSINGS, Rufus, random_id


@pytest.fixture
async def native(container: Container, tenant: Tenant) -> dict[str, str]:
    return await key_headers(container, tenant.pk)


async def native_get(client: httpx.AsyncClient, path: str, headers: dict[str, str]) -> Any:
    response = await client.get(path, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


async def lifecycle(container: Container, tenant: Tenant, token: str) -> list[tuple[str, Any]]:
    async with container.database.unit_of_work(write=False) as uow:
        session = await uow.sessions.get(tenant.pk, token)
        assert session is not None
        records = await uow.lifecycle.for_session(session.pk)
        await uow.commit()
    return [(r.type, r.reason) for r in records]


async def test_the_native_api_shows_a_rufus_session_and_its_passings(
    rufus: Rufus, client: httpx.AsyncClient, native: dict[str, str], device: str, t1_loaded: str
) -> None:
    session = await native_get(client, f"/v1/sessions/{t1_loaded}", native)
    assert (session["id"], session["status"], session["event_count"]) == (t1_loaded, "active", 2)
    assert (session["subject"], session["alias"]) == ({"kind": "device", "id": device}, "START-5K")
    assert session["dialect"] == "rufus"
    events = (await native_get(client, f"/v1/sessions/{t1_loaded}/events", native))["items"]
    assert [e["seq"] for e in events] == [1, 2]
    assert [e["dedupe_key"] for e in events] == ["1", "2"]
    assert [e["occurred_at"] for e in events] == [p["timestamp"] for p in CHECK11_PASSINGS]
    assert [e["payload"]["bib"] for e in events] == ["7", "17"]
    assert events[1]["payload"]["chip"] == "000000000000017"


async def test_the_native_api_sees_superseded_and_closed_rufus_sessions_as_closed(
    rufus: Rufus,
    client: httpx.AsyncClient,
    native: dict[str, str],
    kw: str,
    device: str,
    t1_loaded: str,
) -> None:
    t2 = await rufus.start(kw, device)
    old = await native_get(client, f"/v1/sessions/{t1_loaded}", native)
    assert (old["status"], old["close_reason"], old["event_count"]) == ("closed", "superseded", 2)
    assert (await native_get(client, f"/v1/sessions/{t2}", native))["status"] == "active"
    await rufus.call("PATCH", f"/sessions/close/{t2}", kw)
    new = await native_get(client, f"/v1/sessions/{t2}", native)
    assert (new["status"], new["close_reason"], new["event_count"]) == ("closed", "client", 0)
    listed = await native_get(client, "/v1/sessions?subject_kind=device", native)
    assert {s["id"] for s in listed["items"]} == {t1_loaded, t2}


async def test_open_supersede_and_close_each_write_one_lifecycle_record(
    rufus: Rufus, container: Container, tenant: Tenant, kw: str, device: str, t1_loaded: str
) -> None:
    assert await lifecycle(container, tenant, t1_loaded) == [("opened", None)]
    t2 = await rufus.start(kw, device)
    assert await lifecycle(container, tenant, t1_loaded) == [
        ("opened", None),
        ("closed", "superseded"),
    ]
    for _ in range(2):
        assert (await rufus.call("PATCH", f"/sessions/close/{t2}", kw)).status_code == 200
    assert await lifecycle(container, tenant, t2) == [("opened", None), ("closed", "client")]


async def test_refused_requests_write_no_lifecycle_record(
    rufus: Rufus, container: Container, tenant: Tenant, kr: str, kw: str, t1_loaded: str
) -> None:
    await rufus.call("PATCH", f"/sessions/close/{t1_loaded}", kr)
    await rufus.post("/sessions", kw, {"deviceid": random_id()})
    await rufus.post("/sessions", kw, {})
    assert await lifecycle(container, tenant, t1_loaded) == [("opened", None)]


async def test_unbinding_the_device_deletes_its_sessions_for_the_native_api_too(
    rufus: Rufus,
    client: httpx.AsyncClient,
    native: dict[str, str],
    kadm: str,
    device: str,
    t1_loaded: str,
) -> None:
    assert (await rufus.call("DELETE", f"/devices/{device}", kadm)).status_code == 200
    assert (await client.get(f"/v1/sessions/{t1_loaded}", headers=native)).status_code == 404
    events = await client.get(f"/v1/sessions/{t1_loaded}/events", headers=native)
    assert events.status_code == 404


async def test_a_native_session_of_the_same_device_is_invisible_to_the_rufus_dialect(
    rufus: Rufus,
    client: httpx.AsyncClient,
    native: dict[str, str],
    kr: str,
    kw: str,
    device: str,
    t1: str,
) -> None:
    body = {"subject": {"kind": "device", "id": device}, "supersede": False}
    opened = await client.post("/v1/sessions", json=body, headers=native)
    assert opened.status_code == 201, opened.text
    other = opened.json()["id"]
    expected = {"description": "Session not found", "token_session": other}
    rufus.expect(await rufus.get(f"/sessions/{other}", kr), 404, expected)
    closed = {"description": "Session not found or closed", "token_session": other}
    rufus.expect(await rufus.insert(kw, other, CHECK11_PASSINGS), 404, closed)
    listed = await rufus.result(f"/sessions/device/{device}", kr)
    assert [s["token_session"] for s in listed] == [t1]
