"""/v1/webhooks over HTTP: create (secret once), read, change, delete, deliveries, replay."""

from __future__ import annotations

from sessionary.bootstrap import Container
from tests.conftest import Api
from tests.support import FakeClock

from .receiver import Receiver


async def _create(api: Api, url: str, **extra: object) -> dict[str, object]:
    r = await api.client.post("/v1/webhooks", json={"url": url, **extra}, headers=api.headers)
    assert r.status_code == 201, r.text
    body: dict[str, object] = r.json()
    return body


async def test_creating_a_webhook_shows_its_secret_once(api: Api, receiver: Receiver) -> None:
    created = await _create(api, receiver.url, event_types=["closed", "opened"])
    assert str(created["secret"]).startswith("whsec_")
    assert created["event_types"] == ["closed", "opened"]
    read = await api.client.get(f"/v1/webhooks/{created['id']}", headers=api.headers)
    assert read.status_code == 200
    assert "secret" not in read.json()
    listed = await api.client.get("/v1/webhooks", headers=api.headers)
    assert [h["id"] for h in listed.json()] == [created["id"]]


async def test_the_secret_is_stored_encrypted_not_in_clear(
    api: Api, container: Container, receiver: Receiver
) -> None:
    created = await _create(api, receiver.url)
    hooks = await container.webhooks.list(api.tenant.pk)
    assert hooks[0].secret_sealed != created["secret"]
    assert str(created["secret"]) not in hooks[0].secret_sealed
    assert container.webhooks.secret_of(hooks[0]) == created["secret"]


async def test_a_bad_url_or_an_unknown_event_type_is_refused_and_nothing_is_created(
    api: Api,
) -> None:
    for body in (
        {"url": "ftp://example.com/hook"},
        {"url": "not a url"},
        {"url": "http://127.0.0.1:port/hook"},  # httpx refuses to send it
        {"url": "http://127.0.0.1:99999/hook"},
        {"url": "https://user:password@127.0.0.1/hook"},  # shown and audited: no credentials
        {"url": "http://127.0.0.1/a hook"},
        {"url": "http://127.0.0.1/hook", "event_types": ["exploded"]},
        {"url": "http://127.0.0.1/hook", "secret": "mine"},
        {"url": 5},
    ):
        r = await api.client.post("/v1/webhooks", json=body, headers=api.headers)
        assert r.status_code in (400, 422), (body, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
    assert (await api.client.get("/v1/webhooks", headers=api.headers)).json() == []


async def test_another_tenants_webhook_answers_exactly_like_an_unknown_one(
    api: Api, other_api: Api, receiver: Receiver
) -> None:
    created = await _create(api, receiver.url)
    for method, suffix in (("GET", ""), ("DELETE", ""), ("GET", "/deliveries")):
        theirs = await other_api.client.request(
            method, f"/v1/webhooks/{created['id']}{suffix}", headers=other_api.headers
        )
        unknown = await other_api.client.request(
            method, f"/v1/webhooks/wh_unknown{suffix}", headers=other_api.headers
        )
        assert theirs.status_code == unknown.status_code == 404
        assert theirs.json()["type"] == unknown.json()["type"]
    assert (await api.client.get(f"/v1/webhooks/{created['id']}", headers=api.headers)).is_success


async def test_pausing_and_deleting_a_webhook(api: Api, receiver: Receiver) -> None:
    created = await _create(api, receiver.url)
    url = f"/v1/webhooks/{created['id']}"
    paused = await api.client.patch(url, json={"active": False}, headers=api.headers)
    assert paused.json()["active"] is False
    assert paused.json()["disabled_at"] is not None
    assert (await api.client.delete(url, headers=api.headers)).status_code == 204
    assert (await api.client.get(url, headers=api.headers)).status_code == 404


async def test_deliveries_show_status_and_replay_requeues_them(
    api: Api, container: Container, clock: FakeClock, receiver: Receiver
) -> None:
    receiver.fail_first = 100
    created = await _create(api, receiver.url, event_types=["opened"])
    opened = await api.client.post(
        "/v1/sessions", json={"subject": {"kind": "user", "id": "u1"}}, headers=api.headers
    )
    assert opened.status_code == 201
    for _ in range(container.settings.webhook_max_attempts + 2):
        await container.dispatcher.run_once()
        clock.advance(3600)
    url = f"/v1/webhooks/{created['id']}"
    dead = (await api.client.get(f"{url}/deliveries?status=dead", headers=api.headers)).json()
    [item] = dead["items"]
    assert item["attempts"] == container.settings.webhook_max_attempts
    assert item["last_status"] == 500
    assert item["last_error"] == "HTTP 500"

    receiver.fail_first = 0
    replay = await api.client.post(
        f"{url}/replay", json={"from_event_id": int(item["event_id"])}, headers=api.headers
    )
    assert replay.status_code == 202
    assert replay.json() == {"requeued": 1}
    await container.dispatcher.run_once()
    page = (await api.client.get(f"{url}/deliveries", headers=api.headers)).json()
    assert [d["status"] for d in page["items"]] == ["delivered"]


async def test_replay_from_an_event_of_another_tenant_is_refused(
    api: Api, other_api: Api, receiver: Receiver
) -> None:
    created = await _create(api, receiver.url)
    await other_api.client.post(
        "/v1/sessions", json={"subject": {"kind": "user", "id": "u1"}}, headers=other_api.headers
    )
    r = await api.client.post(
        f"/v1/webhooks/{created['id']}/replay", json={"from_event_id": 1}, headers=api.headers
    )
    assert r.status_code in (400, 422)


async def test_webhooks_need_the_admin_scope(api: Api, container: Container) -> None:
    from tests.conftest import key_headers

    reader = await key_headers(container, api.tenant.pk, "sessions:read")
    r = await api.client.get("/v1/webhooks", headers=reader)
    assert r.status_code == 403
