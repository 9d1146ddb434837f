"""POST /token (spec §2): form and JSON bodies, aliases, OAuth errors, token format, lockout."""

from __future__ import annotations

import pytest

from sessionary.http.dialects.pagos.tokens import Lockout

from .helpers import TOKEN_FORMAT, Pagos, PagosClient

INVALID_CLIENT = '{"error":"invalid_client"}'
UNSUPPORTED = '{"error":"unsupported_grant_type"}'


def credentials(client: PagosClient, secret: str | None = None) -> dict[str, str]:
    return {
        "grant_type": "client_credentials",
        "client_id": client.id,
        "client_secret": client.secret if secret is None else secret,
    }


async def test_a_json_token_request_returns_a_bearer_token(
    pagos: Pagos, pagos_client: PagosClient
) -> None:
    response = await pagos.token_response(credentials(pagos_client), as_json=True)
    assert response.status_code == 200, response.text
    body = response.json()
    assert TOKEN_FORMAT.match(body["access_token"])
    assert (body["token_type"], body["expires_in"]) == ("bearer", 1_209_599)


@pytest.mark.parametrize("as_json", [False, True])
async def test_the_client_identifier_and_client_secret_aliases_are_accepted(
    pagos: Pagos, pagos_client: PagosClient, app_a: str, as_json: bool
) -> None:
    data = {
        "grant_type": "client_credentials",
        "ClientIdentifier": pagos_client.id,
        "ClientSecret": pagos_client.secret,
    }
    response = await pagos.token_response(data, as_json=as_json)
    assert response.status_code == 200, response.text
    await pagos.open_session(response.json()["access_token"], app_a)


@pytest.mark.parametrize("grant", ["password", "authorization_code", "", "CLIENT_CREDENTIALS"])
@pytest.mark.parametrize("as_json", [False, True])
async def test_a_wrong_grant_type_is_unsupported(
    pagos: Pagos, pagos_client: PagosClient, grant: str, as_json: bool
) -> None:
    data = credentials(pagos_client) | {"grant_type": grant}
    response = await pagos.token_response(data, as_json=as_json)
    assert (response.status_code, response.text) == (400, UNSUPPORTED)


@pytest.mark.parametrize("as_json", [False, True])
async def test_a_missing_grant_type_is_unsupported(
    pagos: Pagos, pagos_client: PagosClient, as_json: bool
) -> None:
    data = credentials(pagos_client)
    del data["grant_type"]
    response = await pagos.token_response(data, as_json=as_json)
    assert (response.status_code, response.text) == (400, UNSUPPORTED)


async def test_an_unknown_client_id_is_an_invalid_client(
    pagos: Pagos, pagos_client: PagosClient
) -> None:
    data = credentials(pagos_client) | {"client_id": "key_does_not_exist"}
    response = await pagos.token_response(data)
    assert (response.status_code, response.text) == (400, INVALID_CLIENT)


async def test_the_secret_of_one_client_with_the_id_of_another_is_an_invalid_client(
    pagos: Pagos, pagos_client: PagosClient, second_client: PagosClient
) -> None:
    data = credentials(pagos_client, secret=second_client.secret)
    response = await pagos.token_response(data)
    assert (response.status_code, response.text) == (400, INVALID_CLIENT)


async def test_each_token_request_returns_a_fresh_token(
    pagos: Pagos, pagos_client: PagosClient
) -> None:
    tokens = {await pagos.token(pagos_client) for _ in range(3)}
    assert len(tokens) == 3
    assert all(token.endswith("1") and len(token) == 44 for token in tokens)


async def test_five_wrong_secrets_lock_the_client_out_even_with_the_right_secret(
    pagos: Pagos, pagos_client: PagosClient, second_client: PagosClient
) -> None:
    for attempt in range(5):
        wrong = credentials(pagos_client, secret=f"wrong-{attempt}")
        response = await pagos.token_response(wrong)
        assert (response.status_code, response.text) == (400, INVALID_CLIENT)
    for as_json in (False, True):
        response = await pagos.token_response(credentials(pagos_client), as_json=as_json)
        assert (response.status_code, response.text) == (400, INVALID_CLIENT)
    assert TOKEN_FORMAT.match(await pagos.token(second_client))


async def test_four_wrong_secrets_do_not_lock_the_client_out(
    pagos: Pagos, pagos_client: PagosClient
) -> None:
    for attempt in range(4):
        response = await pagos.token_response(credentials(pagos_client, secret=f"w{attempt}"))
        assert response.status_code == 400
    assert TOKEN_FORMAT.match(await pagos.token(pagos_client))


class ManualClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_lockout_starts_at_the_fifth_failure_and_ends_after_sixty_seconds() -> None:
    clock = ManualClock()
    lockout = Lockout(clock)
    for _ in range(4):
        lockout.fail("client")
        clock.now += 1
    assert not lockout.locked("client")
    lockout.fail("client")
    assert lockout.locked("client")
    assert not lockout.locked("another client")
    clock.now += 59.9
    assert lockout.locked("client")
    clock.now += 0.1
    assert not lockout.locked("client")


def test_failures_spread_over_more_than_sixty_seconds_do_not_lock() -> None:
    clock = ManualClock()
    lockout = Lockout(clock)
    for _ in range(10):
        lockout.fail("client")
        clock.now += 15.0
        assert not lockout.locked("client")


def test_after_the_lockout_one_more_failure_does_not_lock_again_at_once() -> None:
    clock = ManualClock()
    lockout = Lockout(clock)
    for _ in range(5):
        lockout.fail("client")
    clock.now += 60.0
    lockout.fail("client")
    assert not lockout.locked("client")
