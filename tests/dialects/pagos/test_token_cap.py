"""A client keeps at most ``pagos_max_tokens_per_client`` live tokens: each new token deletes
the client's oldest past the cap, which then answers like an expired token (InvalidToken)."""

from __future__ import annotations

import pytest

from sessionary.bootstrap import Container
from sessionary.config import Settings
from sessionary.domain.model import Tenant
from sessionary.http.dialects.pagos.tokens import TOKEN
from tests.support import FakeClock

from .helpers import RESTRICTED, Pagos, PagosClient, expect, open_failure


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={
            "pagos_max_tokens_per_client": 3,
            "pagos_token_client_burst": 1000,
            "pagos_token_source_burst": 1000,
        }
    )


async def tokens_of(container: Container, tenant_pk: int, client: PagosClient) -> int:
    rows = await container.credentials.list(tenant_pk)
    return sum(c.kind == TOKEN and c.attributes["client_id"] == client.id for c in rows)


async def test_a_new_token_past_the_cap_deletes_the_clients_oldest(
    pagos: Pagos, pagos_client: PagosClient, app_a: str, container: Container, tenant: Tenant
) -> None:
    oldest, *newer = [await pagos.token(pagos_client) for _ in range(4)]
    assert await tokens_of(container, tenant.pk, pagos_client) == 3
    refused = await pagos.open(oldest, {"ApplicationKey": app_a})
    expect(refused, open_failure(RESTRICTED, invalid_token=True))
    for token in newer:
        await pagos.open_session(token, app_a)


async def test_the_cap_counts_each_client_apart(
    pagos: Pagos,
    pagos_client: PagosClient,
    second_client: PagosClient,
    app_a: str,
    container: Container,
    tenant: Tenant,
) -> None:
    kept = await pagos.token(second_client)
    for _ in range(10):
        await pagos.token(pagos_client)
    assert await tokens_of(container, tenant.pk, pagos_client) == 3
    assert await tokens_of(container, tenant.pk, second_client) == 1
    await pagos.open_session(kept, app_a)


async def test_many_token_requests_leave_at_most_the_cap_in_the_table(
    pagos: Pagos, pagos_client: PagosClient, container: Container, tenant: Tenant
) -> None:
    container.settings = container.settings.model_copy(update={"pagos_max_tokens_per_client": 100})
    for _ in range(250):
        await pagos.token(pagos_client)
    assert await tokens_of(container, tenant.pk, pagos_client) == 100


async def test_an_expired_token_answers_the_same_before_and_after_its_purge(
    pagos: Pagos,
    pagos_client: PagosClient,
    app_a: str,
    container: Container,
    tenant: Tenant,
    clock: FakeClock,
) -> None:
    token = await pagos.token(pagos_client)
    clock.advance(container.settings.pagos_token_ttl_s + 1)
    expired = await pagos.open(token, {"ApplicationKey": app_a})
    expect(expired, open_failure(RESTRICTED, invalid_token=True))
    clock.advance(3 * 86_400)
    assert await container.sweeper.purge_credentials() == 1
    assert await tokens_of(container, tenant.pk, pagos_client) == 0
    purged = await pagos.open(token, {"ApplicationKey": app_a})
    assert purged.text == expired.text
