"""Our own Swagger 2.0 description of the routes we serve, in the shapes of the reconstructed
contract (shared/contracts/hivemp), with the extensions HiveMP's SDK generator reads."""

from __future__ import annotations

from typing import Any

_INT = {"type": "integer", "format": "int64"}
_STR = {"type": "string"}
_BOOL = {"type": "boolean"}
_DOUBLE = {"type": "number", "format": "double"}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/definitions/{name}"}


def _obj(**props: Any) -> dict[str, Any]:
    return {"type": "object", "properties": props}


_SESSION_FIELDS = {
    "id": _STR,
    "accountId": _STR,
    "projectId": _STR,
    "start": _INT,
    "expiry": _INT,
    "billedMinutes": _INT,
    "metered": _BOOL,
    "profile": _ref("UserProfile"),
}

DEFINITIONS: dict[str, Any] = {
    "UserSession": _obj(**_SESSION_FIELDS),
    "UserSessionWithSecrets": _obj(**_SESSION_FIELDS, apiKey=_STR, secretKey=_STR),
    "UserProfile": _obj(
        allowDiscoveryByEmailAddress=_BOOL, allowPublicVisibility=_BOOL, avatarUrl=_STR
    ),
    "AuthenticationRequest": _obj(
        emailAddress=_STR,
        passwordHash=_STR,
        marketingPreferenceOptIn=_BOOL,
        metered=_BOOL,
        projectId=_STR,
        promptForProject=_BOOL,
        requestedRole=_STR,
        tokens={"type": "object"},
        twoFactor={"type": "object"},
    ),
    "AuthenticationResponse": _obj(
        authenticatedSession=_ref("UserSessionWithSecrets"),
        availableProjects={"type": "array", "items": _ref("UserAvailableProject")},
        intent=_STR,
        passwordResetEmailSent=_BOOL,
        promptForEmailAddress=_BOOL,
        promptForMarketingPreferenceOptIn=_BOOL,
        promptForPassword=_BOOL,
        promptForProject=_BOOL,
        promptForTwoFactor=_BOOL,
    ),
    "UserAvailableProject": _obj(id=_STR, name=_STR),
    "AuthenticationSwitchRequest": _obj(projectId=_STR),
    "HiveMPSystemError": _obj(
        code={"type": "integer", "format": "int32"},
        message=_STR,
        fields=_STR,
        data=_ref("HiveMPSystemErrorData"),
    ),
    "HiveMPSystemErrorData": _obj(
        internalExceptionMessage=_STR,
        internalExceptionStackTrace=_STR,
        internalSentryErrorId=_STR,
        unauthorizedAdditionalInfo=_STR,
        queryFailureMessage=_STR,
        queryFailureCode=_INT,
        queryFailureErrors={"type": "array", "items": _ref("HiveMPSystemQueryError")},
        objectType=_STR,
        objectContext=_STR,
        objectNotEditableReason=_STR,
        invalidIdentifier=_STR,
        invalidIdentifierReason=_STR,
        invalidIdentifierExpectedType=_STR,
        parameterName=_STR,
        parameterIsMissing=_BOOL,
        parameterInvalidReason=_STR,
        invalidConfigurationReason=_STR,
        invalidSessionId=_STR,
        expectedSessionType=_STR,
        amount=_DOUBLE,
        amountFractionalDivisor=_DOUBLE,
        retryAfterSeconds=_DOUBLE,
    ),
    "HiveMPSystemQueryError": _obj(
        domain=_STR, location=_STR, locationType=_STR, message=_STR, reason=_STR
    ),
}

_ID = {"name": "id", "in": "query", "required": False, "type": "string"}


def _op(op_id: str, summary: str, keys: list[str], result: str, params: list[Any]) -> Any:
    schema = {"type": "boolean"} if result == "boolean" else _ref(result)
    return {
        "tags": ["UserSession"],
        "operationId": op_id,
        "summary": summary,
        "consumes": ["application/json"],
        "produces": ["application/json"],
        "parameters": params,
        "responses": {
            "200": {"description": "Success", "schema": schema},
            "default": {"description": "Error", "schema": _ref("HiveMPSystemError")},
        },
        "x-accepted-api-key-types": keys,
    }


def _body(name: str, model: str) -> dict[str, Any]:
    """Not required: SDKs send empty or ``null`` bodies and the server accepts them."""
    return {"name": name, "in": "body", "required": False, "schema": _ref(model)}


PATHS: dict[str, Any] = {
    "/authenticate": {
        "put": _op(
            "authenticatePUT",
            "Authenticate a user and start a session",
            ["public"],
            "AuthenticationResponse",
            [_body("authentication", "AuthenticationRequest")],
        ),
    },
    "/authenticate/switch": {
        "put": _op(
            "authenticateSwitchPUT",
            "Switch an admin session's project",
            ["admin"],
            "AuthenticationResponse",
            [_body("authenticationSwitch", "AuthenticationSwitchRequest")],
        ),
    },
    "/session": {
        "get": _op("sessionGET", "Get a user session", ["user", "admin"], "UserSession", [_ID]),
        "post": _op(
            "sessionPOST",
            "Reset the session expiry to now + 1 hour",
            ["user", "admin"],
            "UserSession",
            [_ID],
        ),
        "delete": _op(
            "sessionDELETE", "Explicitly delete a user session", ["user", "admin"], "boolean", [_ID]
        ),
        "put": _op(
            "sessionPUT",
            "Create a session (legacy; use PUT /authenticate)",
            ["public"],
            "UserSessionWithSecrets",
            [
                {
                    "name": "authenticationProvider",
                    "in": "query",
                    "required": True,
                    "type": "string",
                },
                {"name": "credentials", "in": "query", "required": True, "type": "string"},
            ],
        ),
    },
}


PATHS["/session"]["put"]["deprecated"] = True


def swagger(host: str, base_path: str) -> dict[str, Any]:
    return {
        "swagger": "2.0",
        "info": {
            "title": "HiveMP User Sessions (sessionary)",
            "version": "v1",
            "x-sdk-csharp-package-name": "HiveMP.UserSession",
        },
        "host": host,
        "basePath": base_path,
        "schemes": ["http", "https"],
        "consumes": ["application/json"],
        "produces": ["application/json"],
        "securityDefinitions": {"apiKey": {"type": "apiKey", "name": "X-API-Key", "in": "header"}},
        "security": [{"apiKey": []}],
        "paths": PATHS,
        "definitions": DEFINITIONS,
    }
