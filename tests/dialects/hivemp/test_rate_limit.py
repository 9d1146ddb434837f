"""Conformance check 17 of spec §11: a rate-limited call is error 6002 with retryAfterSeconds.

The app here allows one call per key, then one every 1000 s (``rate_limit_burst=1``)."""

from __future__ import annotations

import pytest

from sessionary.config import Settings
from sessionary.domain.model import Subject

from .helpers import Hive, assert_error, assert_ok, quickstart


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(
        database_url=database_url,
        sweep_interval_s=0,
        environment="test",
        rate_limit_per_s=0.001,
        rate_limit_burst=1,
    )


async def test_check_17_a_rate_limited_call_is_error_6002_with_retry_after_seconds(
    hive: Hive, account: Subject, public_key: str
) -> None:
    assert_ok(await hive.authenticate(public_key, quickstart()))
    response = await hive.authenticate(public_key, quickstart())
    data = assert_error(response, 429, 6002)
    retry = data["retryAfterSeconds"]
    assert isinstance(retry, int | float) and not isinstance(retry, bool)
    assert retry > 0
    assert "Retry-After" in response.headers
    assert float(response.headers["Retry-After"]) == pytest.approx(retry, abs=1)


async def test_the_limit_is_per_key_so_a_session_key_still_has_its_own_budget(
    hive: Hive, account: Subject, public_key: str
) -> None:
    session = (assert_ok(await hive.authenticate(public_key, quickstart())))["authenticatedSession"]
    assert_error(await hive.authenticate(public_key, quickstart()), 429, 6002)
    assert assert_ok(await hive.call("GET", session["apiKey"]))["id"] == session["id"]
    data = assert_error(await hive.call("GET", session["apiKey"]), 429, 6002)
    assert data["retryAfterSeconds"] > 0
