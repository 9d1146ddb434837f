"""Integers past their range (or past signed 64-bit) and text past its column's length are a
400 ``{"description": ...}`` on every RUFUS route, on both backends, and change nothing."""

from __future__ import annotations

from typing import Any

import pytest

from sessionary.domain import limits

from .helpers import Rufus
from .test_bad_input import TS, assert_t1_untouched

TOO_BIG = (2**63, -(2**63) - 1, 10**30, -1)
QUERIES = [
    ("/passings/session/{t1}", "first"),
    ("/passings/session/{t1}", "last"),
    ("/passings/session/{t1}", "page"),
    ("/passings/device2/{device}", "last"),
    ("/passings/device2/{device}", "page"),
    ("/passings/device/{device}", "page"),
    ("/devices", "page"),
    ("/devices", "limit"),
]


@pytest.mark.parametrize("value", TOO_BIG, ids=str)
@pytest.mark.parametrize(("path", "name"), QUERIES, ids=[f"{p}?{n}" for p, n in QUERIES])
async def test_a_query_integer_out_of_its_range_is_a_400(
    rufus: Rufus, kr: str, device: str, t1_loaded: str, path: str, name: str, value: int
) -> None:
    url = path.format(t1=t1_loaded, device=device)
    rufus.expect_error(await rufus.get(url, kr, **{name: value}), 400)
    await assert_t1_untouched(rufus, kr, device, t1_loaded)


@pytest.mark.parametrize("value", (*TOO_BIG, limits.SEQ_MAX + 1), ids=str)
async def test_a_num_passing_out_of_its_range_is_a_400_and_inserts_nothing(
    rufus: Rufus, kr: str, kw: str, device: str, t1_loaded: str, value: int
) -> None:
    item = {"bib": "9", "num_passing": value, "timestamp": TS}
    rufus.expect_error(await rufus.insert(kw, t1_loaded, [item]), 400)
    await assert_t1_untouched(rufus, kr, device, t1_loaded)


LONG_BODIES: list[tuple[str, str, Any]] = [
    ("session-alias", "/sessions", {"deviceid": "{device}", "alias": "a" * (limits.ALIAS + 1)}),
    ("session-device", "/sessions", {"deviceid": "D" * 101}),
    ("device-model", "/devices", {"model": "m" * 201, "serial_number": "S"}),
    ("device-serial", "/devices", {"model": "M", "serial_number": "s" * 201}),
    ("passings-token", "/passings", {"token_session": "T" * 101, "passings_list": [{}]}),
]


@pytest.mark.parametrize(("path", "body"), [pytest.param(p, b, id=n) for n, p, b in LONG_BODIES])
async def test_text_longer_than_allowed_is_a_400_and_changes_nothing(
    rufus: Rufus, kr: str, kw: str, device: str, t1_loaded: str, path: str, body: dict[str, Any]
) -> None:
    sent = {k: v.format(device=device) if isinstance(v, str) else v for k, v in body.items()}
    rufus.expect_error(await rufus.post(path, kw, sent), 400)
    await assert_t1_untouched(rufus, kr, device, t1_loaded)
