"""HEAD is GET without a body on every GET route of every surface (health checkers use it), and
OPTIONS answers 204 with an Allow header naming every method of the path."""

from __future__ import annotations

import re

import httpx
from litestar import Litestar
from litestar.routes import HTTPRoute

from sessionary.bootstrap import Container
from sessionary.http.app import create_app
from tests.conftest import Api

_PARAM = re.compile(r"\{(\w+):(\w+)\}")
STREAMS = {"/v1/events"}  # endless under GET: only HEAD is asked of them


def concrete(path: str) -> str:
    """A path to request for a route template: any value routes; the handler may say 404."""
    return _PARAM.sub(lambda m: "1" if m.group(2) == "int" else "x", path)


def http_routes(container: Container) -> list[HTTPRoute]:
    app: Litestar = create_app(container)
    return [r for r in app.routes if isinstance(r, HTTPRoute)]


async def test_head_answers_every_get_route_like_get_without_a_body(
    api: Api, container: Container
) -> None:
    gets = [r.path for r in http_routes(container) if "GET" in r.methods]
    assert {"/healthz", "/readyz", "/metrics", "/v1/sessions"} <= set(gets)
    assert any(p.startswith(prefix) for p in gets for prefix in ("/hivemp", "/rufus", "/admin"))
    for template in gets:
        path = concrete(template)
        head = await api.client.head(path, headers=api.headers)
        assert head.status_code != 405, path
        assert head.content == b"", path
        if template in STREAMS:
            assert head.status_code == 200, path
            continue
        got = await api.client.get(path, headers=api.headers)
        assert head.status_code == got.status_code, path
        assert head.headers.get("content-type") == got.headers.get("content-type"), path


async def test_head_on_the_probes_answers_200_without_credentials(api: Api) -> None:
    for path in ("/healthz", "/readyz"):
        response = await api.client.head(path)
        assert (response.status_code, response.content) == (200, b""), path
        assert response.headers["content-length"] == str(len((await api.client.get(path)).content))


async def test_options_names_every_method_of_every_path(api: Api, container: Container) -> None:
    for route in http_routes(container):
        methods = set(route.methods) | {"OPTIONS"} | ({"HEAD"} if "GET" in route.methods else set())
        response = await api.client.options(concrete(route.path))
        assert response.status_code == 204, route.path
        assert response.content == b"", route.path
        assert response.headers["allow"] == ", ".join(sorted(methods)), route.path


async def test_options_follows_the_casino_case_folding(client: httpx.AsyncClient) -> None:
    response = await client.options("/casino/V4/CloseSession")
    assert (response.status_code, response.headers["allow"]) == (204, "OPTIONS, POST")


async def test_options_on_an_unknown_path_is_that_surfaces_own_404(
    client: httpx.AsyncClient,
) -> None:
    native = await client.options("/v1/no-such-thing")
    assert native.status_code == 404
    assert native.headers["content-type"] == "application/problem+json"
    casino = await client.options("/casino/v4/nosuchmethod")
    assert casino.status_code == 404
    assert casino.json()["error"]["message"] == "Not Found"
