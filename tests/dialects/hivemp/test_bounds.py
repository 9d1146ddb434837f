"""HiveMP takes no integer from the caller, so an integer anywhere (past 64-bit or negative) and
text past what its fields allow are a 400 HiveMPSystemError on both backends, never a 500 or a
503 ``6001`` "retry later", and open nothing."""

from __future__ import annotations

from typing import Any

import pytest

from sessionary.domain.model import Subject

from .helpers import Hive, JsonObject, assert_error, native_sessions, quickstart

TOO_BIG = (2**63, -(2**63) - 1, 10**30, -1)
FIELDS = ("emailAddress", "passwordHash", "requestedRole", "projectId", "metered")
LONG = "x" * 321  # past the 320 characters of an email address, the longest field


@pytest.mark.parametrize("value", (*TOO_BIG, LONG), ids=lambda v: str(v)[:12])
@pytest.mark.parametrize("field", FIELDS)
async def test_an_integer_or_over_long_text_in_a_login_is_a_400_1003_and_opens_nothing(
    hive: Hive,
    account: Subject,
    public_key: str,
    native: dict[str, str],
    field: str,
    value: Any,
) -> None:
    body: JsonObject = quickstart(**{field: value})
    assert_error(await hive.authenticate(public_key, body), 400, 1003)
    assert await native_sessions(hive.client, native) == []


@pytest.mark.parametrize("value", ["us-" + "9" * 21, "us-" + str(10**30), "us--1", "1"])
async def test_a_session_id_past_twenty_digits_is_a_400_1005(
    hive: Hive, session_key: str, value: str
) -> None:
    for method in ("GET", "POST", "DELETE"):
        assert_error(await hive.call(method, session_key, value), 400, 1005)
