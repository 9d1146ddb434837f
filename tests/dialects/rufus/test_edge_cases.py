"""Edge cases beyond the happy paths: values the parsers accept but storage or output cannot
hold, and subjects shared with the native API. Each must stay a clean 4xx or stay invisible."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from sessionary.bootstrap import Container
from sessionary.domain.model import Tenant
from tests.conftest import key_headers

from .helpers import Rufus, passing


@pytest.mark.parametrize(
    "timestamp", ["0001-01-01T00:00:00.000+01:00", "9999-12-31T23:59:59.999-01:00"]
)
async def test_a_timestamp_outside_the_years_1_to_9999_in_utc_is_a_400_and_reads_keep_working(
    rufus: Rufus, kr: str, kw: str, device: str, t1_loaded: str, timestamp: str
) -> None:
    """§2.4: every output timestamp is ``YYYY-MM-DDTHH:mm:ss.sssZ``; a passing whose UTC
    instant has no such form must be refused, not stored."""
    inserted = await rufus.insert(kw, t1_loaded, [passing(3, timestamp)])
    statuses = (
        inserted.status_code,
        (await rufus.get(f"/passings/session/{t1_loaded}", kr)).status_code,
        (await rufus.get(f"/sessions/{t1_loaded}", kr)).status_code,
        (await rufus.get(f"/passings/device/{device}", kr)).status_code,
    )
    assert statuses == (400, 200, 200, 200), inserted.text
    assert await rufus.nums(t1_loaded, kr) == [1, 2]


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/passings/session/{t}", {"page": 10**20}),
        ("/passings/session/{t}", {"first": 10**30}),
        ("/passings/session/{t}", {"last": 2**63}),
        ("/passings/device/{d}", {"page": 2**62}),
        ("/passings/device2/{d}", {"last": 10**30}),
        ("/devices", {"page": 10**20}),
    ],
    ids=["P2 page", "P2 first", "P2 last", "P3 page", "P4 last", "D3 page"],
)
async def test_an_integer_query_parameter_too_large_for_storage_is_a_400(
    rufus: Rufus, kr: str, device: str, t1_loaded: str, path: str, params: dict[str, Any]
) -> None:
    response = await rufus.get(path.format(d=device, t=t1_loaded), kr, **params)
    rufus.expect_error(response, 400)


async def test_a_subject_of_kind_device_made_by_the_native_api_is_not_a_rufus_device(
    rufus: Rufus, client: httpx.AsyncClient, container: Container, tenant: Tenant, kr: str
) -> None:
    """Devices exist once bound by POST /devices (§5 D1); D3/D4 type, model and serial_number
    are strings, never null."""
    native = await key_headers(container, tenant.pk)
    body = {"subject": {"kind": "device", "id": "NATIVE1"}}
    assert (await client.post("/v1/sessions", json=body, headers=native)).status_code == 201
    rufus.expect(await rufus.get("/devices/NATIVE1", kr), 404, {"description": "Device not found"})
    assert await rufus.result("/devices", kr) == []


async def test_a_timing_session_cannot_start_on_a_device_another_api_made(
    rufus: Rufus, client: httpx.AsyncClient, container: Container, tenant: Tenant, kw: str
) -> None:
    native = await key_headers(container, tenant.pk)
    body = {"subject": {"kind": "device", "id": "NATIVE2"}}
    assert (await client.post("/v1/sessions", json=body, headers=native)).status_code == 201
    refused = await rufus.post("/sessions", kw, {"deviceid": "NATIVE2"})
    rufus.expect(refused, 404, {"description": "Device not found", "deviceid": "NATIVE2"})


async def test_a_devices_totals_count_only_the_sessions_the_dialect_lists(
    rufus: Rufus,
    client: httpx.AsyncClient,
    container: Container,
    tenant: Tenant,
    kr: str,
    device: str,
    t1_loaded: str,
) -> None:
    """D4 ``sessions``/``passings`` are totals over the device's sessions (§5 D4), the same
    sessions S3 lists; a native session on the same subject is not one of them."""
    native = await key_headers(container, tenant.pk)
    body = {"subject": {"kind": "device", "id": device}, "supersede": False}
    opened = await client.post("/v1/sessions", json=body, headers=native)
    assert opened.status_code == 201, opened.text
    events = {"events": [{"type": "x", "payload": {}}]}
    appended = await client.post(
        f"/v1/sessions/{opened.json()['id']}/events", json=events, headers=native
    )
    assert appended.status_code in (200, 201), appended.text
    listed = await rufus.result(f"/sessions/device/{device}", kr)
    detail = await rufus.result(f"/devices/{device}", kr)
    assert (detail["sessions"], detail["passings"]) == (len(listed), 2) == (1, 2)
