"""Per-tenant overrides of the per-credential rate limit on /v1 (tenants.settings)."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from sessionary.bootstrap import Container, build
from sessionary.cli import app as cli_app
from sessionary.config import Settings
from sessionary.domain.model import Tenant
from sessionary.domain.ports import SessionFilter
from sessionary.domain.scopes import SYSTEM
from sessionary.services.ratelimit import Limit, RateLimiter
from tests.conftest import TEST_ACTOR, Api, key_headers
from tests.support import FakeClock


class Ticker:
    """A frozen monotonic clock for the limiter: buckets refill only when a test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(
        database_url=database_url,
        sweep_interval_s=0,
        environment="test",
        rate_limit_per_s=1,
        rate_limit_burst=2,
    )


@pytest.fixture
def ticker(container: Container) -> Ticker:
    tick = Ticker()
    container.limiter = RateLimiter(1, 2, clock=tick)
    return tick


@pytest.fixture
async def operator(container: Container) -> dict[str, str]:
    return await key_headers(container, None, SYSTEM)


async def set_limit(
    client: httpx.AsyncClient, operator: dict[str, str], limit: dict[str, Any] | None
) -> httpx.Response:
    body = {"rate_limit": limit}
    return await client.put("/v1/tenants/acme/policy", json=body, headers=operator)


async def calls_allowed(api: Api, attempts: int = 10) -> int:
    codes = [
        (await api.client.get("/v1/sessions", headers=api.headers)).status_code
        for _ in range(attempts)
    ]
    assert set(codes) <= {200, 429}
    return codes.index(429) if 429 in codes else attempts


async def test_a_tenant_override_beats_the_global_limit(
    api: Api, operator: dict[str, str], ticker: Ticker
) -> None:
    response = await set_limit(api.client, operator, {"per_s": 0.5, "burst": 4})
    assert response.status_code == 200, response.text
    assert response.json()["rate_limit"] == {"per_s": 0.5, "burst": 4, "source": "tenant"}
    assert await calls_allowed(api) == 4
    limited = await api.client.get("/v1/sessions", headers=api.headers)
    assert limited.status_code == 429
    assert limited.headers["ratelimit-limit"] == "4"
    assert limited.headers["ratelimit-remaining"] == "0"
    assert limited.headers["retry-after"] == limited.headers["ratelimit-reset"] == "2"  # 1/0.5 s
    ticker.now += 2
    assert (await api.client.get("/v1/sessions", headers=api.headers)).status_code == 200


async def test_without_an_override_the_global_limit_applies(api: Api, ticker: Ticker) -> None:
    assert await calls_allowed(api) == 2
    limited = await api.client.get("/v1/sessions", headers=api.headers)
    assert limited.headers["ratelimit-limit"] == "2"


async def test_other_tenants_keep_the_global_limit(
    api: Api, other_api: Api, operator: dict[str, str], ticker: Ticker
) -> None:
    assert (await set_limit(api.client, operator, {"per_s": 0, "burst": 1})).status_code == 200
    assert await calls_allowed(api) == 10
    assert await calls_allowed(other_api) == 2


async def test_per_s_zero_makes_a_tenant_unlimited_at_once(
    api: Api, operator: dict[str, str], ticker: Ticker
) -> None:
    assert await calls_allowed(api) == 2
    assert (await set_limit(api.client, operator, {"per_s": 0, "burst": 1})).status_code == 200
    assert await calls_allowed(api, 20) == 20


async def test_a_lowered_limit_applies_in_this_process_at_once(
    api: Api, operator: dict[str, str], ticker: Ticker
) -> None:
    assert (await set_limit(api.client, operator, {"per_s": 1, "burst": 5})).status_code == 200
    assert (await api.client.get("/v1/sessions", headers=api.headers)).status_code == 200
    assert (await set_limit(api.client, operator, {"per_s": 1, "burst": 1})).status_code == 200
    assert await calls_allowed(api) == 1  # the bucket is capped at the new burst at once
    limited = await api.client.get("/v1/sessions", headers=api.headers)
    assert limited.headers["ratelimit-limit"] == "1"


async def test_null_returns_the_tenant_to_the_global_default(
    api: Api, operator: dict[str, str], ticker: Ticker
) -> None:
    assert (await set_limit(api.client, operator, {"per_s": 0, "burst": 1})).status_code == 200
    response = await set_limit(api.client, operator, None)
    assert response.json()["rate_limit"] == {"per_s": 1.0, "burst": 2, "source": "default"}
    assert await calls_allowed(api) == 2


async def test_a_change_from_another_process_is_seen_within_the_cache_ttl(
    api: Api, container: Container, settings: Settings, clock: FakeClock, ticker: Ticker
) -> None:
    assert await calls_allowed(api) == 2  # warms this node's cache of acme's limit
    elsewhere = build(settings, clock=clock)  # e.g. the CLI, with its own cache
    try:
        await elsewhere.tenants.set_rate_limit(api.tenant.pk, Limit(0, 1), TEST_ACTOR)
    finally:
        await elsewhere.close()
    assert (await api.client.get("/v1/sessions", headers=api.headers)).status_code == 429
    clock.advance(settings.auth_cache_ttl_s)
    assert await calls_allowed(api) == 10


async def test_a_warm_limit_costs_no_database_round_trip(
    container: Container, tenant: Tenant
) -> None:
    await container.tenants.set_rate_limit(tenant.pk, Limit(3, 7), TEST_ACTOR)
    opened = 0
    real = container.tenants._uow  # counting the service's transactions

    def counting(*, write: bool = True) -> Any:
        nonlocal opened
        opened += 1
        return real(write=write)

    container.tenants._uow = counting
    for _ in range(5):
        assert await container.tenants.rate_limit(tenant.pk, max_age_s=5) == Limit(3.0, 7)
    assert opened == 1


async def test_a_tenant_admin_cannot_lift_its_own_limit(
    api: Api, container: Container, ticker: Ticker
) -> None:
    admin = await key_headers(container, api.tenant.pk, "admin")
    body = {"idle_timeout_s": 60, "rate_limit": {"per_s": 0, "burst": 1}}
    refused = await api.client.put("/v1/tenant/policy", json=body, headers=admin)
    assert refused.status_code == 403, refused.text
    tenant = await container.tenants.get(api.tenant.pk)
    assert tenant.policy.idle_timeout_s is None and "rate_limit" not in tenant.settings
    ok = await api.client.put("/v1/tenant/policy", json={"idle_timeout_s": 60}, headers=admin)
    assert ok.status_code == 200 and ok.json()["rate_limit"]["source"] == "default"


@pytest.mark.parametrize(
    "limit", [{"per_s": -1, "burst": 5}, {"per_s": 1, "burst": 0}, {"per_s": 1}, {"burst": 2}]
)
async def test_a_bad_limit_is_refused_and_changes_nothing(
    api: Api, operator: dict[str, str], container: Container, limit: dict[str, Any]
) -> None:
    response = await set_limit(api.client, operator, limit)
    assert response.status_code == 422, response.text
    assert "rate_limit" not in (await container.tenants.get(api.tenant.pk)).settings


async def test_an_override_is_set_at_creation_and_shown_on_the_tenant(
    client: httpx.AsyncClient, operator: dict[str, str]
) -> None:
    body = {"name": "initech", "rate_limit": {"per_s": 50, "burst": 100}}
    created = await client.post("/v1/tenants", json=body, headers=operator)
    assert created.status_code == 201, created.text
    shown = await client.get("/v1/tenants/initech", headers=operator)
    assert shown.json()["rate_limit"] == {"per_s": 50.0, "burst": 100, "source": "tenant"}


async def test_a_rate_limited_write_under_an_override_stores_nothing(
    api: Api, operator: dict[str, str], container: Container, ticker: Ticker
) -> None:
    assert (await set_limit(api.client, operator, {"per_s": 1, "burst": 1})).status_code == 200
    assert (await api.client.get("/v1/sessions", headers=api.headers)).status_code == 200
    body = {"subject": {"kind": "user", "id": "u1"}}
    refused = await api.client.post("/v1/sessions", json=body, headers=api.headers)
    assert refused.status_code == 429
    flt = SessionFilter(now=container.clock.now())
    assert (await container.sessions.list(api.tenant.pk, flt, None, 10)).items == []


def test_the_cli_sets_and_resets_a_tenants_limit(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SESSIONARY_DATABASE_URL", database_url)
    runner = CliRunner()

    def invoke(*args: str) -> Any:
        result = runner.invoke(cli_app, [*args, "--json"])
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)

    invoke("tenants", "create", "acme")
    args = ("tenants", "update", "acme")
    set_both = invoke(*args, "--rate-limit-per-s", "5", "--rate-limit-burst", "10")
    assert set_both["rate_limit"] == {"per_s": 5.0, "burst": 10, "source": "tenant"}
    one_half = invoke(*args, "--rate-limit-burst", "20")
    assert one_half["rate_limit"] == {"per_s": 5.0, "burst": 20, "source": "tenant"}
    reset = invoke(*args, "--default-rate-limit")
    assert reset["rate_limit"]["source"] == "default"
    neither = runner.invoke(cli_app, list(args))
    assert neither.exit_code == 1 and "--default-rate-limit" in neither.output
