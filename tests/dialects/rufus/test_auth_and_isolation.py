"""Keys (spec §2.1, §2.5, §3.2, §9.10) and company isolation: a foreign id is a 404 exactly like
an unknown one (§2.5), and touching it changes nothing."""

from __future__ import annotations

import httpx

from sessionary.bootstrap import Container
from sessionary.domain.model import Tenant
from sessionary.services.credentials import digest
from tests.conftest import TEST_ACTOR, key_headers

from .conftest import issue
from .helpers import DEVICE_BODY, Rufus, passing, random_id

PLACEHOLDER = "<ID>"


async def test_no_key_an_empty_key_or_a_wrong_key_is_a_403(
    rufus: Rufus, device: str, kr: str
) -> None:
    wrong = ["ror-00000000000000000000", kr + "0", kr.upper(), " ", ""]
    for method, path, body in (
        ("GET", f"/devices/{device}", None),
        ("POST", "/devices", DEVICE_BODY),
        ("GET", "/devices", None),
    ):
        rufus.expect_error(await rufus.call(method, path, None, body), 403)
        for key in wrong:
            for header in ("api_key", "x-api-key"):
                response = await rufus.call(method, path, None, body, headers={header: key})
                rufus.expect_error(response, 403)
    assert len(await rufus.result("/devices", kr)) == 1


async def test_a_native_sessionary_key_is_refused_by_the_rufus_dialect(
    rufus: Rufus, container: Container, tenant: Tenant, device: str, kr: str
) -> None:
    native = await key_headers(container, tenant.pk)
    secret = native["Authorization"].removeprefix("Bearer ")
    for headers in ({"api_key": secret}, {"x-api-key": secret}, native):
        rufus.expect_error(
            await rufus.call("GET", f"/devices/{device}", None, headers=headers), 403
        )
        posted = await rufus.call("POST", "/devices", None, DEVICE_BODY, headers=headers)
        rufus.expect_error(posted, 403)
    assert len(await rufus.result("/devices", kr)) == 1


async def test_a_rufus_key_is_not_a_native_credential(client: httpx.AsyncClient, kadm: str) -> None:
    for headers in ({"Authorization": f"Bearer {kadm}"}, {"api_key": kadm}):
        response = await client.get("/v1/sessions", headers=headers)
        assert response.status_code in (401, 403), response.text


async def test_a_revoked_key_is_refused_and_frees_its_place(
    rufus: Rufus, container: Container, tenant: Tenant, kw: str
) -> None:
    found = [c for c in await container.credentials.list(tenant.pk) if c.digest == digest(kw)]
    await container.credentials.revoke(tenant.pk, found[0].id, TEST_ACTOR)
    container.auth.forget()
    rufus.expect_error(await rufus.post("/devices", kw, DEVICE_BODY), 403)
    for _ in range(10):
        await issue(container, tenant.name, "READ")


def same_shape(foreign: httpx.Response, foreign_id: str, unknown: httpx.Response, uid: str) -> None:
    assert foreign.status_code == unknown.status_code == 404, foreign.text
    assert foreign.text.replace(foreign_id, PLACEHOLDER) == unknown.text.replace(uid, PLACEHOLDER)
    assert foreign.json()["description"]


async def test_another_companys_device_is_unknown_to_every_endpoint(
    rufus: Rufus, kr: str, kw: str, kadm: str, kr2: str, kw2: str
) -> None:
    theirs = await rufus.bind(kw2, {"model": "M", "serial_number": "THEIRS"})
    their_token = await rufus.start(kw2, theirs)
    assert (await rufus.insert(kw2, their_token, [passing(1)])).status_code == 201
    unknown = random_id()
    for method, key, path in (
        ("GET", kr, "/devices/{}"),
        ("DELETE", kadm, "/devices/{}"),
        ("GET", kr, "/sessions/device/{}"),
        ("GET", kr, "/sessions/device/{}/active"),
        ("GET", kr, "/passings/device/{}"),
        ("GET", kr, "/passings/device2/{}"),
        ("POST", kw, "/sessions"),
    ):
        answers = []
        for deviceid in (theirs, unknown):
            body = {"deviceid": deviceid} if method == "POST" else None
            answers.append(await rufus.call(method, path.format(deviceid), key, body))
        same_shape(answers[0], theirs, answers[1], unknown)
    active = await rufus.result(f"/sessions/device/{theirs}/active", kr2)
    assert [(s["token_session"], s["passings"]) for s in active] == [(their_token, 1)]
    assert await rufus.result("/devices", kr) == []


async def test_another_companys_session_is_unknown_to_every_endpoint(
    rufus: Rufus, kr: str, kw: str, kr2: str, kw2: str
) -> None:
    theirs = await rufus.bind(kw2, {"model": "M", "serial_number": "THEIRS"})
    their_token = await rufus.start(kw2, theirs)
    assert (await rufus.insert(kw2, their_token, [passing(1)])).status_code == 201
    unknown = random_id()
    for method, key, path in (
        ("GET", kr, "/sessions/{}"),
        ("GET", kr, "/passings/session/{}"),
        ("PATCH", kw, "/sessions/close/{}"),
        ("POST", kw, "/passings"),
    ):
        answers = []
        for token in (their_token, unknown):
            body = {"token_session": token, "passings_list": [passing(2)]}
            sent = body if method == "POST" else None
            answers.append(await rufus.call(method, path.format(token), key, sent))
        same_shape(answers[0], their_token, answers[1], unknown)
    detail = await rufus.session(their_token, kr2)
    assert (detail["active"], detail["passings"]) == (True, 1)
    assert await rufus.nums(their_token, kr2) == [1]
