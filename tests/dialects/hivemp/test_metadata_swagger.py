"""/metadata.json and the Swagger 2.0 documents the HiveMP SDK generator reads (spec §1, §9),
compared with shared/contracts/hivemp/user-session-v1.RECONSTRUCTED.swagger.json."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from .helpers import PREFIX, ROOT, JsonObject, assert_ok

SWAGGER_URLS = [f"{PREFIX}/swagger.json", f"{ROOT}/latest/swagger.json"]
OPERATIONS = {
    ("/authenticate", "put"): "authenticatePUT",
    ("/authenticate/switch", "put"): "authenticateSwitchPUT",
    ("/session", "get"): "sessionGET",
    ("/session", "post"): "sessionPOST",
    ("/session", "delete"): "sessionDELETE",
    ("/session", "put"): "sessionPUT",
}
INT64 = {"type": "integer", "format": "int64"}
# The contract's UserSession properties (descriptions left out).
CONTRACT_USER_SESSION: JsonObject = {
    "id": {"type": "string"},
    "accountId": {"type": "string"},
    "projectId": {"type": "string"},
    "expiry": INT64,
    "start": INT64,
    "billedMinutes": INT64,
    "metered": {"type": "boolean"},
    "profile": {"$ref": "#/definitions/UserProfile"},
}
# The contract's parameters: (operationId, name, in) -> required.
CONTRACT_PARAMETERS = {
    ("authenticatePUT", "authentication", "body"): False,
    ("authenticateSwitchPUT", "authenticationSwitch", "body"): False,
    ("sessionGET", "id", "query"): False,
    ("sessionPOST", "id", "query"): False,
    ("sessionDELETE", "id", "query"): False,
    ("sessionPUT", "authenticationProvider", "query"): True,
    ("sessionPUT", "credentials", "query"): True,
}
CONTRACT_ERROR_DATA_FIELDS = {
    "internalExceptionMessage",
    "internalExceptionStackTrace",
    "internalSentryErrorId",
    "unauthorizedAdditionalInfo",
    "queryFailureMessage",
    "queryFailureCode",
    "queryFailureErrors",
    "objectType",
    "objectContext",
    "objectNotEditableReason",
    "invalidIdentifier",
    "invalidIdentifierReason",
    "invalidIdentifierExpectedType",
    "parameterName",
    "parameterIsMissing",
    "parameterInvalidReason",
    "invalidConfigurationReason",
    "invalidSessionId",
    "expectedSessionType",
    "amount",
    "amountFractionalDivisor",
    "retryAfterSeconds",
}


def without_descriptions(schema: JsonObject) -> JsonObject:
    return {k: v for k, v in schema.items() if k != "description"}


async def fetch(client: httpx.AsyncClient, url: str) -> JsonObject:
    body = assert_ok(await client.get(url))
    assert isinstance(body, dict)
    return body


async def test_metadata_lists_v1_as_the_only_and_latest_version(
    client: httpx.AsyncClient,
) -> None:
    body = await fetch(client, f"{ROOT}/metadata.json")
    assert body == {"latestVersion": "v1", "allVersions": ["v1"]}


async def test_metadata_and_swagger_need_no_api_key(client: httpx.AsyncClient) -> None:
    for url in [f"{ROOT}/metadata.json", *SWAGGER_URLS]:
        response = await client.get(url, headers={"X-API-Key": ""})
        assert response.status_code == 200


@pytest.mark.parametrize("url", SWAGGER_URLS)
async def test_swagger_is_2_0_with_the_csharp_package_name_and_our_base_path(
    client: httpx.AsyncClient, url: str
) -> None:
    doc = await fetch(client, url)
    assert doc["swagger"] == "2.0"
    assert doc["info"]["x-sdk-csharp-package-name"] == "HiveMP.UserSession"
    assert doc["info"]["version"] == "v1"
    assert doc["basePath"] == PREFIX
    assert isinstance(doc["host"], str) and doc["host"]
    assert doc["securityDefinitions"]["apiKey"]["name"] == "X-API-Key"


async def test_both_swagger_urls_serve_the_same_document(client: httpx.AsyncClient) -> None:
    first, second = [await fetch(client, url) for url in SWAGGER_URLS]
    assert first == second


@pytest.mark.parametrize("url", SWAGGER_URLS)
async def test_every_operation_has_the_generator_extensions(
    client: httpx.AsyncClient, url: str
) -> None:
    paths: dict[str, Any] = (await fetch(client, url))["paths"]
    assert {"/authenticate", "/authenticate/switch", "/session"} <= paths.keys()
    for (path, method), operation_id in OPERATIONS.items():
        operation = paths[path][method]
        assert operation["operationId"] == operation_id
        assert operation["tags"][0] == "UserSession"
        assert operation["consumes"] == ["application/json"]
        keys = operation["x-accepted-api-key-types"]
        assert isinstance(keys, list) and keys
        assert all(isinstance(k, str) for k in keys)
        error = operation["responses"]["default"]["schema"]
        assert error == {"$ref": "#/definitions/HiveMPSystemError"}
    assert paths["/authenticate/switch"]["put"]["x-accepted-api-key-types"] == ["admin"]
    assert paths["/session"]["delete"]["responses"]["200"]["schema"] == {"type": "boolean"}


async def test_the_user_session_definitions_have_the_contracts_fields(
    client: httpx.AsyncClient,
) -> None:
    definitions = (await fetch(client, SWAGGER_URLS[0]))["definitions"]
    served = definitions["UserSession"]["properties"]
    assert {k: without_descriptions(v) for k, v in served.items()} == CONTRACT_USER_SESSION
    secrets = definitions["UserSessionWithSecrets"]["properties"]
    assert secrets.keys() == {*CONTRACT_USER_SESSION, "apiKey", "secretKey"}
    refs = [
        definitions["AuthenticationResponse"]["properties"]["authenticatedSession"],
        (await fetch(client, SWAGGER_URLS[0]))["paths"]["/session"]["put"]["responses"]["200"][
            "schema"
        ],
    ]
    assert refs == [{"$ref": "#/definitions/UserSessionWithSecrets"}] * 2


def references(node: Any) -> set[str]:
    """Every ``$ref`` target in a swagger document."""
    if isinstance(node, dict):
        found = {str(node["$ref"])} if "$ref" in node else set()
        return found.union(*(references(v) for v in node.values()))
    if isinstance(node, list):
        return set().union(*(references(v) for v in node))
    return set()


async def test_every_definition_referenced_is_defined(client: httpx.AsyncClient) -> None:
    doc = await fetch(client, SWAGGER_URLS[0])
    refs = references(doc)
    assert "#/definitions/UserSession" in refs
    for ref in refs:
        assert ref.removeprefix("#/definitions/") in doc["definitions"], ref


async def test_parameters_are_required_exactly_as_in_the_contract(
    client: httpx.AsyncClient,
) -> None:
    """§2: an empty or literal ``null`` body is valid, so the contract has the body optional."""
    paths = (await fetch(client, SWAGGER_URLS[0]))["paths"]
    served = {
        (op["operationId"], p["name"], p["in"]): bool(p.get("required", False))
        for ops in paths.values()
        for op in ops.values()
        for p in op["parameters"]
    }
    assert served == CONTRACT_PARAMETERS


async def test_the_error_definitions_carry_the_contracts_fields_and_types(
    client: httpx.AsyncClient,
) -> None:
    """§5/§6: retryAfterSeconds is a number (double) in the contract; every data field listed."""
    definitions = (await fetch(client, SWAGGER_URLS[0]))["definitions"]
    error = definitions["HiveMPSystemError"]["properties"]
    assert error.keys() == {"code", "message", "fields", "data"}
    assert error["code"]["type"] == "integer"
    data = definitions["HiveMPSystemErrorData"]["properties"]
    assert data["retryAfterSeconds"] == {"type": "number", "format": "double"}
    assert CONTRACT_ERROR_DATA_FIELDS - data.keys() == set()
