"""Console sign-in: operator keys only, a session in the system tenant, cookie flags, CSRF,
idle timeout, sign-out, and revocation of the key behind a sign-in."""

from __future__ import annotations

from types import SimpleNamespace
from typing import cast

import httpx

from sessionary.bootstrap import Container
from sessionary.config import load_settings
from sessionary.console.context import Console
from sessionary.console.queries import ConsoleReads
from sessionary.console.signin import COOKIE, SYSTEM_TENANT, ConsoleAuth
from sessionary.domain.model import Tenant
from sessionary.domain.ports import SessionFilter
from tests.conftest import TEST_ACTOR, key_headers
from tests.support import FakeClock

from .helpers import operator_key, sign_in, signed_in, token_from


async def _console_sessions(container: Container) -> list[tuple[str, str, str]]:
    system = await container.tenants.find(SYSTEM_TENANT)
    page = await container.sessions.list(
        system.pk, SessionFilter(now=container.clock.now()), None, 50
    )
    return [
        (s.subject_kind, s.subject_id, s.effective_status(container.clock.now()))
        for s in page.items
    ]


async def test_pages_send_a_visitor_without_a_session_to_the_sign_in_page(
    client: httpx.AsyncClient,
) -> None:
    for path in ("/admin", "/admin/sessions", "/admin/keys"):
        answer = await client.get(path)
        assert answer.status_code == 303, path
        assert answer.headers["location"] == "/admin/sign-in"
    page = await client.get("/admin/sign-in")
    assert page.status_code == 200
    assert "<title>Sign in · sessionary console</title>" in page.text
    assert "<h1>Sign in</h1>" in page.text


async def test_a_wrong_key_is_refused_and_no_session_is_opened(
    client: httpx.AsyncClient, container: Container, tenant: Tenant
) -> None:
    tenant_key = (await key_headers(container, tenant.pk, "admin"))["Authorization"][7:]
    for secret in ("sk_wrong", tenant_key, ""):
        answer = await sign_in(client, secret)
        assert answer.status_code == 401
        assert "was not accepted" in answer.text
        assert COOKIE not in answer.cookies
    assert (await client.get("/admin")).status_code == 303
    names = [t.name for t in await container.tenants.list()]
    assert SYSTEM_TENANT not in names


async def test_an_operator_key_signs_in_as_a_console_session_in_the_system_tenant(
    client: httpx.AsyncClient, container: Container
) -> None:
    key_id, secret = await operator_key(container)
    answer = await sign_in(client, secret)
    assert answer.status_code == 303
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE}=")
    for flag in ("HttpOnly", "SameSite=Strict", "Path=/admin"):
        assert flag.lower() in cookie.lower()
    assert "secure" not in cookie.lower()  # the test environment is not production
    assert secret not in cookie
    overview = await client.get("/admin")
    assert overview.status_code == 200
    assert "<h1>Overview</h1>" in overview.text
    assert await _console_sessions(container) == [("operator", key_id, "active")]


def test_the_sign_in_cookie_is_secure_in_production_or_when_asked() -> None:
    strong = "k" * 40

    def secure(**overrides: object) -> bool:
        container = cast(Container, SimpleNamespace(settings=load_settings(**overrides)))
        console = Console(container, ConsoleAuth(container), cast(ConsoleReads, None))
        return bool(console.cookie("x").secure)

    assert secure(environment="production", secret_key=strong) is True
    assert secure(environment="development") is False
    assert secure(environment="development", console_secure_cookie=True) is True
    assert secure(environment="production", secret_key=strong, console_secure_cookie=False) is False


async def test_a_form_posted_without_its_csrf_token_is_refused_and_changes_nothing(
    client: httpx.AsyncClient, container: Container
) -> None:
    _, secret = await operator_key(container)
    no_token = await client.post("/admin/sign-in", data={"key": secret})
    assert no_token.status_code == 403
    assert "security token" in no_token.text
    assert no_token.headers["content-type"].startswith("text/html")
    await token_from(client, "/admin/sign-in")  # now the CSRF cookie is set, but not the field
    forged = await client.post("/admin/sign-in", data={"key": secret, "_csrf_token": "x" * 128})
    assert forged.status_code == 403
    assert COOKIE not in client.cookies
    assert SYSTEM_TENANT not in [t.name for t in await container.tenants.list()]


async def test_the_apis_need_no_csrf_token(
    client: httpx.AsyncClient, container: Container, tenant: Tenant
) -> None:
    headers = await key_headers(container, tenant.pk)
    body = {"subject": {"kind": "user", "id": "u1"}}
    opened = await client.post("/v1/sessions", json=body, headers=headers)
    assert opened.status_code == 201, opened.text


async def test_sign_out_closes_the_console_session(
    client: httpx.AsyncClient, container: Container
) -> None:
    key_id = await signed_in(client, container)
    token = await token_from(client, "/admin")
    out = await client.post("/admin/sign-out", data={"_csrf_token": token})
    assert out.status_code == 303
    assert out.headers["location"] == "/admin/sign-in"
    assert (await client.get("/admin")).status_code == 303
    assert await _console_sessions(container) == [("operator", key_id, "closed")]


async def test_an_idle_console_session_times_out_and_activity_keeps_it_alive(
    client: httpx.AsyncClient, container: Container, clock: FakeClock
) -> None:
    await signed_in(client, container)
    idle = container.settings.console_idle_timeout_s
    for _ in range(3):  # each visit pushes the expiry on
        clock.advance(idle - 30)
        assert (await client.get("/admin")).status_code == 200
    clock.advance(idle + 1)
    assert (await client.get("/admin")).status_code == 303
    statuses = [status for _, _, status in await _console_sessions(container)]
    assert statuses == ["expired"]


async def test_revoking_the_operator_key_ends_its_console_sign_in(
    client: httpx.AsyncClient, container: Container
) -> None:
    key_id = await signed_in(client, container)
    await container.credentials.revoke(None, key_id, TEST_ACTOR)
    assert (await client.get("/admin")).status_code == 303
    assert await _console_sessions(container) == [("operator", key_id, "closed")]


async def test_a_forged_cookie_is_not_a_sign_in(
    client: httpx.AsyncClient, container: Container
) -> None:
    await signed_in(client, container)
    real = client.cookies[COOKIE]
    session_id, _, nonce = real.partition(".")
    other = nonce[:-1] + ("A" if nonce[-1] != "A" else "B")
    client.cookies.set(COOKIE, f"{session_id}.{other}", path="/admin")
    assert (await client.get("/admin")).status_code == 303
    client.cookies.set(COOKIE, session_id, path="/admin")
    assert (await client.get("/admin")).status_code == 303
