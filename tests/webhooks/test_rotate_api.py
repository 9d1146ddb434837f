"""POST /v1/webhooks/{id}/rotate-secret over HTTP: the new secret once, the overlap, the
refusals, the audit entry, and its OpenAPI description."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

import pytest

from sessionary.bootstrap import Container
from tests.conftest import Api, key_headers
from tests.support import FakeClock

from .receiver import Receiver


async def _create(api: Api, url: str) -> dict[str, str]:
    r = await api.client.post("/v1/webhooks", json={"url": url}, headers=api.headers)
    assert r.status_code == 201, r.text
    body: dict[str, str] = r.json()
    return body


def _rotate_path(hook_id: str) -> str:
    return f"/v1/webhooks/{hook_id}/rotate-secret"


async def _secret_now(container: Container, api: Api, hook_id: str) -> str:
    return container.webhooks.secret_of(await container.webhooks.get(api.tenant.pk, hook_id))


def _seconds(iso: str) -> float:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone(UTC).timestamp()


async def test_rotating_shows_the_new_secret_once_and_when_the_old_one_stops(
    api: Api, container: Container, clock: FakeClock, receiver: Receiver
) -> None:
    created = await _create(api, receiver.url)

    r = await api.client.post(_rotate_path(created["id"]), headers=api.headers)  # no body

    assert r.status_code == 200, r.text
    body = r.json()
    assert body["id"] == created["id"]
    assert body["secret"].startswith("whsec_") and body["secret"] != created["secret"]
    default = container.settings.webhook_secret_overlap_s
    expected = clock.now() / 1e6 + default
    assert abs(_seconds(body["previous_secret_expires_at"]) - expected) < 1
    assert await _secret_now(container, api, created["id"]) == body["secret"]
    read = await api.client.get(f"/v1/webhooks/{created['id']}", headers=api.headers)
    assert "secret" not in read.text


async def test_an_overlap_in_the_body_is_used_and_zero_means_none(
    api: Api, clock: FakeClock, receiver: Receiver
) -> None:
    created = await _create(api, receiver.url)
    path = _rotate_path(created["id"])

    short = (await api.client.post(path, json={"overlap_s": 90}, headers=api.headers)).json()
    assert abs(_seconds(short["previous_secret_expires_at"]) - (clock.now() / 1e6 + 90)) < 1
    none = await api.client.post(path, json={"overlap_s": 0}, headers=api.headers)
    assert none.status_code == 200 and none.json()["previous_secret_expires_at"] is None


async def test_a_bad_overlap_is_refused_and_the_secret_stays(
    api: Api, container: Container, receiver: Receiver
) -> None:
    created = await _create(api, receiver.url)
    path = _rotate_path(created["id"])
    for body in (
        {"overlap_s": -1},
        {"overlap_s": 2_592_001},  # over 30 days
        {"overlap_s": "60"},
        {"overlap_s": 1.5},
        {"overlap": 60},
        [60],
    ):
        r = await api.client.post(path, json=body, headers=api.headers)
        assert r.status_code in (400, 422), (body, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
    assert await _secret_now(container, api, created["id"]) == created["secret"]


async def test_another_tenants_webhook_or_an_unknown_one_answers_404_and_keeps_its_secret(
    api: Api, other_api: Api, container: Container, receiver: Receiver
) -> None:
    created = await _create(api, receiver.url)

    theirs = await other_api.client.post(_rotate_path(created["id"]), headers=other_api.headers)
    unknown = await other_api.client.post(_rotate_path("wh_unknown"), headers=other_api.headers)

    assert theirs.status_code == unknown.status_code == 404
    assert theirs.json()["type"] == unknown.json()["type"]
    assert await _secret_now(container, api, created["id"]) == created["secret"]


async def test_rotating_needs_the_admin_scope(
    api: Api, container: Container, receiver: Receiver
) -> None:
    created = await _create(api, receiver.url)
    reader = await key_headers(container, api.tenant.pk, "sessions:read")
    r = await api.client.post(_rotate_path(created["id"]), headers=reader)
    assert r.status_code == 403
    assert await _secret_now(container, api, created["id"]) == created["secret"]


async def test_a_rotation_is_audited_without_any_secret_in_the_trail_or_the_logs(
    api: Api, receiver: Receiver, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    created = await _create(api, receiver.url)
    r = await api.client.post(
        _rotate_path(created["id"]), json={"overlap_s": 60}, headers=api.headers
    )

    trail = (await api.client.get("/v1/audit", headers=api.headers)).json()["items"]
    [entry] = [e for e in trail if e["action"] == "webhook.rotate_secret"]
    assert entry["target"] == created["id"]
    assert entry["detail"] == {"overlap_s": 60}
    for secret in (created["secret"], r.json()["secret"]):
        body = secret.removeprefix("whsec_")
        assert body not in json.dumps(trail) and body not in caplog.text


async def test_the_operation_and_its_optional_body_are_in_the_openapi_document(
    api: Api,
) -> None:
    schema = (await api.client.get("/v1/openapi.json")).json()
    operation = schema["paths"]["/v1/webhooks/{webhook_id}/rotate-secret"]["post"]
    assert operation["requestBody"]["required"] is False
    ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    body = schema["components"]["schemas"][ref.rsplit("/", 1)[1]]
    assert body["properties"]["overlap_s"]["anyOf"][0]["maximum"] == 2_592_000
    assert "200" in operation["responses"] and "404" in operation["responses"]
