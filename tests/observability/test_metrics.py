"""GET /metrics: names, request counts by route template, and the database-derived gauges."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy import insert

from sessionary.bootstrap import Container, build
from sessionary.config import Settings
from sessionary.domain.model import SECOND
from sessionary.http.app import create_app
from sessionary.observability.stats import ENDED_EVERY, DatabaseStats
from sessionary.storage.tables import webhook_deliveries, webhooks
from tests.conftest import Api
from tests.support import FakeClock

from .helpers import execute, family_names, scrape, value

REQUESTS = "sessionary_http_requests_total"
SESSION_ROUTE = "/v1/sessions/{session_id}"


async def open_session(api: Api, subject: str, **body: object) -> str:
    sent = {"subject": {"kind": "user", "id": subject}, **body}
    response = await api.client.post("/v1/sessions", json=sent, headers=api.headers)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def test_every_exposed_metric_name_starts_with_sessionary_but_the_standard_ones(
    api: Api,
) -> None:
    await open_session(api, "u-1")
    response = await api.client.get("/metrics")
    assert response.status_code == 200
    names = family_names(response.text)
    assert {
        "sessionary_http_requests",
        "sessionary_http_request_duration_seconds",
        "sessionary_sessions",
        "sessionary_sweeper_lag_seconds",
        "sessionary_webhook_backlog",
        "sessionary_webhook_oldest_pending_seconds",
        "sessionary_database_up",
        "sessionary_event_loop_lag_seconds",
    } <= names
    standard = ("process_", "python_gc_")
    assert all(name.startswith(("sessionary_", *standard)) for name in names), names


async def test_a_request_is_counted_by_route_template_and_status_never_by_raw_path(
    api: Api,
) -> None:
    for _ in range(2):
        missing = await api.client.get("/v1/sessions/ses_nothere", headers=api.headers)
        assert missing.status_code == 404
    refused = await api.client.get("/v1/sessions/ses_other")
    assert refused.status_code == 401
    samples = await scrape(api.client)
    assert value(samples, REQUESTS, method="GET", route=SESSION_ROUTE, status="404") == 2
    assert value(samples, REQUESTS, method="GET", route=SESSION_ROUTE, status="401") == 1
    histogram = "sessionary_http_request_duration_seconds_count"
    assert value(samples, histogram, method="GET", route=SESSION_ROUTE) == 3
    assert not any("ses_" in v for s in samples for v in s.labels.values())


async def test_paths_no_route_matches_share_one_label(client: httpx.AsyncClient) -> None:
    assert (await client.get("/no/such/thing-1")).status_code == 404
    assert (await client.get("/no/such/thing-2")).status_code == 404
    assert (await client.delete("/healthz")).status_code == 405
    samples = await scrape(client)
    assert value(samples, REQUESTS, method="GET", route="unmatched", status="404") == 2
    assert value(samples, REQUESTS, method="DELETE", route="unmatched", status="405") == 1
    assert not any("thing" in v for s in samples for v in s.labels.values())


async def test_the_sessions_gauge_follows_opened_and_closed_sessions(api: Api) -> None:
    first = await open_session(api, "u-1")
    await open_session(api, "u-2")
    await open_session(api, "u-3")
    samples = await scrape(api.client)
    assert value(samples, "sessionary_sessions", status="active") == 3
    assert value(samples, "sessionary_sessions", status="closed") == 0
    closed = await api.client.post(f"/v1/sessions/{first}/close", headers=api.headers)
    assert closed.status_code == 200, closed.text
    samples = await scrape(api.client)
    assert value(samples, "sessionary_sessions", status="active") == 2
    assert value(samples, "sessionary_sessions", status="closed") == 1
    assert value(samples, "sessionary_sessions", status="expired") == 0


async def test_sweeper_lag_grows_while_an_overdue_session_waits_and_is_zero_after_a_sweep(
    api: Api, container: Container, clock: FakeClock
) -> None:
    await open_session(api, "u-1", idle_timeout_s=60)
    samples = await scrape(api.client)
    assert value(samples, "sessionary_sweeper_lag_seconds") == 0
    assert value(samples, "sessionary_sweeper_last_run_timestamp_seconds") is None
    clock.advance(90)
    samples = await scrape(api.client)
    assert value(samples, "sessionary_sweeper_lag_seconds") == pytest.approx(30, abs=0.01)
    assert value(samples, "sessionary_sessions", status="active") == 1  # as stored, not yet swept
    assert await container.sweeper.sweep_once() == 1
    samples = await scrape(api.client)
    assert value(samples, "sessionary_sweeper_lag_seconds") == 0
    assert value(samples, "sessionary_sessions", status="expired") == 1
    last_run = value(samples, "sessionary_sweeper_last_run_timestamp_seconds")
    assert last_run == pytest.approx(clock.now() / SECOND)


async def test_webhook_backlog_counts_undelivered_rows_and_the_oldest_age(
    api: Api, container: Container, clock: FakeClock
) -> None:
    now = clock.now()
    hook = {"id": "wh_1", "tenant_pk": api.tenant.pk, "url": "https://example.test/hook"}
    hook |= {"event_types": [], "secret_sealed": "x", "cursor_tx": 0, "cursor": 0}
    rows = [
        {"lifecycle_id": i, "status": status, "created_at": now - age * SECOND}
        for i, (status, age) in enumerate(
            [("pending", 40), ("pending", 5), ("delivering", 10), ("delivered", 500), ("dead", 900)]
        )
    ]
    common = {"webhook_pk": 1, "tenant_pk": api.tenant.pk, "session_pk": 1, "attempts": 0}
    await execute(
        container,
        insert(webhooks).values(pk=1, created_at=now, **hook),
        insert(webhook_deliveries).values([{**common, "next_attempt_at": now, **r} for r in rows]),
    )
    samples = await scrape(api.client)
    assert value(samples, "sessionary_webhook_backlog", status="pending") == 2
    assert value(samples, "sessionary_webhook_backlog", status="delivering") == 1
    assert value(samples, "sessionary_webhook_oldest_pending_seconds") == pytest.approx(40)


async def test_an_empty_webhook_backlog_reads_zero(client: httpx.AsyncClient) -> None:
    samples = await scrape(client)
    assert value(samples, "sessionary_webhook_backlog", status="pending") == 0
    assert value(samples, "sessionary_webhook_backlog", status="delivering") == 0
    assert value(samples, "sessionary_webhook_oldest_pending_seconds") == 0
    assert value(samples, "sessionary_database_up") == 1


TOKEN = "metrics-token-0123456789abcdef"


@pytest.fixture
async def guarded(database_url: str, clock: FakeClock) -> AsyncIterator[httpx.AsyncClient]:
    settings = Settings(
        database_url=database_url,
        sweep_interval_s=0,
        environment="test",
        metrics_token=SecretStr(TOKEN),
    )
    container = build(settings, clock=clock)
    app = create_app(container)
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with (
        app.lifespan(),
        httpx.AsyncClient(transport=transport, base_url="http://testserver") as client,
    ):
        yield client


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer wrong-token-0123456789abcdef", f"Basic {TOKEN}", TOKEN, f"Bearer {TOKEN}x"],
)
async def test_a_set_metrics_token_refuses_scrapes_without_it(
    guarded: httpx.AsyncClient, authorization: str | None
) -> None:
    headers = {"Authorization": authorization} if authorization is not None else {}
    response = await guarded.get("/metrics", headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert "sessionary_" not in response.text
    assert TOKEN not in response.text


async def test_a_set_metrics_token_admits_the_bearer_of_it(guarded: httpx.AsyncClient) -> None:
    samples = await scrape(guarded, {"Authorization": f"bearer {TOKEN}"})
    assert value(samples, "sessionary_database_up") == 1
    assert (await guarded.get("/healthz")).status_code == 200  # nothing else needs the token


def test_a_short_metrics_token_is_refused_at_start() -> None:
    with pytest.raises(ValueError, match="16 characters"):
        Settings(metrics_token=SecretStr("short"))


async def test_ended_session_counts_refresh_less_often_than_the_live_gauges(
    api: Api, container: Container, clock: FakeClock
) -> None:
    now = [0.0]
    stats = DatabaseStats(container.read_model, clock, 5.0, monotonic=lambda: now[0])
    session = await open_session(api, "u-1")
    first = await stats.get()
    assert first is not None and (first.sessions["active"], first.sessions["closed"]) == (1, 0)
    closed = await api.client.post(f"/v1/sessions/{session}/close", headers=api.headers)
    assert closed.status_code == 200
    now[0] = 5.0
    live_only = await stats.get()
    assert live_only is not None
    assert (live_only.sessions["active"], live_only.sessions["closed"]) == (0, 0)
    now[0] = 5.0 * ENDED_EVERY
    both = await stats.get()
    assert both is not None and (both.sessions["active"], both.sessions["closed"]) == (0, 1)
