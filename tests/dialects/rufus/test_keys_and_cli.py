"""Issuing RUFUS keys (spec §3.1): at most 10 live keys per company, unbind only on writing
keys, and the ``sessionary rufus keys create`` command."""

from __future__ import annotations

import json

import anyio
import pytest
from typer.testing import CliRunner, Result

from sessionary.bootstrap import Container
from sessionary.cli import app
from sessionary.dialects.rufus.keys import create_key
from sessionary.domain.errors import InvalidInput, LimitExceeded
from sessionary.domain.model import Tenant
from tests.conftest import TEST_ACTOR, key_headers

from .conftest import issue
from .helpers import API_KEY, DEVICE_BODY, Rufus, random_id

runner = CliRunner()


@pytest.fixture
def cli_env(database_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("SESSIONARY_DATABASE_URL", database_url)
    return database_url


async def invoke(*args: str) -> Result:
    """The CLI runs its own event loop, so it runs in a worker thread here."""
    return await anyio.to_thread.run_sync(lambda: runner.invoke(app, ["rufus", "keys", *args]))


async def rufus_key_count(container: Container, tenant: Tenant) -> int:
    return sum(c.kind == "rufus" for c in await container.credentials.list(tenant.pk))


async def test_the_eleventh_live_key_of_a_company_is_refused(
    container: Container, tenant: Tenant, other_tenant: Tenant
) -> None:
    await key_headers(container, tenant.pk)
    for access in ["READ", "WRITE", "READ_WRITE"] * 3 + ["READ"]:
        key = await create_key(container, tenant.name, access, False, None, TEST_ACTOR)
        assert API_KEY.match(key.api_key)
    with pytest.raises(LimitExceeded):
        await create_key(container, tenant.name, "READ_WRITE", True, "admin", TEST_ACTOR)
    assert await rufus_key_count(container, tenant) == 10
    assert API_KEY.match(await issue(container, other_tenant.name, "READ"))


async def test_the_unbind_permission_is_refused_on_a_read_key(
    container: Container, tenant: Tenant
) -> None:
    with pytest.raises(InvalidInput):
        await create_key(container, tenant.name, "READ", True, None, TEST_ACTOR)
    with pytest.raises(InvalidInput):
        await create_key(container, tenant.name, "ADMIN", False, None, TEST_ACTOR)
    assert await rufus_key_count(container, tenant) == 0


async def test_a_key_carries_exactly_its_access_type_and_unbind_flag(
    rufus: Rufus, container: Container, tenant: Tenant
) -> None:
    write = await create_key(container, tenant.name, "WRITE", True, "devices", TEST_ACTOR)
    assert (write.access_type, write.can_unbind, write.alias) == ("WRITE", True, "devices")
    deviceid = await rufus.bind(write.api_key)
    rufus.expect_error(await rufus.get(f"/devices/{deviceid}", write.api_key), 403)
    response = await rufus.call("DELETE", f"/devices/{deviceid}", write.api_key)
    assert response.status_code == 200, response.text


async def test_the_cli_creates_a_read_write_unbind_key_and_prints_its_json(
    cli_env: str, rufus: Rufus, tenant: Tenant
) -> None:
    result = await invoke(
        "create", "--tenant", "acme", "--access", "READ_WRITE", "--unbind", "--json"
    )
    assert result.exit_code == 0, result.output
    printed = json.loads(result.stdout)
    assert list(printed) == ["api_key", "access_type", "can_unbind"]
    assert API_KEY.match(printed["api_key"])
    assert printed == {
        "api_key": printed["api_key"],
        "access_type": "READ_WRITE",
        "can_unbind": True,
    }
    key = printed["api_key"]
    deviceid = await rufus.bind(key)
    assert (await rufus.result(f"/devices/{deviceid}", key))["deviceid"] == deviceid
    unknown = random_id()
    rufus.expect(
        await rufus.call("DELETE", f"/devices/{unknown}", key),
        404,
        {"description": "Device not found", "deviceid": unknown},
    )


async def test_the_cli_prints_a_key_without_json_too(cli_env: str, tenant: Tenant) -> None:
    result = await invoke("create", "--tenant", "acme", "--access", "read")
    assert result.exit_code == 0, result.output
    assert API_KEY.search(result.stdout.split()[-1])


async def test_the_cli_refuses_unbind_on_a_read_key_and_creates_nothing(
    cli_env: str, container: Container, tenant: Tenant
) -> None:
    result = await invoke("create", "--tenant", "acme", "--access", "READ", "--unbind", "--json")
    assert result.exit_code == 1
    assert "unbind" in result.output
    assert await rufus_key_count(container, tenant) == 0


async def test_the_cli_refuses_the_eleventh_key(
    cli_env: str, container: Container, tenant: Tenant
) -> None:
    for _ in range(10):
        await issue(container, tenant.name, "READ")
    result = await invoke("create", "--tenant", "acme", "--access", "WRITE", "--json")
    assert result.exit_code == 1
    assert "10" in result.output
    assert await rufus_key_count(container, tenant) == 10


async def test_the_cli_refuses_an_unknown_company(cli_env: str, tenant: Tenant) -> None:
    result = await invoke("create", "--tenant", "initech", "--access", "WRITE", "--json")
    assert result.exit_code != 0
    assert not API_KEY.search(result.stdout)


async def test_a_key_issued_for_one_company_binds_devices_only_there(
    rufus: Rufus, kw: str, kr: str, kr2: str
) -> None:
    assert (await rufus.post("/devices", kw, DEVICE_BODY)).status_code == 201
    assert len(await rufus.result("/devices", kr)) == 1
    assert await rufus.result("/devices", kr2) == []
