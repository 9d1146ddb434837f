"""Events, usage, keys, subjects, audit, webhooks (secret rotation too) and the operator's
calls against a real server."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sessionary.client import (
    AsyncClient,
    BadRequest,
    Client,
    InvalidInput,
    NewEvent,
    NotFound,
    SessionNotActive,
    Unauthenticated,
)

from .conftest import FAST_RETRY, TenantKey
from .server import Server


def test_events_append_in_batches_and_read_back_in_order(sync_client: Client) -> None:
    sid = sync_client.open_session("user", "u-1").id
    events = [{"type": "tick", "payload": {"n": i}, "dedupe_key": f"k{i % 8}"} for i in range(10)]
    result = sync_client.append_events(sid, events, batch_size=3)
    assert (result.accepted, result.duplicates) == (8, ["k0", "k1"])
    assert (result.first_seq, result.last_seq) == (1, 8)
    got = list(sync_client.iter_events(sid, page_size=3))
    assert [e.payload["n"] for e in got] == list(range(8))
    assert [e.seq for e in got] == list(range(1, 9))
    page = sync_client.read_events(sid, from_seq=3, to_seq=5)
    assert [e.seq for e in page.items] == [3, 4, 5] and page.next_cursor is None
    assert sync_client.get_session(sid).event_count == 8


def test_a_bad_event_is_refused_before_any_batch_is_sent(sync_client: Client) -> None:
    sid = sync_client.open_session("user", "u-1").id
    with pytest.raises(ValueError, match="type"):
        sync_client.append_events(sid, [{"type": "ok"}, {"payload": {}}], batch_size=1)
    with pytest.raises(ValueError, match="batch_size"):
        sync_client.append_events(sid, [{"type": "ok"}], batch_size=5001)
    assert sync_client.get_session(sid).event_count == 0


def test_events_after_close_are_refused(sync_client: Client) -> None:
    sid = sync_client.open_session("user", "u-1").id
    sync_client.close_session(sid)
    with pytest.raises(SessionNotActive):
        sync_client.append_events(sid, [NewEvent(type="late")])


async def test_the_async_client_appends_and_iterates_events(async_client: AsyncClient) -> None:
    sid = (await async_client.open_session("user", "u-1")).id
    at = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)
    result = await async_client.append_events(
        sid, [NewEvent(type="a", occurred_at=at), {"type": "b"}], batch_size=1
    )
    assert (result.accepted, result.first_seq, result.last_seq) == (2, 1, 2)
    got = [e async for e in async_client.iter_events(sid)]
    assert [e.type for e in got] == ["a", "b"] and got[0].occurred_at.startswith("2030-01-02")
    page = await async_client.read_events(sid, from_seq=2)
    assert [e.type for e in page.items] == ["b"]


def test_usage_reports_the_minutes_of_closed_sessions(sync_client: Client) -> None:
    before = datetime.now(UTC).date()
    sid = sync_client.open_session("user", "u-1").id
    sync_client.close_session(sid)
    today = datetime.now(UTC).date()  # a day after ``before`` if midnight passed in between
    report = sync_client.usage(date_from=today - timedelta(days=1), date_to=today)
    assert (report.totals.opened, report.totals.ended) == (1, 1)
    assert report.days[-1].date in {before.isoformat(), today.isoformat()}
    csv = sync_client.usage_csv(date_from=before, date_to=today, subject_kind="user")
    assert csv.splitlines()[0] == "date,opened,ended,billed_minutes"
    assert csv.splitlines()[-1].startswith("total,1,1,")


def test_keys_are_issued_listed_and_revoked(
    sync_client: Client, server: Server, tenant_key: TenantKey
) -> None:
    issued = sync_client.create_credential(["sessions:read"], name="reader")
    assert issued.tenant == tenant_key.tenant and issued.secret
    assert {c.name for c in sync_client.list_credentials()} == {"test", "reader"}
    with Client(server.url, issued.secret, retry=FAST_RETRY) as reader:
        assert list(reader.iter_sessions()) == []
        assert sync_client.revoke_credential(issued.id).revoked_at is not None
        with pytest.raises(Unauthenticated) as info:
            reader.list_sessions()
    assert info.value.status == 401 and issued.secret not in str(info.value)


def test_tenant_policy_subjects_and_audit(sync_client: Client, tenant_key: TenantKey) -> None:
    assert sync_client.get_tenant().name == tenant_key.tenant
    policy = sync_client.set_tenant_policy(idle_timeout_s=120, retention_days=7)
    assert (policy.idle_timeout_s, policy.retention_days) == (120, 7)
    assert sync_client.open_session("player", "p/1").idle_timeout_s == 120
    subject = sync_client.put_subject("player", "p-2", {"tier": "gold"})
    assert subject.attributes == {"tier": "gold"}
    assert sync_client.get_subject("player", "p-2") == subject
    assert {s.id for s in sync_client.iter_subjects(kind="player", page_size=1)} == {"p/1", "p-2"}
    with pytest.raises(NotFound):
        sync_client.get_subject("player", "nobody")
    actions = [entry.action for entry in sync_client.iter_audit(page_size=2)]
    assert actions[0] == "subject.put"
    assert actions[-1] == "tenant.create" and "tenant.policy" in actions


def test_the_operator_creates_and_finds_tenants(operator: Client) -> None:
    created = operator.create_tenant("op-made-" + datetime.now(UTC).strftime("%H%M%S%f"))
    assert operator.find_tenant(created.name) == created
    assert created.name in {t.name for t in operator.list_tenants()}
    with pytest.raises(NotFound):
        operator.find_tenant("no-such-tenant")


def test_webhooks_are_managed_through_the_client(sync_client: Client) -> None:
    created = sync_client.create_webhook("https://hooks.example.com/in", event_types=["closed"])
    assert created.secret and created.event_types == ["closed"]
    assert [h.id for h in sync_client.list_webhooks()] == [created.id]
    paused = sync_client.update_webhook(created.id, active=False)
    assert paused.active is False and sync_client.get_webhook(created.id) == paused
    sid = sync_client.open_session("user", "u-1").id
    sync_client.close_session(sid)
    deliveries = list(sync_client.iter_deliveries(created.id, page_size=1))
    assert all(d.status in {"pending", "delivering", "dead"} for d in deliveries)
    closed = next(sync_client.stream_events(after=0, types=["closed"]))
    assert sync_client.replay_webhook(created.id, from_event_id=int(closed.id)) >= 0
    sync_client.delete_webhook(created.id)
    with pytest.raises(NotFound):
        sync_client.get_webhook(created.id)


def test_the_sync_client_rotates_a_secret_with_an_overlap(sync_client: Client) -> None:
    created = sync_client.create_webhook("https://hooks.example.com/in")
    rotated = sync_client.rotate_webhook_secret(created.id, overlap_s=60)
    assert rotated.id == created.id
    assert rotated.secret.startswith("whsec_") and rotated.secret != created.secret
    assert rotated.previous_secret_expires_at is not None
    with pytest.raises(NotFound):
        sync_client.rotate_webhook_secret("wh_unknown")
    with pytest.raises((InvalidInput, BadRequest)):
        sync_client.rotate_webhook_secret(created.id, overlap_s=-1)


async def test_the_async_client_rotates_a_secret_at_once_or_by_the_servers_default(
    async_client: AsyncClient,
) -> None:
    created = await async_client.create_webhook("https://hooks.example.com/in")
    at_once = await async_client.rotate_webhook_secret(created.id, overlap_s=0)
    assert at_once.previous_secret_expires_at is None
    default = await async_client.rotate_webhook_secret(created.id)
    assert default.previous_secret_expires_at is not None
    assert len({created.secret, at_once.secret, default.secret}) == 3
