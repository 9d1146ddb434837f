"""Per-session usage records, the operator's tenant policy and HiveMP accounts through the
client, against a real server."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sessionary.client import AsyncClient, Client

from .conftest import TenantKey


def test_usage_records_follow_every_page_and_export_as_csv_and_cloudevents(
    sync_client: Client,
) -> None:
    billed = {}
    before = datetime.now(UTC).date()
    for n in range(5):
        sid = sync_client.open_session("user", f"u-{n}").id
        billed[sid] = sync_client.close_session(sid).billed_minutes
    ids = list(billed)
    today = datetime.now(UTC).date()  # a day after ``before`` if midnight passed in between
    records = list(sync_client.iter_usage_records(date_from=before, date_to=today, page_size=2))
    assert sorted(r.session_id for r in records) == sorted(ids)
    assert all(r.billing_day in {before.isoformat(), today.isoformat()} for r in records)
    assert {r.session_id: r.billed_minutes for r in records} == billed
    csv = sync_client.usage_records_export("csv", date_from=before, date_to=today)
    assert len(csv.strip().splitlines()) == 6  # a header and five records
    events = json.loads(sync_client.usage_records_export("cloudevents", date_from=before))
    assert sorted(e["subject"] for e in events) == sorted(ids)
    assert all(e["specversion"] == "1.0" for e in events)


async def test_the_async_client_iterates_usage_records(async_client: AsyncClient) -> None:
    sid = (await async_client.open_session("user", "a-1")).id
    await async_client.close_session(sid)
    records = [r async for r in async_client.iter_usage_records()]
    assert [r.session_id for r in records] == [sid]


def test_the_operator_sets_a_tenants_rate_limit_and_resets_it(
    operator: Client, tenant_key: TenantKey
) -> None:
    limited = operator.set_policy_of(tenant_key.tenant, rate_limit={"per_s": 5, "burst": 10})
    assert limited.rate_limit is not None and limited.rate_limit.source == "tenant"
    assert (limited.rate_limit.per_s, limited.rate_limit.burst) == (5, 10)
    reset = operator.set_policy_of(tenant_key.tenant, idle_timeout_s=60)
    assert reset.rate_limit is not None and reset.rate_limit.source == "default"
    assert reset.idle_timeout_s == 60


def test_a_hivemp_account_is_created_through_the_client(sync_client: Client) -> None:
    account = sync_client.create_hivemp_account("ada@example.com", "s3cret", admin=True)
    assert (account.email, account.admin) == ("ada@example.com", True)
