"""Finer points of the spec: id and key shapes (§3, §9), tolerant request handling (§2), the
error paths every status must keep (§6), the admin project prompt (§4.1), ended-session keys."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
import pytest

from sessionary.bootstrap import Container
from sessionary.domain.errors import StorageUnavailable
from sessionary.domain.model import SECOND, Subject

from ...support import FakeClock
from .conftest import ADMIN_EMAIL, ADMIN_PASSWORD
from .helpers import (
    PREFIX,
    ROOT,
    Hive,
    JsonObject,
    assert_error,
    assert_ok,
    password_hash,
    quickstart,
)


async def test_ids_and_keys_have_the_hivemp_shapes(
    session: JsonObject, account: Subject, clock: FakeClock
) -> None:
    assert re.fullmatch(r"us-\d{16}", session["id"])
    assert re.fullmatch(r"u-\d{16}", session["accountId"])
    assert re.fullmatch(r"[0-9a-f]{32}", session["apiKey"])
    assert session["start"] == clock.now() // SECOND
    assert session["expiry"] == session["start"] + 3600


async def test_the_email_address_is_matched_without_regard_to_case(
    hive: Hive, account: Subject, public_key: str
) -> None:
    session = await hive.login(public_key, quickstart(email="  Test@EXAMPLE.com"))
    assert session["accountId"] == account.external_id


async def test_a_json_body_is_read_whatever_its_content_type(
    client: httpx.AsyncClient, account: Subject, public_key: str
) -> None:
    content = json.dumps(quickstart())
    for content_type in ("text/plain; charset=utf-8", "application/octet-stream", None):
        headers = {"X-API-Key": public_key}
        if content_type is not None:
            headers["Content-Type"] = content_type
        response = await client.put(f"{PREFIX}/authenticate", content=content, headers=headers)
        assert assert_ok(response)["authenticatedSession"]["apiKey"]


async def test_an_unusual_accept_header_still_gets_json(
    client: httpx.AsyncClient, session: JsonObject, session_key: str
) -> None:
    headers = {"X-API-Key": session_key, "Accept": "text/html"}
    assert assert_ok(await client.get(f"{PREFIX}/session", headers=headers))["id"] == session["id"]
    assert_error(await client.get(f"{PREFIX}/nowhere", headers=headers), 404, 1007)
    assert_error(await client.get(ROOT, headers=headers), 404, 1007)


async def test_a_body_over_the_size_limit_is_a_413_error_object(
    client: httpx.AsyncClient, container: Container, public_key: str
) -> None:
    content = b'{"emailAddress": "' + b"a" * container.settings.max_body_bytes + b'"}'
    headers = {"X-API-Key": public_key, "Content-Type": "application/json"}
    response = await client.put(f"{PREFIX}/authenticate", content=content, headers=headers)
    assert_error(response, 413, 1009)


@pytest.mark.parametrize(
    ("error", "status", "code"),
    [(StorageUnavailable("database down"), 503, 6001), (RuntimeError("boom"), 500, 7001)],
)
async def test_server_failures_are_error_objects_with_retryable_codes(
    hive: Hive,
    container: Container,
    account: Subject,
    public_key: str,
    monkeypatch: pytest.MonkeyPatch,
    error: Exception,
    status: int,
    code: int,
) -> None:
    async def failing(*args: Any, **kwargs: Any) -> Any:
        raise error

    monkeypatch.setattr(container.sessions, "open", failing)
    data = assert_error(await hive.authenticate(public_key, quickstart()), status, code)
    assert "boom" not in json.dumps(data)


async def test_an_admin_login_prompting_for_a_project_lists_the_available_projects(
    hive: Hive, admin_account: Subject, public_key: str, session: JsonObject
) -> None:
    """§4.1: ``promptForProject: true`` with no ``projectId`` makes the server return
    ``availableProjects`` when the credentials are valid."""
    body = quickstart(
        ADMIN_EMAIL,
        password_hash(ADMIN_PASSWORD),
        requestedRole="builtin:admin",
        promptForProject=True,
        projectId=None,
    )
    answer = assert_ok(await hive.authenticate(public_key, body))
    projects = answer["availableProjects"]
    assert [p["id"] for p in projects] == [session["projectId"]]
