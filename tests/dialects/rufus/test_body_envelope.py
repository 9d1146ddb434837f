"""``rufus_envelope="body"``: every reply is ``{"body":{...}}`` (spec §2.2, §9.1), and the
TasTimer substring search still finds its fields."""

from __future__ import annotations

import pytest

from sessionary.config import Settings

from .helpers import DEVICE_BODY, Rufus, passing, random_id


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(
        database_url=database_url, sweep_interval_s=0, environment="test", rufus_envelope="body"
    )


async def test_the_body_envelope_wraps_the_documented_bodies(
    rufus: Rufus, kw: str, kr: str
) -> None:
    assert rufus.envelope
    bound = await rufus.call("POST", "/devices", None, DEVICE_BODY, headers={"x-api-key": kw})
    deviceid = rufus.inner(bound)["deviceid"]
    assert (
        bound.text
        == f'{{"body":{{"description":"Device binded succesfully","deviceid":"{deviceid}"}}}}'
    )
    started = await rufus.post("/sessions", kw, {"deviceid": deviceid})
    token = rufus.inner(started)["token_session"]
    assert '"deviceid":"' in bound.text and '"token_session":"' in started.text
    rufus.expect(
        started, 201, {"description": "Session inserted succesfully", "token_session": token}
    )
    inserted = await rufus.insert(kw, token, [passing(1)])
    assert inserted.text.startswith('{"body":{"description":"Passings inserted succesfully"')
    listed = await rufus.get(f"/passings/session/{token}", kr)
    assert listed.text.startswith('{"body":{"description":"Success","result":[{"token_session":"')
    closed = await rufus.call("PATCH", f"/sessions/close/{token}", kw)
    rufus.expect(closed, 200, {"description": "Session closed succesfully", "token_session": token})


async def test_the_body_envelope_wraps_every_error(rufus: Rufus, kw: str, kr: str) -> None:
    unknown = random_id()
    rufus.expect(
        await rufus.get(f"/devices/{unknown}", kr), 404, {"description": "Device not found"}
    )
    rufus.expect(
        await rufus.post("/sessions", kw, {"deviceid": unknown}),
        404,
        {"description": "Device not found", "deviceid": unknown},
    )
    rufus.expect(
        await rufus.insert(kw, unknown, [passing(1)]),
        404,
        {"description": "Session not found or closed", "token_session": unknown},
    )
    rufus.expect_error(await rufus.post("/devices", kw, {"model": "X"}), 400)
    rufus.expect_error(await rufus.post("/devices", kr, DEVICE_BODY), 403)
    rufus.expect_error(await rufus.post("/devices", None, DEVICE_BODY), 403)
    rufus.expect_error(await rufus.get("/no/such/path", kr), 404)
    malformed = await rufus.client.post(
        rufus.prefix + "/devices", content=b"{not json", headers={"api_key": kw}
    )
    rufus.expect_error(malformed, 400)
    for response in (malformed, await rufus.get(f"/devices/{unknown}", kr)):
        assert response.text.startswith('{"body":{"description":"')
