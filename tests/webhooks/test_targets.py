"""Where webhooks may go: public addresses only by default, in every spelling, checked when a
URL is accepted and again on each connection; malformed URLs are a 422 at every entry point."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from sessionary.bootstrap import Container, build
from sessionary.cli import app
from sessionary.config import Settings
from sessionary.domain.model import Tenant, TenantPolicy
from sessionary.domain.webhooks import Delivery
from sessionary.services.sessions import OpenRequest
from tests.conftest import TEST_ACTOR, Api
from tests.e2e.test_cli import runner
from tests.support import FakeClock

from .receiver import Receiver
from .tls import certificate, server_context

PUBLIC = "93.184.216.34"
INTERNAL_URLS = [
    "http://127.0.0.1:8000/hook",
    "http://localhost/hook",
    "http://localhost./hook",
    "http://0.0.0.0:8000/",
    "http://[::1]:8000/",
    "http://[::]/",
    "http://169.254.169.254/latest/meta-data/",
    "http://2130706433/",
    "http://127.1/",
    "http://0x7f.1/",
    "http://017700000001/",
    "http://127.0.0.1./",
    "http://[::ffff:127.0.0.1]/",
    "http://[64:ff9b::a9fe:a9fe]/",
    "http://10.0.0.1/",
    "http://192.168.1.10/",
    "http://[fd12::1]/",
    "http://100.64.0.1/",
    "http://224.0.0.1/",
]
MALFORMED_URLS = [
    "http://[::1",
    "http://[::1]x/",
    "http://[v1.x]/",
    "http://h:abc/",
    "http://h:0/",
    "http://h:99999999999/",
    "http://xn--/",
]


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The default policy: no network is allowed besides public addresses."""
    return Settings.model_validate({**settings.model_dump(), "webhook_allowed_networks": ()})


@asynccontextmanager
async def _server(database_url: str, clock: FakeClock, **options: Any) -> AsyncIterator[Container]:
    c = build(
        Settings(
            database_url=database_url,
            sweep_interval_s=0,
            webhook_interval_s=0,
            db_timeout_s=30,
            environment="test",
            **options,
        ),
        clock=clock,
    )
    try:
        yield c
    finally:
        await c.close()


async def _one_attempt(c: Container, tenant: Tenant, url: str) -> Delivery:
    """Subscribe ``url``, write one record, and make one delivery attempt."""
    hook = (await c.webhooks.create(tenant.pk, url, ["opened"], TEST_ACTOR)).webhook
    await c.sessions.open(tenant.pk, OpenRequest("user", "u1"), TEST_ACTOR)
    await c.dispatcher.run_once()
    [delivery], _ = await c.webhooks.deliveries(tenant.pk, hook.id)
    return delivery


def _resolving(monkeypatch: pytest.MonkeyPatch, name: str, answers: list[str]) -> None:
    """Make the running loop resolve ``name`` to the addresses in ``answers`` (read at each
    lookup, so a test can change them), and no name at all when it is empty."""
    loop = asyncio.get_running_loop()
    real = loop.getaddrinfo

    async def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if (host.decode() if isinstance(host, bytes) else host) != name:  # anyio passes bytes
            return await real(host, port, *args, **kwargs)
        if not answers:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, int(port))) for a in answers]

    monkeypatch.setattr(loop, "getaddrinfo", getaddrinfo)


async def test_webhooks_to_internal_addresses_are_refused_in_every_spelling(api: Api) -> None:
    for url in INTERNAL_URLS:
        r = await api.client.post("/v1/webhooks", json={"url": url}, headers=api.headers)
        assert r.status_code == 422, (url, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
        assert "public" in r.json()["detail"], url
    assert (await api.client.get("/v1/webhooks", headers=api.headers)).json() == []


async def test_a_webhook_cannot_be_moved_to_an_internal_address(api: Api) -> None:
    r = await api.client.post(
        "/v1/webhooks", json={"url": f"https://{PUBLIC}/in"}, headers=api.headers
    )
    assert r.status_code == 201, r.text
    path = f"/v1/webhooks/{r.json()['id']}"
    for url in INTERNAL_URLS:
        moved = await api.client.patch(path, json={"url": url}, headers=api.headers)
        assert moved.status_code == 422, (url, moved.text)
    assert (await api.client.get(path, headers=api.headers)).json()["url"] == f"https://{PUBLIC}/in"


async def test_a_malformed_url_is_a_422_on_create_and_on_change(api: Api) -> None:
    r = await api.client.post(
        "/v1/webhooks", json={"url": f"https://{PUBLIC}/in"}, headers=api.headers
    )
    path = f"/v1/webhooks/{r.json()['id']}"
    for url in MALFORMED_URLS:
        created = await api.client.post("/v1/webhooks", json={"url": url}, headers=api.headers)
        assert created.status_code == 422, (url, created.text)
        moved = await api.client.patch(path, json={"url": url}, headers=api.headers)
        assert moved.status_code == 422, (url, moved.text)
    assert len((await api.client.get("/v1/webhooks", headers=api.headers)).json()) == 1


async def test_a_name_that_resolves_to_an_internal_address_is_refused(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    _resolving(monkeypatch, "intranet.example.com", ["10.20.30.40"])
    r = await api.client.post(
        "/v1/webhooks", json={"url": "https://intranet.example.com/hook"}, headers=api.headers
    )
    assert r.status_code == 422, r.text
    assert "private" in r.json()["detail"] and "10.20" not in r.text


async def test_a_name_that_resolves_to_loopback_after_the_check_is_not_connected_to(
    container: Container,
    tenant: Tenant,
    receiver: Receiver,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    answers = [PUBLIC]
    _resolving(monkeypatch, "rebind.example.com", answers)
    url = f"http://rebind.example.com:{receiver.port}/hook"
    hook = (await container.webhooks.create(tenant.pk, url, [], TEST_ACTOR)).webhook
    answers[:] = ["127.0.0.1"]  # the name's owner changes its DNS answer

    await container.sessions.open(tenant.pk, OpenRequest("user", "u1"), TEST_ACTOR)
    await container.dispatcher.run_once()

    assert receiver.posts == []
    [delivery], _ = await container.webhooks.deliveries(tenant.pk, hook.id)
    assert (delivery.last_status, delivery.last_error) == (None, "blocked target")
    [refused] = [r for r in caplog.records if r.getMessage() == "webhook target refused"]
    assert refused.__dict__["address"] == "127.0.0.1"  # the operator's log says where


async def test_a_redirect_to_a_refused_address_is_not_followed(
    database_url: str, clock: FakeClock
) -> None:
    refused = Receiver(host="127.0.0.2").start()
    allowed = Receiver(redirect_to=refused.url).start()
    try:
        async with _server(database_url, clock, webhook_allowed_networks="127.0.0.1/32") as c:
            tenant = await c.tenants.create("acme", TenantPolicy(), TEST_ACTOR)
            delivery = await _one_attempt(c, tenant, allowed.url)
    finally:
        allowed.stop()
        refused.stop()
    assert len(allowed.posts) == 1 and refused.posts == []
    assert (delivery.last_status, delivery.last_error) == (302, "HTTP 302")


async def test_a_failed_attempt_names_its_class_and_not_its_detail(
    database_url: str, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    _resolving(monkeypatch, "gone.example.com", [])
    plain = Receiver().start()
    silent = socket.create_server(("127.0.0.1", 0))  # accepts connections, never answers
    silent_port = silent.getsockname()[1]
    cases = {
        f"https://127.0.0.1:{plain.port}/hook": "TLS",  # plain HTTP behind https
        f"http://127.0.0.1:{silent_port}/hook": "timed out",
        "http://gone.example.com/hook": "host not found",
    }
    options = {"webhook_allowed_networks": "127.0.0.0/8", "webhook_timeout_s": 0.5}
    try:
        async with _server(database_url, clock, **options) as c:
            for n, (url, kind) in enumerate(cases.items()):
                tenant = await c.tenants.create(f"t{n}", TenantPolicy(), TEST_ACTOR)
                delivery = await _one_attempt(c, tenant, url)
                assert (delivery.last_status, delivery.last_error) == (None, kind), url
    finally:
        plain.stop()
        silent.close()


@pytest.fixture
def strict_cli(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SESSIONARY_DATABASE_URL", database_url)
    monkeypatch.delenv("SESSIONARY_WEBHOOK_ALLOWED_NETWORKS", raising=False)
    assert runner.invoke(app, ["tenants", "create", "acme"]).exit_code == 0


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("http://[::1", "not a valid URL"),
        ("http://h:abc/", "not a valid URL"),
        ("http://h:0/", "invalid port"),
        ("http://169.254.169.254/latest", "link-local"),
        ("http://2130706433/", "loopback"),
    ],
)
def test_the_cli_refuses_a_malformed_or_internal_url_with_a_message(
    strict_cli: None, url: str, says: str
) -> None:
    result = runner.invoke(app, ["webhooks", "create", "--tenant", "acme", "--url", url])
    assert result.exit_code == 1, result.output
    assert says in " ".join(result.output.split())  # Rich may wrap the line
    assert "Traceback" not in result.output and result.exception is not None
    assert isinstance(result.exception, SystemExit)


async def test_tls_is_verified_against_the_urls_host_name_not_the_address_connected_to(
    database_url: str,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    pem = certificate(tmp_path, "hooks.example.com")
    monkeypatch.setenv("SSL_CERT_FILE", str(pem))  # the receiver's certificate is trusted
    _resolving(monkeypatch, "hooks.example.com", ["127.0.0.1"])
    secure = Receiver(tls=server_context(pem)).start()
    try:
        async with _server(database_url, clock, webhook_allowed_networks="127.0.0.0/8") as c:
            named = await c.tenants.create("named", TenantPolicy(), TEST_ACTOR)
            by_name = await _one_attempt(c, named, f"https://hooks.example.com:{secure.port}/")
            numeric = await c.tenants.create("numeric", TenantPolicy(), TEST_ACTOR)
            by_address = await _one_attempt(c, numeric, f"https://127.0.0.1:{secure.port}/")
    finally:
        secure.stop()
    assert (by_name.last_status, by_name.last_error) == (200, None)
    assert (by_address.last_status, by_address.last_error) == (None, "TLS")
    assert len(secure.posts) == 1
