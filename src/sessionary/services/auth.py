"""Authenticate a presented secret into a Principal.

Lookups are by SHA-256 digest (unique index). A small in-process cache keeps the hot path off
the database; its TTL bounds how long a revocation takes to reach every node."""

from __future__ import annotations

import time

from ..domain.errors import Unauthenticated
from ..domain.model import MINUTE, Credential, Principal
from ..domain.ports import Clock, UnitOfWorkFactory
from .credentials import digest, digests_match

_INVALID = "missing or invalid credential"


def to_principal(credential: Credential) -> Principal:
    return Principal(
        credential_pk=credential.pk,
        credential_id=credential.id,
        tenant_pk=credential.tenant_pk,
        scopes=frozenset(credential.scopes),
        kind=credential.kind,
        bound_session_pk=credential.bound_session_pk,
        attributes=tuple(sorted(credential.attributes.items())),
    )


class AuthService:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        cache_ttl_s: float = 5.0,
        max_cache: int = 10_000,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._ttl = cache_ttl_s
        self._max = max_cache
        self._cache: dict[str, tuple[float, Credential]] = {}

    async def authenticate(self, secret: str | None) -> Principal:
        if not secret:
            raise Unauthenticated(_INVALID)
        key = digest(secret)
        credential = await self._lookup(key)
        now = self._clock.now()
        if credential is None or not digests_match(credential.digest, key):
            raise Unauthenticated(_INVALID)
        if not credential.usable(now):
            raise Unauthenticated(_INVALID)
        if credential.last_used_at is None or now - credential.last_used_at > MINUTE:
            await self._mark_used(credential, now)
        return to_principal(credential)

    def forget(self, secret_digest: str | None = None) -> None:
        """Drop cached credentials (all, or one) after a revocation made by this node."""
        if secret_digest is None:
            self._cache.clear()
        else:
            self._cache.pop(secret_digest, None)

    async def _lookup(self, key: str) -> Credential | None:
        hit = self._cache.get(key)
        if hit is not None and hit[0] > time.monotonic():
            return hit[1]
        async with self._uow(write=False) as uow:
            credential = await uow.credentials.by_digest(key)
            await uow.commit()
        if credential is not None:
            if len(self._cache) >= self._max:
                self._cache.clear()
            self._cache[key] = (time.monotonic() + self._ttl, credential)
        return credential

    async def _mark_used(self, credential: Credential, now: int) -> None:
        """Throttled to once a minute per credential, so reads do not become writes."""
        credential.last_used_at = now
        async with self._uow() as uow:
            await uow.credentials.mark_used(credential.pk, now)
            await uow.commit()
