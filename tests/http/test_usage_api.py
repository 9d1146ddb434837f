"""/v1/usage: counts and billed minutes per UTC day, as JSON and as CSV."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from datetime import date, datetime, timedelta

from tests.conftest import Api
from tests.support import FakeClock

from .helpers import JsonObject, assert_problem, clock_date, get_session, json_object, open_session


def day_of(value: str) -> str:
    return datetime.fromisoformat(value).date().isoformat()


async def close(api: Api, session: JsonObject) -> JsonObject:
    response = await api.client.post(f"/v1/sessions/{session['id']}/close", headers=api.headers)
    assert response.status_code == 200, response.text
    return json_object(response)


async def seed(api: Api, clock: FakeClock) -> list[JsonObject]:
    """Two metered closes, an unmetered close, an idle expiry (device) and one still active."""
    a, b = await open_session(api), await open_session(api)
    c = await open_session(api, metered=False)
    e = await open_session(api, subject={"kind": "device", "id": "d1"}, idle_timeout_s=60)
    clock.advance(30)
    b = await close(api, b)
    clock.advance(31)
    a = await close(api, a)
    clock.advance(60)
    c = await close(api, c)
    d = await open_session(api)
    e = await get_session(api, e["id"])
    assert [s["billed_minutes"] for s in (a, b, c, e)] == [2, 1, 0, 1]
    assert e["status"] == "expired"
    return [a, b, c, d, e]


def expected_days(sessions: list[JsonObject]) -> list[JsonObject]:
    rows: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for s in sessions:
        rows[day_of(s["opened_at"])][0] += 1
        if s["closed_at"] is not None:
            rows[day_of(s["closed_at"])][1] += 1
            rows[day_of(s["closed_at"])][2] += s["billed_minutes"]
    return [
        {"date": d, "opened": o, "ended": n, "billed_minutes": m}
        for d, (o, n, m) in sorted(rows.items())
    ]


def around(clock: FakeClock) -> dict[str, str]:
    today = clock_date(clock)
    return {
        "from": (today - timedelta(days=1)).isoformat(),
        "to": (today + timedelta(days=1)).isoformat(),
    }


async def test_usage_reports_counts_and_billed_minutes_per_day(api: Api, clock: FakeClock) -> None:
    sessions = await seed(api, clock)
    params = around(clock)
    response = await api.client.get("/v1/usage", params=params, headers=api.headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    usage = json_object(response)
    assert usage["tenant"] == api.tenant.name
    assert (usage["date_from"], usage["date_to"]) == (params["from"], params["to"])
    assert usage["subject_kind"] is None
    assert usage["days"] == expected_days(sessions)
    assert usage["totals"] == {"date": "total", "opened": 5, "ended": 4, "billed_minutes": 4}


async def test_usage_filters_by_subject_kind(api: Api, clock: FakeClock) -> None:
    sessions = await seed(api, clock)
    params = {**around(clock), "subject_kind": "device"}
    usage = json_object(await api.client.get("/v1/usage", params=params, headers=api.headers))
    assert usage["subject_kind"] == "device"
    devices = [s for s in sessions if s["subject"]["kind"] == "device"]
    assert usage["days"] == expected_days(devices)
    assert usage["totals"] == {"date": "total", "opened": 1, "ended": 1, "billed_minutes": 1}


async def test_usage_as_csv_has_a_header_the_days_and_a_total_row(
    api: Api, clock: FakeClock
) -> None:
    sessions = await seed(api, clock)
    params = {**around(clock), "format": "csv"}
    response = await api.client.get("/v1/usage", params=params, headers=api.headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows[0] == ["date", "opened", "ended", "billed_minutes"]
    days = [[str(v) for v in row.values()] for row in expected_days(sessions)]
    assert rows[1:-1] == days
    assert rows[-1] == ["total", "5", "4", "4"]


async def test_usage_outside_the_range_is_empty(api: Api, clock: FakeClock) -> None:
    await seed(api, clock)
    past = clock_date(clock) - timedelta(days=10)
    params = {"from": (past - timedelta(days=5)).isoformat(), "to": past.isoformat()}
    usage = json_object(await api.client.get("/v1/usage", params=params, headers=api.headers))
    assert usage["days"] == []
    assert usage["totals"] == {"date": "total", "opened": 0, "ended": 0, "billed_minutes": 0}


async def test_bad_usage_parameters_are_problems(api: Api) -> None:
    today = date(2025, 6, 1)
    backwards = {"from": today.isoformat(), "to": (today - timedelta(days=1)).isoformat()}
    too_long = {"from": "2020-01-01", "to": "2025-01-01"}
    for params in (backwards, too_long):
        response = await api.client.get("/v1/usage", params=params, headers=api.headers)
        assert_problem(response, 422, "invalid-input")
    for params in ({"from": "June"}, {"format": "xml"}):
        response = await api.client.get("/v1/usage", params=params, headers=api.headers)
        assert_problem(response, 400, "invalid-parameter")


async def test_a_to_day_too_early_for_the_default_range_is_invalid_input_not_a_crash(
    api: Api,
) -> None:
    for path in ("/v1/usage?to=0001-01-01", "/v1/usage/records?to=0001-01-29"):
        response = await api.client.get(path, headers=api.headers)
        assert response.status_code == 422, (path, response.text)
        assert response.json()["type"] == "urn:sessionary:problem:invalid-input"
    ok = await api.client.get("/v1/usage?to=0001-01-30", headers=api.headers)
    assert ok.status_code == 200
