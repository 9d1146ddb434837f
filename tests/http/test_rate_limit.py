"""Per-credential rate limits on /v1 (off by default; SESSIONARY_RATE_LIMIT_PER_S)."""

from __future__ import annotations

import pytest

from sessionary.bootstrap import Container
from sessionary.config import Settings
from sessionary.domain.ports import SessionFilter
from tests.conftest import Api


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(
        database_url=database_url,
        sweep_interval_s=0,
        environment="test",
        rate_limit_per_s=0.01,
        rate_limit_burst=2,
    )


async def test_a_credential_past_its_burst_gets_429_with_retry_after_and_ratelimit_headers(
    api: Api,
) -> None:
    for _ in range(2):
        assert (await api.client.get("/v1/sessions", headers=api.headers)).status_code == 200
    limited = await api.client.get("/v1/sessions", headers=api.headers)
    assert limited.status_code == 429
    assert limited.headers["content-type"] == "application/problem+json"
    assert limited.json()["type"] == "urn:sessionary:problem:rate-limited"
    assert int(limited.headers["retry-after"]) >= 1
    assert limited.headers["ratelimit-limit"] == "2"
    assert limited.headers["ratelimit-remaining"] == "0"


async def test_a_rate_limited_write_changes_nothing(api: Api, container: Container) -> None:
    for _ in range(2):
        await api.client.get("/v1/sessions", headers=api.headers)
    body = {"subject": {"kind": "user", "id": "u1"}}
    refused = await api.client.post("/v1/sessions", json=body, headers=api.headers)
    assert refused.status_code == 429
    flt = SessionFilter(now=container.clock.now())
    assert (await container.sessions.list(api.tenant.pk, flt, None, 10)).items == []
