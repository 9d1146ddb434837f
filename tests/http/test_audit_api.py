"""GET /v1/audit: who changed what, through which credential and request."""

from __future__ import annotations

from sessionary.bootstrap import Container
from tests.conftest import Api, key_headers


async def test_every_session_change_is_in_the_audit_trail_with_its_request_id(api: Api) -> None:
    opened = await api.client.post(
        "/v1/sessions",
        json={"subject": {"kind": "user", "id": "u1"}},
        headers={**api.headers, "X-Request-Id": "req-open-1"},
    )
    sid = opened.json()["id"]
    await api.client.post(f"/v1/sessions/{sid}/close", headers=api.headers)
    trail = (await api.client.get("/v1/audit", headers=api.headers)).json()["items"]
    actions = [(e["action"], e["target"]) for e in trail[:2]]
    assert actions == [("session.close", sid), ("session.open", sid)]
    assert trail[1]["request_id"] == "req-open-1"
    assert trail[1]["credential_id"].startswith("key_")
    assert trail[1]["actor"] == "api"


async def test_the_audit_trail_pages_newest_first_by_cursor(api: Api) -> None:
    for i in range(3):
        body = {"subject": {"kind": "user", "id": f"u{i}"}}
        await api.client.post("/v1/sessions", json=body, headers=api.headers)
    first = (await api.client.get("/v1/audit?limit=2", headers=api.headers)).json()
    rest = await api.client.get(f"/v1/audit?cursor={first['next_cursor']}", headers=api.headers)
    ids = [e["id"] for e in first["items"] + rest.json()["items"]]
    assert ids == sorted(ids, reverse=True) and len(ids) == len(set(ids))


async def test_another_tenants_audit_trail_is_invisible(
    api: Api, other_api: Api, container: Container
) -> None:
    await api.client.post(
        "/v1/sessions", json={"subject": {"kind": "user", "id": "u"}}, headers=api.headers
    )
    theirs = (await other_api.client.get("/v1/audit", headers=other_api.headers)).json()
    assert all(e["action"] != "session.open" for e in theirs["items"])


async def test_reading_the_audit_trail_needs_the_admin_scope(
    api: Api, container: Container
) -> None:
    reader = await key_headers(container, api.tenant.pk, "sessions:read")
    denied = await api.client.get("/v1/audit", headers=reader)
    assert denied.status_code == 403
    assert denied.headers["content-type"] == "application/problem+json"
