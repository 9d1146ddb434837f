"""/v1 administration: tenants (operator credential), credentials and subjects (tenant admin)."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import delete, get, post, put
from litestar.params import Parameter

from ...domain.errors import Forbidden
from ...domain.model import Actor, Principal, Tenant, TenantPolicy
from ...domain.scopes import ADMIN, SYSTEM
from ...services.credentials import IssuedCredential, NewCredential
from ...services.ratelimit import Limit, limit_from_settings
from ...services.registry import Services
from ..deps import AnyRequest, tenant_of
from ..params import SubjectIdPath, SubjectKindPath
from . import cursor
from .body import decode_body
from .present import credential_out, iso, iso_or_none, subject_out, tenant_out
from .sessions import checked_micros
from .structs import (
    AuditEntryOut,
    AuditPage,
    CredentialIn,
    CredentialOut,
    IssuedCredentialOut,
    RateLimitIn,
    RateLimitOut,
    SubjectAttributesIn,
    SubjectDetailOut,
    SubjectPage,
    TenantIn,
    TenantOut,
    TenantPolicyIn,
)


def _policy(body: TenantIn | TenantPolicyIn) -> TenantPolicy:
    return TenantPolicy(
        idle_timeout_s=body.idle_timeout_s,
        max_lifetime_s=body.max_lifetime_s,
        retention_days=body.retention_days,
        allow_extend=body.allow_extend,
    )


def _limit(body: RateLimitIn | None) -> Limit | None:
    return None if body is None else Limit(body.per_s, body.burst)


def _tenant_out(c: Services, tenant: Tenant) -> TenantOut:
    """The tenant with its effective per-credential rate limit."""
    own = limit_from_settings(tenant.settings)
    limit = own or c.limiter.default
    out = RateLimitOut(limit.per_s, limit.burst, "tenant" if own else "default")
    return msgspec.structs.replace(tenant_out(tenant), rate_limit=out)


async def _apply_policy(c: Services, tenant_pk: int, body: TenantPolicyIn, actor: Actor) -> Tenant:
    tenant = await c.tenants.set_policy(tenant_pk, _policy(body), actor)
    if not isinstance(body.rate_limit, msgspec.UnsetType):
        tenant = await c.tenants.set_rate_limit(tenant_pk, _limit(body.rate_limit), actor)
    return tenant


def _issued(issued: IssuedCredential, tenant: str | None) -> IssuedCredentialOut:
    cred = issued.credential
    return IssuedCredentialOut(
        id=cred.id,
        secret=issued.secret,
        scopes=list(cred.scopes),
        tenant=tenant,
        name=cred.name,
        expires_at=iso_or_none(cred.expires_at),
    )


async def _new_credential(tenant_pk: int, request: AnyRequest) -> NewCredential:
    body = await decode_body(request, CredentialIn)
    expires = None if body.expires_at is None else checked_micros(body.expires_at)
    return NewCredential(
        tenant_pk=tenant_pk, scopes=tuple(body.scopes), name=body.name, expires_at=expires
    )


# -- operator routes ------------------------------------------------------------------------


@post("/tenants", status_code=201, opt={"scope": SYSTEM, "body": TenantIn}, tags=["tenants"])
async def create_tenant(request: AnyRequest, c: Services, actor: Actor) -> TenantOut:
    body = await decode_body(request, TenantIn)
    tenant = await c.tenants.create(body.name, _policy(body), actor)
    if body.rate_limit is not None:
        tenant = await c.tenants.set_rate_limit(tenant.pk, _limit(body.rate_limit), actor)
    return _tenant_out(c, tenant)


@get("/tenants", opt={"scope": SYSTEM}, tags=["tenants"])
async def list_tenants(c: Services, principal: Principal) -> list[TenantOut]:
    return [_tenant_out(c, t) for t in await c.tenants.list()]


@get("/tenants/{tenant:str}", opt={"scope": SYSTEM}, tags=["tenants"])
async def get_tenant(tenant: str, c: Services, principal: Principal) -> TenantOut:
    return _tenant_out(c, await c.tenants.find(tenant))


@put(
    "/tenants/{tenant:str}/policy",
    opt={"scope": SYSTEM, "body": TenantPolicyIn},
    tags=["tenants"],
)
async def set_tenant_policy(
    tenant: str, request: AnyRequest, c: Services, actor: Actor
) -> TenantOut:
    """The operator's view of ``PUT /v1/tenant/policy``, which may also set ``rate_limit``
    (absent: unchanged; null: the global default). Nodes apply it within the auth cache TTL,
    this node at once."""
    body = await decode_body(request, TenantPolicyIn)
    found = await c.tenants.find(tenant)
    return _tenant_out(c, await _apply_policy(c, found.pk, body, actor))


@post(
    "/tenants/{tenant:str}/credentials",
    status_code=201,
    opt={"scope": SYSTEM, "body": CredentialIn},
    tags=["tenants"],
)
async def create_tenant_credential(
    tenant: str, request: AnyRequest, c: Services, actor: Actor
) -> IssuedCredentialOut:
    """Issue a credential inside a tenant (typically its first ``admin`` key)."""
    found = await c.tenants.find(tenant)
    issued = await c.credentials.issue(await _new_credential(found.pk, request), actor)
    return _issued(issued, found.name)


# -- tenant admin routes --------------------------------------------------------------------


@get("/tenant", opt={"scope": ADMIN}, tags=["admin"])
async def get_own_tenant(c: Services, principal: Principal) -> TenantOut:
    return _tenant_out(c, await c.tenants.get(tenant_of(principal)))


@put("/tenant/policy", opt={"scope": ADMIN, "body": TenantPolicyIn}, tags=["admin"])
async def set_own_policy(
    request: AnyRequest, c: Services, principal: Principal, actor: Actor
) -> TenantOut:
    body = await decode_body(request, TenantPolicyIn)
    if not isinstance(body.rate_limit, msgspec.UnsetType):
        # A tenant must not lift the limit that protects everyone else's traffic.
        raise Forbidden("the rate limit is set by the operator (PUT /v1/tenants/{name}/policy)")
    return _tenant_out(c, await _apply_policy(c, tenant_of(principal), body, actor))


@post("/credentials", status_code=201, opt={"scope": ADMIN, "body": CredentialIn}, tags=["admin"])
async def create_credential(
    request: AnyRequest, c: Services, principal: Principal, actor: Actor
) -> IssuedCredentialOut:
    """The secret is shown in this response only; it is stored as a SHA-256 digest."""
    tenant_pk = tenant_of(principal)
    issued = await c.credentials.issue(await _new_credential(tenant_pk, request), actor)
    return _issued(issued, (await c.tenants.get(tenant_pk)).name)


@get("/credentials", opt={"scope": ADMIN}, tags=["admin"])
async def list_credentials(c: Services, principal: Principal) -> list[CredentialOut]:
    return [credential_out(x) for x in await c.credentials.list(tenant_of(principal))]


@delete("/credentials/{credential_id:str}", status_code=200, opt={"scope": ADMIN}, tags=["admin"])
async def revoke_credential(
    credential_id: str, c: Services, principal: Principal, actor: Actor
) -> CredentialOut:
    revoked = await c.credentials.revoke(tenant_of(principal), credential_id, actor)
    c.auth.forget(revoked.digest)
    return credential_out(revoked)


@get("/subjects", opt={"scope": ADMIN}, tags=["admin"])
async def list_subjects(
    c: Services,
    principal: Principal,
    kind: str | None = None,
    page_cursor: Annotated[str | None, Parameter(query="cursor")] = None,
    limit: Annotated[int, Parameter(ge=1, le=500)] = 50,
) -> SubjectPage:
    after = cursor.decode("j", page_cursor)
    items, nxt = await c.subjects.list(
        tenant_of(principal), kind, None if after is None else str(after), limit
    )
    return SubjectPage(
        items=[subject_out(s) for s in items],
        next_cursor=None if nxt is None else cursor.encode("j", nxt),
    )


@get("/subjects/{kind:str}/{subject_id:str}", opt={"scope": ADMIN}, tags=["admin"])
async def get_subject(
    kind: str, subject_id: str, c: Services, principal: Principal
) -> SubjectDetailOut:
    return subject_out(await c.subjects.get(tenant_of(principal), kind, subject_id))


@put(
    "/subjects/{kind:str}/{subject_id:str}",
    opt={"scope": ADMIN, "body": SubjectAttributesIn},
    tags=["admin"],
)
async def put_subject(
    kind: SubjectKindPath,
    subject_id: SubjectIdPath,
    request: AnyRequest,
    c: Services,
    principal: Principal,
    actor: Actor,
) -> SubjectDetailOut:
    body = await decode_body(request, SubjectAttributesIn)
    subject = await c.subjects.put(tenant_of(principal), kind, subject_id, body.attributes, actor)
    return subject_out(subject)


@get("/audit", opt={"scope": ADMIN}, tags=["admin"])
async def list_audit(
    c: Services,
    principal: Principal,
    page_cursor: Annotated[str | None, Parameter(query="cursor")] = None,
    limit: Annotated[int, Parameter(ge=1, le=500)] = 100,
) -> AuditPage:
    """The tenant's audit trail, newest first: action, target, credential and request id."""
    before = cursor.decode("a", page_cursor)
    items, nxt = await c.audit.page(tenant_of(principal), before, limit)
    out = [
        AuditEntryOut(
            id=e.id or 0,
            at=iso(e.at),
            action=e.action,
            target=e.target,
            actor=e.actor.label,
            credential_id=e.credential_id,
            request_id=e.actor.request_id,
            detail=e.detail,
        )
        for e in items
    ]
    return AuditPage(items=out, next_cursor=None if nxt is None else cursor.encode("a", nxt))


ROUTES: list[Any] = [
    list_audit,
    create_tenant,
    list_tenants,
    get_tenant,
    set_tenant_policy,
    create_tenant_credential,
    get_own_tenant,
    set_own_policy,
    create_credential,
    list_credentials,
    revoke_credential,
    list_subjects,
    get_subject,
    put_subject,
]
