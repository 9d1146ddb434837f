"""Credential secrets: generated with high entropy, shown once, stored only as SHA-256."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field

from ..domain import ids, limits
from ..domain.errors import CredentialNotFound, InvalidInput, LimitExceeded
from ..domain.model import JSON, Actor, Credential, Micros
from ..domain.ports import Clock, UnitOfWorkFactory
from ..domain.scopes import ALL_SCOPES, SYSTEM, TENANT_SCOPES
from .audit import record

NATIVE_PREFIX = "sk"


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def digests_match(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


@dataclass(slots=True, frozen=True)
class NewCredential:
    tenant_pk: int | None
    scopes: tuple[str, ...]
    name: str | None = None
    expires_at: Micros | None = None
    kind: str = "native"
    bound_session_pk: int | None = None
    attributes: JSON = field(default_factory=dict)
    secret: str | None = None  # dialects bring their own secret formats


@dataclass(slots=True, frozen=True)
class IssuedCredential:
    credential: Credential
    secret: str


def check_scopes(tenant_pk: int | None, scopes: tuple[str, ...]) -> None:
    allowed = ALL_SCOPES if tenant_pk is None else TENANT_SCOPES
    unknown = sorted(set(scopes) - allowed)
    if unknown:
        raise InvalidInput(f"unknown scope(s): {', '.join(unknown)}", field="scopes")
    if tenant_pk is None and SYSTEM not in scopes:
        raise InvalidInput("an operator credential needs the system scope", field="scopes")


def display_prefix(secret: str) -> str:
    """A few leading characters to tell keys apart in listings, and only for long secrets:
    a short, operator-chosen secret would be stored whole."""
    return secret[:6] if len(secret) >= 24 else ""


def build_credential(new: NewCredential, now: Micros) -> tuple[Credential, str]:
    """The row to store (digest only) and the secret to show once."""
    secret = new.secret or ids.secret_token(NATIVE_PREFIX)
    credential = Credential(
        pk=0,
        id=ids.sortable_id("key"),
        tenant_pk=new.tenant_pk,
        name=new.name,
        prefix=display_prefix(secret),
        digest=digest(secret),
        scopes=tuple(dict.fromkeys(new.scopes)),
        kind=new.kind,
        created_at=now,
        expires_at=new.expires_at,
        bound_session_pk=new.bound_session_pk,
        attributes=new.attributes,
    )
    return credential, secret


class CredentialService:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def issue(
        self,
        new: NewCredential,
        actor: Actor,
        max_live_of_kind: int | None = None,
        keep_newest_named: int | None = None,
    ) -> IssuedCredential:
        """``keep_newest_named``: after adding, delete all but that many newest credentials
        of the same tenant, kind and name (a holder's cap that never refuses the new one)."""
        if new.kind == "native":
            check_scopes(new.tenant_pk, new.scopes)
        limits.check_text(new.name, "name", limits.CREDENTIAL_NAME)  # CLI and console names
        now = self._clock.now()
        credential, secret = build_credential(new, now)
        async with self._uow() as uow:
            if max_live_of_kind is not None and new.tenant_pk is not None:
                live = await uow.credentials.count_live(new.tenant_pk, new.kind)
                if live >= max_live_of_kind:
                    raise LimitExceeded(f"at most {max_live_of_kind} live keys of this kind")
            stored = await uow.credentials.add(credential)
            if keep_newest_named is not None and new.tenant_pk is not None and new.name:
                await uow.credentials.trim_named(
                    new.tenant_pk, new.kind, new.name, keep_newest_named
                )
            await record(uow, new.tenant_pk, actor, "credential.create", stored.id, now)
            await uow.commit()
        return IssuedCredential(stored, secret)

    async def list(self, tenant_pk: int | None) -> list[Credential]:
        async with self._uow(write=False) as uow:
            rows = await uow.credentials.list(tenant_pk)
            await uow.commit()
        return rows

    async def find_by_secret(self, secret: str) -> Credential | None:
        """Uncached lookup, e.g. to explain why a key was refused."""
        async with self._uow(write=False) as uow:
            found = await uow.credentials.by_digest(digest(secret))
            await uow.commit()
        return found

    async def get(self, tenant_pk: int | None, credential_id: str) -> Credential | None:
        async with self._uow(write=False) as uow:
            found = await uow.credentials.by_id(tenant_pk, credential_id)
            await uow.commit()
        return found

    async def revoke(self, tenant_pk: int | None, credential_id: str, actor: Actor) -> Credential:
        now = self._clock.now()
        async with self._uow() as uow:
            found = await uow.credentials.by_id(tenant_pk, credential_id)
            if found is None:
                raise CredentialNotFound("no such credential", id=credential_id)
            await uow.credentials.revoke(found.pk, now)
            await record(uow, tenant_pk, actor, "credential.revoke", found.id, now)
            await uow.commit()
        if found.revoked_at is None:
            found.revoked_at = now
        return found

    async def bootstrap_operator_key(self) -> IssuedCredential | None:
        """On a fresh database, issue the one operator key that can create tenants."""
        async with self._uow(write=False) as uow:
            exists = await uow.credentials.any_system()
            await uow.commit()
        if exists:
            return None
        new = NewCredential(tenant_pk=None, scopes=(SYSTEM,), name="bootstrap")
        return await self.issue(new, Actor(credential_pk=None, label="bootstrap"))
