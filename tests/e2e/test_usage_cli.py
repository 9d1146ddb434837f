"""``sessionary usage report``: daily table/json/csv and per-session records (json, csv,
CloudEvents), against a real database on both backends."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from typer.testing import CliRunner

from sessionary.bootstrap import build
from sessionary.cli import app
from sessionary.config import Settings
from sessionary.domain.model import TenantPolicy
from sessionary.services.sessions import OpenRequest
from tests.conftest import TEST_ACTOR
from tests.support import FakeClock

runner = CliRunner()
NOON = int(datetime(2025, 3, 10, 12, tzinfo=UTC).timestamp()) * 1_000_000
# A subject id a spreadsheet would run as a formula, were it written as it is.
SUBJECT = '=HYPERLINK("http://evil.example","x")'
RANGE = ("--tenant", "acme", "--from", "2025-03-10", "--to", "2025-03-10")


@pytest.fixture
def seeded(database_url: str, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """acme with sessions of 59, 60 and 61 s (1, 1 and 2 minutes) and one still open, all
    for subject ``SUBJECT``."""
    monkeypatch.setenv("SESSIONARY_DATABASE_URL", database_url)

    async def seed() -> list[str]:
        clock = FakeClock(start=NOON)
        c = build(Settings(database_url=database_url, environment="test"), clock=clock)
        try:
            tenant = await c.tenants.create("acme", TenantPolicy(), TEST_ACTOR)
            ids = []
            for seconds in (59, 60, 61, 0):
                req = OpenRequest(subject_kind="user", subject_id=SUBJECT)
                session = await c.sessions.open(tenant.pk, req, TEST_ACTOR)
                clock.advance(seconds)
                if seconds:
                    await c.sessions.close(tenant.pk, session.id, TEST_ACTOR)
                ids.append(session.id)
            return ids
        finally:
            await c.close()

    return asyncio.run(seed())


def invoke(*args: str) -> str:
    result = runner.invoke(app, ["usage", "report", *RANGE, *args])
    assert result.exit_code == 0, result.output
    return result.stdout


def test_json_records_round_up_and_add_up_to_the_daily_report(seeded: list[str]) -> None:
    records: list[Any] = json.loads(invoke("--records", "--json"))
    assert [r["session_id"] for r in records] == seeded[:3]
    assert [r["billed_minutes"] for r in records] == [1, 1, 2]
    assert [r["active_seconds"] for r in records] == [59, 60, 61]
    daily = json.loads(invoke("--json"))
    assert daily == json.loads(invoke("--format", "json"))
    assert daily["totals"] == {"date": "total", "opened": 4, "ended": 3, "billed_minutes": 4}


def test_csv_records_have_a_header_and_one_row_per_ended_session(seeded: list[str]) -> None:
    rows = list(csv.DictReader(io.StringIO(invoke("--records", "--format", "csv"))))
    assert [r["session_id"] for r in rows] == seeded[:3]
    assert sum(int(r["billed_minutes"]) for r in rows) == 4
    assert {r["subject_id"] for r in rows} == {"'" + SUBJECT}  # defused, see http/csvsafe.py
    daily = list(csv.reader(io.StringIO(invoke("--format", "csv"))))
    assert daily[0] == ["date", "opened", "ended", "billed_minutes"]
    assert daily[-1] == ["total", "4", "3", "4"]


def test_cloudevents_match_the_api_shape_and_keep_their_ids(seeded: list[str]) -> None:
    events: list[Any] = json.loads(invoke("--format", "cloudevents"))
    assert [e["subject"] for e in events] == seeded[:3]
    for event in events:
        assert event["specversion"] == "1.0"
        assert event["source"] == "/sessionary/tenants/acme"
        assert event["type"] == "io.sessionary.usage.session.billed"
        assert event["datacontenttype"] == "application/json"
        assert event["time"] == event["data"]["ended_at"]
    assert len({e["id"] for e in events}) == 3
    assert json.loads(invoke("--format", "cloudevents", "--json")) == events


def test_the_records_table_lists_each_session(seeded: list[str]) -> None:
    out = invoke("--records")
    assert all(sid[:8] in out for sid in seeded[:3])


def test_a_backwards_range_is_refused_with_a_message(seeded: list[str]) -> None:
    result = runner.invoke(
        app, ["usage", "report", "--tenant", "acme", "--from", "2025-03-10", "--to", "2025-03-01"]
    )
    assert result.exit_code == 1 and "before" in result.output
