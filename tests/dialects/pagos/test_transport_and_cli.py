"""Transport-level errors outside the envelope (spec §3: 404, 405 with ``{"Message": ...}``)
and the ``sessionary pagos`` commands."""

from __future__ import annotations

import json
from typing import Any

import anyio
import httpx
import pytest
from typer.testing import CliRunner, Result

from sessionary.bootstrap import Container
from sessionary.cli import app
from sessionary.dialects.pagos.clients import create_application
from sessionary.domain.errors import InvalidInput
from sessionary.domain.model import Tenant
from sessionary.http.dialects.pagos.app import render
from tests.conftest import TEST_ACTOR, key_headers

from .helpers import APP_KEY, Pagos, PagosClient, new_client

runner = CliRunner()
NOT_FOUND = '{"Message":"No HTTP resource was found that matches the request URI."}'
NOT_ALLOWED = '{"Message":"The requested resource does not support this HTTP method."}'


@pytest.fixture
def cli_env(database_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("SESSIONARY_DATABASE_URL", database_url)
    return database_url


async def invoke(*args: str) -> Result:
    """The CLI runs its own event loop, so it runs in a worker thread here."""
    return await anyio.to_thread.run_sync(lambda: runner.invoke(app, ["pagos", *args]))


async def application_count(container: Container, tenant: Tenant) -> int:
    items, _ = await container.subjects.list(tenant.pk, "application", None, 100)
    return len(items)


def expect_transport_error(response: httpx.Response, status: int, text: str) -> None:
    assert (response.status_code, response.text) == (status, text)
    assert response.headers["content-type"].startswith("application/json")
    assert "problem" not in response.headers["content-type"]


@pytest.mark.parametrize(
    "path",
    [
        "/Api/Applications/GetResult",
        "/Api/Applications/OpenDedicatedSessions",
        "/Api/Sites/GetUsers",
        "/Api/",
        "/Api/Applications/OpenDedicatedSession/extra",
    ],
)
async def test_an_unknown_path_under_api_is_a_404_with_a_message(
    pagos: Pagos, token: str, path: str
) -> None:
    response = await pagos.post(path, token, {"ApplicationKey": "x"})
    expect_transport_error(response, 404, NOT_FOUND)


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "PATCH"])
@pytest.mark.parametrize(
    "path",
    ["/Api/Applications/OpenDedicatedSession", "/Api/Applications/CloseDedicatedSession"],
)
async def test_a_non_post_method_on_a_session_path_is_a_405_with_a_message(
    pagos: Pagos, client: httpx.AsyncClient, path: str, method: str
) -> None:
    response = await client.request(method, pagos.prefix + path)
    expect_transport_error(response, 405, NOT_ALLOWED)


async def test_a_get_on_the_token_path_is_a_405_with_a_message(
    pagos: Pagos, client: httpx.AsyncClient
) -> None:
    expect_transport_error(await client.get(pagos.prefix + "/token"), 405, NOT_ALLOWED)


def test_a_value_the_database_cannot_store_is_a_400_with_a_message_not_a_500() -> None:
    # No Pagos input reaches this today (keys are looked up as unknown, ids are GUID-checked);
    # the renderer keeps a later path from turning such a value into a 500.
    request: Any = None  # the renderer does not read the request
    response = render(request, InvalidInput("text holds U+0000", field="name"))
    assert response.status_code == 400
    assert response.content == b'{"Message":"The request is invalid."}'


async def test_the_cli_creates_a_client_and_an_application_that_work_together(
    cli_env: str, pagos: Pagos, tenant: Tenant
) -> None:
    made = await invoke("clients", "create", "--tenant", "acme", "--json")
    assert made.exit_code == 0, made.output
    printed = json.loads(made.stdout)
    assert list(printed) == ["client_id", "client_secret"]
    assert all(isinstance(value, str) and value for value in printed.values())
    owner = PagosClient(printed["client_id"], printed["client_secret"])
    made = await invoke("apps", "create", "--tenant", "acme", "--grant", owner.id, "--json")
    assert made.exit_code == 0, made.output
    app_printed = json.loads(made.stdout)
    assert list(app_printed) == ["application_key"]
    assert APP_KEY.match(app_printed["application_key"])
    token = await pagos.token(owner)
    session_id = await pagos.open_session(token, app_printed["application_key"])
    await pagos.close_session(token, app_printed["application_key"], session_id)


async def test_the_cli_creates_a_public_application_with_rights_for_several_clients(
    cli_env: str, container: Container, tenant: Tenant
) -> None:
    first = await new_client(container, tenant.name)
    second = await new_client(container, tenant.name)
    made = await invoke(
        "apps", "create", "--tenant", "acme", "--public", "--grant", first.id,
        "--grant", second.id, "--json",
    )  # fmt: skip
    assert made.exit_code == 0, made.output
    key = json.loads(made.stdout)["application_key"]
    app = await container.subjects.get(tenant.pk, "application", key)
    assert app.attributes == {"access": "public", "clients": sorted([first.id, second.id])}


async def test_the_cli_refuses_a_grant_to_an_unknown_client_and_creates_nothing(
    cli_env: str, container: Container, tenant: Tenant
) -> None:
    made = await invoke("apps", "create", "--tenant", "acme", "--grant", "key_unknown", "--json")
    assert made.exit_code == 1
    assert "key_unknown" in made.output
    assert not APP_KEY.search(made.stdout)
    assert await application_count(container, tenant) == 0


async def test_a_grant_to_a_client_of_another_tenant_or_to_a_native_key_is_refused(
    container: Container, tenant: Tenant, other_tenant: Tenant
) -> None:
    stranger = await new_client(container, other_tenant.name)
    await key_headers(container, tenant.pk)
    native = await container.credentials.list(tenant.pk)
    assert [credential.kind for credential in native] == ["native"]
    for client_id in (stranger.id, native[0].id):
        with pytest.raises(InvalidInput, match="no Pagos client"):
            await create_application(container, tenant.name, [client_id], False, TEST_ACTOR)
    assert await application_count(container, tenant) == 0


async def test_the_cli_refuses_an_unknown_tenant(cli_env: str, tenant: Tenant) -> None:
    made = await invoke("clients", "create", "--tenant", "initech", "--json")
    assert made.exit_code != 0
    assert made.stdout == ""
