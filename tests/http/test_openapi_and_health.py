"""OpenAPI document, Swagger UI, probes, and problem+json for routes that do not exist."""

from __future__ import annotations

from typing import Any

import httpx

from tests.conftest import Api

from .helpers import assert_problem, json_object

V1_PATHS = {
    "/v1/sessions": {"get", "post"},
    "/v1/sessions/{session_id}": {"get", "delete"},
    "/v1/sessions/{session_id}/extend": {"post"},
    "/v1/sessions/{session_id}/close": {"post"},
    "/v1/sessions/{session_id}/events": {"get", "post"},
    "/v1/subjects/{kind}/{subject_id}/sessions/close": {"post"},
    "/v1/usage": {"get"},
    "/v1/tenants": {"get", "post"},
    "/v1/tenants/{tenant}/credentials": {"post"},
    "/v1/tenant": {"get"},
    "/v1/tenant/policy": {"put"},
    "/v1/credentials": {"get", "post"},
    "/v1/credentials/{credential_id}": {"delete"},
    "/v1/subjects": {"get"},
}


async def openapi(client: httpx.AsyncClient) -> dict[str, Any]:
    response = await client.get("/v1/openapi.json")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    return json_object(response)


async def test_the_openapi_document_lists_every_v1_path_and_verb(client: httpx.AsyncClient) -> None:
    doc = await openapi(client)
    assert doc["openapi"].startswith("3.")
    assert doc["info"]["title"] == "sessionary"
    paths = doc["paths"]
    for path, verbs in V1_PATHS.items():
        assert path in paths, path
        assert verbs <= set(paths[path]), (path, set(paths[path]))
    assert "/healthz" not in paths


async def test_opening_a_session_documents_its_request_body(client: httpx.AsyncClient) -> None:
    doc = await openapi(client)
    body = doc["paths"]["/v1/sessions"]["post"]["requestBody"]
    assert body["required"] is True
    ref = body["content"]["application/json"]["schema"]["$ref"]
    assert ref == "#/components/schemas/OpenSessionIn"
    schema = doc["components"]["schemas"]["OpenSessionIn"]
    assert schema["required"] == ["subject"]
    assert {"subject", "scope", "alias", "idle_timeout_s", "max_lifetime_s"} <= set(
        schema["properties"]
    )
    assert {"metered", "state", "supersede"} <= set(schema["properties"])


async def test_every_body_reference_resolves_to_a_schema(client: httpx.AsyncClient) -> None:
    doc = await openapi(client)
    schemas = doc["components"]["schemas"]
    found = 0
    for item in doc["paths"].values():
        for operation in item.values():
            if not isinstance(operation, dict) or "requestBody" not in operation:
                continue
            ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
            assert ref.removeprefix("#/components/schemas/") in schemas, ref
            found += 1
    events = doc["paths"]["/v1/sessions/{session_id}/events"]["post"]["requestBody"]
    assert events["content"]["application/json"]["schema"]["$ref"].endswith("/AppendEventsIn")
    close = doc["paths"]["/v1/sessions/{session_id}/close"]["post"]["requestBody"]
    assert close["required"] is False
    assert found >= 8


async def test_the_docs_page_answers_200_with_html(client: httpx.AsyncClient) -> None:
    response = await client.get("/docs")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "swagger" in response.text.lower()


async def test_the_probes_answer_ok(client: httpx.AsyncClient) -> None:
    for path in ("/healthz", "/readyz"):
        response = await client.get(path)
        assert response.status_code == 200, path
        assert response.json()["status"] == "ok"
        assert response.headers["x-request-id"]


async def test_a_sane_request_id_is_echoed_and_a_bad_one_replaced(api: Api) -> None:
    echoed = await api.client.get("/v1/sessions", headers={**api.headers, "X-Request-Id": "abc-1"})
    assert echoed.headers["x-request-id"] == "abc-1"
    bad = await api.client.get("/v1/sessions/x", headers={**api.headers, "X-Request-Id": "a b"})
    assert bad.headers["x-request-id"] != "a b"
    assert json_object(bad)["request_id"] == bad.headers["x-request-id"]


async def test_unknown_routes_and_methods_answer_problem_json(api: Api) -> None:
    assert_problem(await api.client.get("/v1/nothing-here", headers=api.headers), 404, "not-found")
    wrong_verb = await api.client.put("/v1/sessions", json={}, headers=api.headers)
    assert_problem(wrong_verb, 405, "method-not-allowed")
