"""``StorageUnavailable`` is a domain error, and every error table answers it as "retry later"
(a 503), never as the refusal its ``DomainError`` catch-all would give. HiveMP and casino have
theirs in tests/dialects (test_spec_probes, test_internal_errors)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from sessionary.bootstrap import Container
from sessionary.domain.errors import DomainError, StorageUnavailable
from tests.conftest import Api
from tests.console.helpers import signed_in


def unavailable(monkeypatch: pytest.MonkeyPatch, service: object, name: str) -> None:
    async def down(*args: Any, **kwargs: Any) -> Any:
        raise StorageUnavailable("database is locked")

    monkeypatch.setattr(service, name, down)


def test_storage_unavailable_is_a_domain_error_that_keeps_its_message() -> None:
    error = StorageUnavailable("database is locked")
    assert isinstance(error, DomainError)
    assert (str(error), error.message, error.code) == (
        "database is locked",
        "database is locked",
        "storage-unavailable",
    )


async def test_the_native_api_answers_503_with_its_request_id(
    api: Api, container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    unavailable(monkeypatch, container.auth, "authenticate")
    headers = {**api.headers, "X-Request-Id": "rid-42"}
    answer = await api.client.get("/v1/sessions", headers=headers)
    assert answer.status_code == 503
    assert answer.headers["retry-after"] == "1"
    assert answer.headers["x-request-id"] == "rid-42"
    body = answer.json()
    assert body["type"] == "urn:sessionary:problem:storage-unavailable"
    assert body["request_id"] == "rid-42"
    assert "locked" not in answer.text


async def test_rufus_answers_503_with_no_body(
    api: Api, container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    unavailable(monkeypatch, container.auth, "authenticate")
    prefix = container.settings.rufus_prefix
    answer = await api.client.get(f"{prefix}/devices", headers={"X-API-Key": "anything"})
    assert answer.status_code == 503


async def test_pagos_answers_503_in_its_message_envelope(
    client: httpx.AsyncClient, container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    unavailable(monkeypatch, container.auth, "authenticate")
    form = {"grant_type": "client_credentials", "client_id": "c", "client_secret": "s"}
    answer = await client.post(f"{container.settings.pagos_prefix}/token", data=form)
    assert answer.status_code == 503
    assert "retry later" in answer.json()["Message"]


async def test_the_console_answers_an_html_503_page(
    client: httpx.AsyncClient, container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    await signed_in(client, container)
    unavailable(monkeypatch, container.tenants, "list")
    answer = await client.get("/admin")
    assert answer.status_code == 503
    assert "The database is unavailable" in answer.text
