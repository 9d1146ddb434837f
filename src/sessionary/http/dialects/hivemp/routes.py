"""PUT /authenticate, PUT /authenticate/switch, GET/POST/DELETE /session, legacy PUT /session."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Request, Response, delete, get, post, put
from litestar.di import Provide
from litestar.params import Parameter

from ....dialects.hivemp.accounts import ACCOUNT, check_credentials, is_password_hash
from ....dialects.hivemp.keys import ADMIN, KIND, PUBLIC, SESSION, new_api_key
from ....domain.model import Actor
from ....domain.session import Session
from ....services.credentials import NewCredential
from ....services.registry import Services
from ....services.sessions import OpenRequest
from ...deps import actor_of
from .auth import Caller, provide_caller
from .errors import HiveError, missing_parameter, session_not_found, wrong_key_type
from .translate import (
    ADMIN_ROLE,
    DIALECT,
    SESSION_TTL_S,
    USER_ROLE,
    authentication_response,
    checked_session_id,
    new_session_id,
    ok,
    user_session,
    with_secrets,
)
from .wire import AuthenticationRequest, AuthenticationSwitchRequest

AnyRequest = Request[Any, Any, Any]
IdParam = Annotated[str | None, Parameter(query="id", required=False)]
CALLER = {"caller": Provide(provide_caller)}


def _actor(request: AnyRequest, caller: Caller) -> Actor:
    return actor_of(request, caller.principal, DIALECT)


async def _body(request: AnyRequest, model: type[Any]) -> Any:
    raw = (await request.body()).strip()
    if raw in (b"", b"null"):
        return model()
    try:
        return msgspec.json.decode(raw, type=model)
    except (
        msgspec.ValidationError,
        msgspec.DecodeError,
        UnicodeDecodeError,
        RecursionError,
    ) as exc:
        raise HiveError(400, 1003, f"the request body is invalid: {exc}", "body") from None


async def open_session(
    request: AnyRequest, c: Services, caller: Caller, account_id: str, role: str, metered: bool
) -> dict[str, Any]:
    """A user session plus its own API key, in one transaction."""
    api_key = new_api_key()
    key_type = ADMIN if role == ADMIN_ROLE else SESSION
    key = NewCredential(
        tenant_pk=caller.tenant_pk,
        scopes=(),
        kind=KIND,
        secret=api_key,
        attributes={"type": key_type, "project": caller.project_id},
    )
    req = OpenRequest(
        subject_kind=ACCOUNT,
        subject_id=account_id,
        scope=role,
        idle_timeout_s=SESSION_TTL_S,
        metered=metered,
        dialect=DIALECT,
        id=new_session_id(),
        create_subject=False,
        bound_key=key,
    )
    session = await c.sessions.open(caller.tenant_pk, req, _actor(request, caller))
    return with_secrets(session, caller.project_id, c.clock.now(), api_key)


@put("/v1/authenticate", dependencies=CALLER)
async def authenticate(request: AnyRequest, c: Services, caller: Caller) -> Response[bytes]:
    """Missing credentials answer 200 with promptFor* flags; wrong ones are an error."""
    if caller.key_type != PUBLIC:
        raise wrong_key_type(PUBLIC)
    body: AuthenticationRequest = await _body(request, AuthenticationRequest)
    role = body.requestedRole or USER_ROLE
    if role not in (USER_ROLE, ADMIN_ROLE):
        raise missing_parameter("requestedRole", "not a known role")
    if not body.emailAddress or not body.passwordHash:
        prompts = authentication_response(
            None, prompt_email=not body.emailAddress, prompt_password=not body.passwordHash
        )
        return ok(prompts)
    if not is_password_hash(body.passwordHash.lower()):
        raise missing_parameter("passwordHash", "not a hex SHA-256 hash")
    account = await check_credentials(c, caller.tenant_pk, body.emailAddress, body.passwordHash)
    if account is None:
        raise HiveError(401, 1006, "the email address or password is incorrect", "passwordHash")
    if role == ADMIN_ROLE and not account.attributes.get("admin"):
        raise HiveError(403, 1002, "this account does not administer the project", "requestedRole")
    if role == ADMIN_ROLE and body.promptForProject and not body.projectId:
        return ok(await _project_prompt(c, caller))
    metered = body.metered if body.metered is not None else role == USER_ROLE
    session = await open_session(request, c, caller, account.external_id, role, metered)
    return ok(authentication_response(session))


async def _project_prompt(c: Services, caller: Caller) -> dict[str, Any]:
    """An admin asked which project to log in to: its key's project is the one it may use."""
    tenant = await c.tenants.get(caller.tenant_pk)
    projects = [{"id": caller.project_id, "name": tenant.name}]
    answer = authentication_response(None, projects=projects)
    answer["promptForProject"] = True
    return answer


@put("/v1/authenticate/switch", dependencies=CALLER)
async def authenticate_switch(request: AnyRequest, c: Services, caller: Caller) -> Response[bytes]:
    """Admin only. Projects are isolated tenants here, so the only project an admin key can
    switch into is its own: it gets a fresh admin session there."""
    if caller.key_type != ADMIN:
        raise wrong_key_type(ADMIN)
    body: AuthenticationSwitchRequest = await _body(request, AuthenticationSwitchRequest)
    if body.projectId and body.projectId != caller.project_id:
        raise HiveError(404, 1010, "no such project", "projectId", objectType="Project")
    projects = [{"id": caller.project_id}]
    if caller.own_session is None:
        return ok(authentication_response(None, projects=projects))
    account_id = caller.own_session.subject_id
    session = await open_session(request, c, caller, account_id, ADMIN_ROLE, False)
    return ok(authentication_response(session, projects=projects))


def _chosen_id(caller: Caller, session_id: str | None) -> str:
    """The session a call acts on, by the key's rights alone: ``id`` (admin keys: any;
    session keys: their own) or, with no id (an empty value counts as none), the key's own
    session."""
    if caller.key_type == PUBLIC:
        raise wrong_key_type("user")
    if not session_id:
        if caller.own_session is None:
            raise missing_parameter("id")
        return caller.own_session.id
    checked_session_id(session_id)
    own = caller.own_session
    if caller.key_type == SESSION and own is not None and own.id != session_id:
        raise wrong_key_type(ADMIN)
    return session_id


async def _live_target(c: Services, caller: Caller, session_id: str | None) -> Session:
    """The chosen session as stored now; 404 unless it is live. A session key's own session
    was read and found live by this very request's authentication (auth.py), so it is not
    read twice."""
    sid = _chosen_id(caller, session_id)
    own = caller.own_session
    if own is not None and own.id == sid:
        return own
    session = await c.sessions.get(caller.tenant_pk, sid, dialect=DIALECT)
    if not session.is_live(c.clock.now()):
        raise session_not_found(sid)
    return session


@get("/v1/session", dependencies=CALLER)
async def get_session(c: Services, caller: Caller, session_id: IdParam = None) -> Response[bytes]:
    session = await _live_target(c, caller, session_id)
    return ok(user_session(session, caller.project_id, c.clock.now()))


@post("/v1/session", status_code=200, dependencies=CALLER)
async def extend_session(
    request: AnyRequest, c: Services, caller: Caller, session_id: IdParam = None
) -> Response[bytes]:
    """expiry = now + 3600, not added on; an ended session cannot be revived."""
    sid = (await _live_target(c, caller, session_id)).id
    session = await c.sessions.extend(
        caller.tenant_pk, sid, SESSION_TTL_S, _actor(request, caller), dialect=DIALECT
    )
    return ok(user_session(session, caller.project_id, c.clock.now()))


@delete("/v1/session", status_code=200, dependencies=CALLER)
async def delete_session(
    request: AnyRequest, c: Services, caller: Caller, session_id: IdParam = None
) -> Response[bytes]:
    """Stops the meter; the session's key dies with it. The body is exactly ``true``. One unit
    of work: an ended session answers 404 and is left as it is (``live_only``)."""
    sid = _chosen_id(caller, session_id)
    actor = _actor(request, caller)
    await c.sessions.delete(caller.tenant_pk, sid, actor, dialect=DIALECT, live_only=True)
    return Response(content=b"true", status_code=200, media_type="application/json")


@put("/v1/session", dependencies=CALLER)
async def legacy_create_session(
    request: AnyRequest,
    c: Services,
    caller: Caller,
    provider: Annotated[str | None, Parameter(query="authenticationProvider")] = None,
    credentials: str | None = None,
) -> Response[bytes]:
    """2017 clients: provider ``password``, credentials ``<email>:<password hash>``."""
    if caller.key_type != PUBLIC:
        raise wrong_key_type(PUBLIC)
    if provider != "password":
        raise missing_parameter("authenticationProvider", "not a supported provider")
    email, _, password_hash = (credentials or "").rpartition(":")
    if not email or not is_password_hash(password_hash.lower()):
        raise missing_parameter("credentials", "not <email>:<password hash>")
    account = await check_credentials(c, caller.tenant_pk, email, password_hash)
    if account is None:
        raise HiveError(401, 1006, "the email address or password is incorrect", "credentials")
    return ok(await open_session(request, c, caller, account.external_id, USER_ROLE, True))


ROUTES: list[Any] = [
    authenticate,
    authenticate_switch,
    get_session,
    extend_session,
    delete_session,
    legacy_create_session,
]
