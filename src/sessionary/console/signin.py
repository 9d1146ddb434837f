"""Console sign-in: an operator key opens a session in sessionary's own system tenant.

The cookie carries ``<session id>.<nonce>``; the session's state keeps only the nonce's SHA-256,
compared in constant time, so knowing a session id (it shows in listings) is not enough. Every
request re-reads the session and the operator key: closing or expiring the session, or revoking
the key, signs the operator out at once."""

from __future__ import annotations

import contextlib
import re
import secrets
from dataclasses import dataclass

from ..domain.errors import (
    AlreadyExists,
    SessionNotActive,
    SessionNotFound,
    TenantNotFound,
    Unauthenticated,
)
from ..domain.model import SECOND, Actor, Credential, Tenant, TenantPolicy
from ..domain.scopes import SYSTEM
from ..domain.session import CloseReason, Session
from ..services.credentials import digest, digests_match
from ..services.registry import Services
from ..services.sessions import OpenRequest

SYSTEM_TENANT = "sessionary-system"
DIALECT = "console"
SUBJECT_KIND = "operator"
COOKIE = "sessionary_console"
MAX_LIFETIME_S = 12 * 3600  # a console sign-in ends after 12 hours however busy
TOUCH_EVERY_S = 60  # extend the idle timer at most once a minute (each extension is audited)
_COOKIE_SHAPE = re.compile(r"^[A-Za-z0-9_-]{1,80}\.[A-Za-z0-9_-]{43}$")


class NotSignedIn(Exception):
    """No usable console session: the console answers with the sign-in page."""


def console_actor(credential_pk: int | None, request_id: str | None) -> Actor:
    return Actor(credential_pk=credential_pk, request_id=request_id, label="console")


@dataclass(slots=True, frozen=True)
class Operator:
    """The signed-in operator: their key and their console session."""

    credential: Credential
    session: Session

    def actor(self, request_id: str | None) -> Actor:
        return console_actor(self.credential.pk, request_id)


class ConsoleAuth:
    def __init__(self, container: Services) -> None:
        self._c = container
        self._tenant: Tenant | None = None

    async def system_tenant(self, create: bool = False) -> Tenant | None:
        if self._tenant is not None:
            return self._tenant
        tenants = self._c.tenants
        found: Tenant | None = None
        try:
            found = await tenants.find(SYSTEM_TENANT)
        except TenantNotFound:
            if create:
                found = await self._create_system_tenant()
        self._tenant = found
        return found

    async def _create_system_tenant(self) -> Tenant:
        try:
            return await self._c.tenants.create(
                SYSTEM_TENANT, TenantPolicy(), console_actor(None, None)
            )
        except AlreadyExists:  # another node created it first
            return await self._c.tenants.find(SYSTEM_TENANT)

    async def sign_in(self, secret: str, request_id: str | None) -> str:
        """The cookie value for a new console session; ``Unauthenticated`` for anything but
        a usable operator key."""
        principal = await self._c.auth.authenticate(secret.strip() or None)
        if principal.kind != "native" or not principal.is_system:
            raise Unauthenticated("missing or invalid credential")
        tenant = await self.system_tenant(create=True)
        assert tenant is not None
        nonce = secrets.token_urlsafe(32)
        request = OpenRequest(
            subject_kind=SUBJECT_KIND,
            subject_id=principal.credential_id,
            idle_timeout_s=self._c.settings.console_idle_timeout_s,
            max_lifetime_s=MAX_LIFETIME_S,
            metered=False,
            state={"nonce_sha256": digest(nonce)},
            dialect=DIALECT,
        )
        actor = console_actor(principal.credential_pk, request_id)
        session = await self._c.sessions.open(tenant.pk, request, actor)
        return f"{session.id}.{nonce}"

    async def load(self, cookie: str | None, request_id: str | None) -> Operator:
        if not cookie or not _COOKIE_SHAPE.match(cookie):
            raise NotSignedIn
        session_id, _, nonce = cookie.partition(".")
        tenant = await self.system_tenant()
        if tenant is None:
            raise NotSignedIn
        try:
            session = await self._c.sessions.get(tenant.pk, session_id, dialect=DIALECT)
        except SessionNotFound:
            raise NotSignedIn from None
        stored = str(session.state.get("nonce_sha256", ""))
        if not digests_match(stored, digest(nonce)) or not session.is_live(self._c.clock.now()):
            raise NotSignedIn
        credential = await self._c.credentials.get(None, session.subject_id)
        now = self._c.clock.now()
        if credential is None or not credential.usable(now) or SYSTEM not in credential.scopes:
            await self._end(tenant.pk, session, console_actor(None, request_id))
            raise NotSignedIn
        operator = Operator(credential, session)
        await self._touch(tenant.pk, operator, request_id)
        return operator

    async def sign_out(self, operator: Operator, request_id: str | None) -> None:
        tenant = await self.system_tenant()
        if tenant is not None:
            await self._end(tenant.pk, operator.session, operator.actor(request_id))

    async def _touch(self, tenant_pk: int, operator: Operator, request_id: str | None) -> None:
        session, now = operator.session, self._c.clock.now()
        idle = session.idle_timeout_s or self._c.settings.console_idle_timeout_s
        if session.expires_at is None or session.expires_at - now > (idle - TOUCH_EVERY_S) * SECOND:
            return
        try:
            await self._c.sessions.extend(
                tenant_pk, session.id, None, operator.actor(request_id), dialect=DIALECT
            )
        except SessionNotActive:
            raise NotSignedIn from None

    async def _end(self, tenant_pk: int, session: Session, actor: Actor) -> None:
        # Already over: signing out twice is not an error.
        with contextlib.suppress(SessionNotActive, SessionNotFound):
            await self._c.sessions.close(
                tenant_pk, session.id, actor, reason=CloseReason.CLIENT, dialect=DIALECT
            )
