"""An id beyond 64 bits that no check at the edge stopped reaches the database, which refuses
it; the caller gets the native invalid-input problem (4xx), never a 500 or a 503 "retry later",
on both backends, and the database stays ready. Found by the edge fuzz (tests/fault/edges.py)."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import Api

from .helpers import json_object

BEYOND_64_BITS = str(2**63)


def assert_invalid_input(response: httpx.Response) -> None:
    assert 400 <= response.status_code < 500, response.text
    assert response.headers["content-type"].startswith("application/problem+json")


async def assert_ready(client: httpx.AsyncClient) -> None:
    assert (await client.get("/readyz")).status_code == 200


@pytest.mark.parametrize(
    ("headers", "query"),
    [({"Last-Event-ID": BEYOND_64_BITS}, {}), ({}, {"after": BEYOND_64_BITS})],
    ids=["last-event-id", "after"],
)
async def test_an_event_stream_resumed_beyond_64_bits_is_invalid_input(
    api: Api, headers: dict[str, str], query: dict[str, str]
) -> None:
    sent = {**api.headers, **headers}
    response = await api.client.get("/v1/events", headers=sent, params=query)
    assert_invalid_input(response)
    await assert_ready(api.client)


async def test_a_webhook_replayed_from_beyond_64_bits_is_invalid_input(api: Api) -> None:
    hook = {"url": "https://93.184.216.34/hook", "event_types": ["closed"]}
    created = await api.client.post("/v1/webhooks", json=hook, headers=api.headers)
    assert created.status_code == 201, created.text
    path = f"/v1/webhooks/{json_object(created)['id']}/replay"
    sent = b'{"from_event_id": ' + BEYOND_64_BITS.encode() + b"}"
    headers = {**api.headers, "Content-Type": "application/json"}
    assert_invalid_input(await api.client.post(path, content=sent, headers=headers))
    await assert_ready(api.client)
