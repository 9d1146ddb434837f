"""``rufus_at_root=True`` serves the same API at /v0 as well (spec §1); unknown paths under a
RUFUS prefix answer 404 with a ``{"description": ...}`` body, not problem+json."""

from __future__ import annotations

import httpx
import pytest

from sessionary.config import Settings

from .helpers import DEVICE_BODY, HEX64, PREFIX, Rufus


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(
        database_url=database_url, sweep_interval_s=0, environment="test", rufus_at_root=True
    )


async def test_the_api_is_served_at_v0_and_at_the_prefix_over_the_same_data(
    client: httpx.AsyncClient, kw: str, kr: str
) -> None:
    root, prefixed = Rufus(client, prefix="/v0"), Rufus(client, prefix=PREFIX)
    response = await root.post("/devices", kw, DEVICE_BODY)
    deviceid = root.inner(response)["deviceid"]
    assert HEX64.match(deviceid)
    root.expect(response, 201, {"description": "Device binded succesfully", "deviceid": deviceid})
    token = await prefixed.start(kw, deviceid, "START-5K")
    from_root = await root.get(f"/sessions/{token}", kr)
    from_prefix = await prefixed.get(f"/sessions/{token}", kr)
    assert (from_root.status_code, from_root.text) == (200, from_prefix.text)
    closed = await root.call("PATCH", f"/sessions/close/{token}", kw)
    root.expect(closed, 200, {"description": "Session closed succesfully", "token_session": token})
    assert (await prefixed.session(token, kr))["active"] is False


@pytest.mark.parametrize("prefix", ["/v0", PREFIX])
@pytest.mark.parametrize(
    "path", ["/nope", "/devices/A/extra", "/sessions/close", "/passings", "/", ""]
)
async def test_an_unknown_path_under_a_rufus_prefix_is_a_plain_404(
    client: httpx.AsyncClient, kr: str, prefix: str, path: str
) -> None:
    rufus = Rufus(client, prefix=prefix)
    response = await rufus.get(path, kr)
    if path == "/passings":
        assert response.status_code in (404, 405), response.text
    else:
        assert response.status_code == 404, response.text
    assert response.headers["content-type"].startswith("application/json")
    rufus.expect_error(response, response.status_code)


async def test_an_unsupported_method_answers_a_description_not_a_problem(
    client: httpx.AsyncClient, kw: str
) -> None:
    rufus = Rufus(client, prefix="/v0")
    response = await rufus.call("PUT", "/devices", kw, DEVICE_BODY)
    assert response.status_code in (404, 405), response.text
    rufus.expect_error(response, response.status_code)


async def test_the_native_api_still_answers_problems_beside_the_root_mount(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/v1/sessions")
    assert response.status_code == 401, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
