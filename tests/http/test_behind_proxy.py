"""Behind a proxy: Forwarded / X-Forwarded-* are honoured only from SESSIONARY_TRUSTED_PROXIES,
for the access log, the Pagos per-address throttle and the URLs the server writes;
SESSIONARY_PUBLIC_URL overrides the scheme and host; malformed headers are ignored."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from urllib.parse import urlsplit

import httpx
import pytest

from sessionary.bootstrap import Container
from sessionary.dialects.casino.partners import add_game, create_partner
from sessionary.domain.model import Tenant
from sessionary.http.app import create_app
from tests.conftest import TEST_ACTOR
from tests.dialects.casino.helpers import PUMPKIN, S100, SECRET, TOK, USER
from tests.dialects.pagos.helpers import new_client

PROXY = ("10.1.2.3", 40000)  # inside SESSIONARY_TRUSTED_PROXIES below
STRANGER = ("198.51.100.9", 40000)  # outside
Peer = Callable[..., AbstractAsyncContextManager[httpx.AsyncClient]]


@pytest.fixture
def peer(container: Container) -> Peer:
    """A client of the app whose connection comes from ``address``, with these settings."""

    @asynccontextmanager
    async def connect(
        address: tuple[str, int], **changes: object
    ) -> AsyncIterator[httpx.AsyncClient]:
        update = {"trusted_proxies": "10.0.0.0/8,fd00::/8", **changes}
        settings = container.settings.model_validate({**container.settings.model_dump(), **update})
        app = create_app(dataclasses.replace(container, settings=settings))
        transport = httpx.ASGITransport(app=app, client=address)  # type: ignore[arg-type]
        async with app.lifespan(), httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            yield c

    return connect


def dashed(headers: dict[str, str]) -> dict[str, str]:
    return {name.replace("_", "-"): value for name, value in headers.items()}


async def logged_client(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture, **headers: str
) -> object:
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="sessionary.access"):
        response = await client.get("/healthz", headers=dashed(headers))
    assert response.status_code == 200
    return next(r for r in caplog.records if r.name == "sessionary.access").__dict__["client"]


async def test_the_access_log_shows_the_client_a_trusted_proxy_names(
    peer: Peer, caplog: pytest.LogCaptureFixture
) -> None:
    async with peer(PROXY) as c:
        assert (
            await logged_client(c, caplog, x_forwarded_for="203.0.113.7, 10.9.9.9") == "203.0.113.7"
        )
        forwarded = 'for=203.0.113.8;proto=https, for="[fd00::5]:8080"'
        assert await logged_client(c, caplog, forwarded=forwarded) == "203.0.113.8"
        assert await logged_client(c, caplog, forwarded="for=_hidden") == "_hidden"
        assert await logged_client(c, caplog) == PROXY[0]  # no header: the proxy itself


async def test_an_untrusted_peer_cannot_choose_its_address(
    peer: Peer, caplog: pytest.LogCaptureFixture
) -> None:
    async with peer(STRANGER) as c:
        assert await logged_client(c, caplog, x_forwarded_for="203.0.113.7") == STRANGER[0]
        assert await logged_client(c, caplog, forwarded="for=203.0.113.7") == STRANGER[0]
    async with peer(PROXY, trusted_proxies="") as c:  # the default: nobody is trusted
        assert await logged_client(c, caplog, x_forwarded_for="203.0.113.7") == PROXY[0]


@pytest.mark.parametrize(
    "headers",
    [
        {"x_forwarded_for": "not-an-address"},
        {"x_forwarded_for": "203.0.113.7,,"},
        {"forwarded": "for=203.0.113.7;for=198.51.100.1"},
        {"forwarded": 'for="[::1'},
        {"forwarded": "for=203.0.113.7;proto=gopher"},
        {"forwarded": "for=203.0.113.7 junk"},
        {"x_forwarded_for": "203.0.113.7", "x_forwarded_host": "evil.example/path"},
    ],
)
async def test_a_malformed_header_is_ignored_and_never_fails_the_request(
    peer: Peer, caplog: pytest.LogCaptureFixture, headers: dict[str, str]
) -> None:
    async with peer(PROXY) as c:
        assert await logged_client(c, caplog, **headers) == PROXY[0]


async def start_game(c: httpx.AsyncClient, **headers: str) -> str:
    body = {"secureLogin": S100, "token": TOK, "uuid": "u", "userId": USER, "gameId": PUMPKIN}
    response = await c.post("/casino/v4/StartGame", json=body, headers=dashed(headers))
    assert response.status_code == 200, response.text
    return str(response.json()["url"])


async def test_casino_launch_urls_carry_the_scheme_and_host_the_client_used(
    peer: Peer, container: Container, tenant: Tenant
) -> None:
    await create_partner(container, tenant.name, TEST_ACTOR, S100, TOK, SECRET)
    await add_game(container, tenant.name, PUMPKIN, "Pumpkin Farm", TEST_ACTOR)
    tls = {"x_forwarded_proto": "https", "x_forwarded_host": "games.example"}
    async with peer(PROXY) as c:
        url = urlsplit(await start_game(c, x_forwarded_for="203.0.113.7", **tls))
        assert (url.scheme, url.netloc, url.path) == (
            "https",
            "games.example",
            "/casino/game/launch",
        )
        forwarded = "for=203.0.113.7;proto=https;host=play.example"
        assert (await start_game(c, forwarded=forwarded)).startswith("https://play.example/casino/")
    async with peer(STRANGER) as c:
        assert (await start_game(c, **tls)).startswith("http://t/casino/game/launch")
    async with peer(STRANGER, public_url="https://api.example/sessionary/") as c:
        launched = await start_game(c, **tls)
        assert launched.startswith("https://api.example/sessionary/casino/game/launch?token=")
        swagger = (await c.get("/hivemp/v1/swagger.json")).json()
        assert (swagger["host"], swagger["basePath"]) == ("api.example", "/sessionary/hivemp/v1")
        openapi = (await c.get("/v1/openapi.json")).json()
        assert openapi["servers"] == [{"url": "https://api.example/sessionary"}]


async def test_the_pagos_token_throttle_counts_each_client_behind_the_proxy(
    peer: Peer, container: Container, tenant: Tenant
) -> None:
    pagos = await new_client(container, tenant.name)
    form = {
        "grant_type": "client_credentials",
        "client_id": pagos.id,
        "client_secret": pagos.secret,
    }
    async with peer(PROXY, pagos_token_source_burst=1, pagos_token_client_burst=100) as c:

        async def status(client_ip: str) -> int:
            headers = {"x-forwarded-for": client_ip}
            return (await c.post("/pagos/token", data=form, headers=headers)).status_code

        assert await status("203.0.113.7") == 200
        assert await status("203.0.113.7") == 429  # the same client again: its own bucket
        assert await status("203.0.113.8") == 200  # another client, the same proxy
