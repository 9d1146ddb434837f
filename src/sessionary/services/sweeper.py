"""The expiry sweeper makes due expiries durable (rule 4). Reads never wait for it.

Each pass claims due rows with FOR UPDATE SKIP LOCKED on PostgreSQL (BEGIN IMMEDIATE on
SQLite), so any number of nodes may sweep at once and each session expires exactly once."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

from ..domain.changes import Change, Due, Step
from ..domain.model import SECOND, Micros
from ..domain.ports import Clock, UnitOfWork, UnitOfWorkFactory
from .idempotency import KEEP_FOR_S

DAY = 86_400 * SECOND
HOUSEKEEPING_EVERY_S = 600.0  # retention and idempotency-key purge need not run every sweep
WORK_AUTO_CLOSE_S = 24 * 3600  # casino Auto-Closing: a round nobody resumed within 24 h

log = logging.getLogger("sessionary.sweeper")


class Sweeper:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        batch: int = 500,
        keep_delivered_days: int = 7,
        refresh_statistics: Callable[[], Awaitable[None]] | None = None,
        credential_grace_days: float = 3.0,
    ) -> None:
        self._uow = uow
        self._credential_grace = int(credential_grace_days * DAY)
        self._refresh_statistics = refresh_statistics
        self._clock = clock
        self._batch = batch
        self._keep_delivered_days = keep_delivered_days
        self.last_run_at: Micros | None = None  # end of the last complete pass, for /metrics

    async def sweep_once(self) -> int:
        total = 0
        while True:
            expired = await self._sweep_batch()
            total += expired
            if expired < self._batch:
                self.last_run_at = self._clock.now()
                return total

    async def settle_cancellations(self) -> int:
        """Pending work: items idle past ``WORK_AUTO_CLOSE_S`` are auto-closed (their result is
        requested), and requested refunds or results whose lifecycle record is committed
        (a webhook delivers it) reach their final state on the next pass."""
        async with self._uow() as uow:
            now = self._clock.now()
            settling = await uow.work.lock_settling(self._batch)
            for item in settling:
                await uow.lifecycle.add(item.settle(now))
                await uow.work.save(item)
            stale = await uow.work.lock_stale_open(now - WORK_AUTO_CLOSE_S * SECOND, self._batch)
            for item in stale:
                await uow.lifecycle.add(item.request_auto_complete(now))
                await uow.work.save(item)
            await uow.commit()
        return len(settling) + len(stale)

    async def _sweep_batch(self) -> int:
        async with self._uow() as uow:
            change = Change(Step.EXPIRE, Due(self._batch), self._clock.now())
            expired = await uow.sessions.change(change)
            await uow.commit()
        return len(expired.sessions)

    async def purge_idempotency_keys(self) -> int:
        async with self._uow() as uow:
            count = await uow.idempotency.purge(self._clock.now() - KEEP_FOR_S * SECOND)
            await uow.commit()
        return count

    async def purge_credentials(self) -> int:
        """Spent dialect credentials (ended sessions' keys and game tokens, expired or revoked
        bearer tokens) a grace period after they died: until then a dead key still answers as
        its dialect's "ended", then as unknown. Bounded batches that concurrent nodes share."""
        before = self._clock.now() - self._credential_grace
        revoked = await self._in_batches(
            lambda uow: uow.credentials.purge_revoked_before(before, self._batch)
        )
        expired = await self._in_batches(
            lambda uow: uow.credentials.purge_expired_before(before, self._batch)
        )
        if revoked or expired:
            log.info("spent credentials purged", extra={"revoked": revoked, "expired": expired})
        return revoked + expired

    async def apply_retention(self) -> int:
        """Rule 2: remove each tenant's ended sessions (with their events and keys) and
        lifecycle records older than its ``retention_days``, and delivered webhook rows older
        than ``keep_delivered_days``; in batches, each its own short transaction, so storage
        stays bounded under churn without a long lock. Returns the sessions removed.
        Rotated-out webhook secrets past their overlap are cleared too (never used again)."""
        now = self._clock.now()
        async with self._uow(write=False) as uow:
            tenants = await uow.tenants.list()
            await uow.commit()
        sessions = records = 0
        for tenant in tenants:
            days = tenant.policy.retention_days
            if days is None:
                continue
            removed = await self._purge_tenant(tenant.pk, now - days * DAY)
            sessions, records = sessions + removed[0], records + removed[1]
        delivered_before = now - self._keep_delivered_days * DAY
        deliveries = await self._in_batches(
            lambda uow: uow.webhooks.purge_finished(delivered_before, self._batch)
        )
        await self._in_batches(lambda uow: uow.webhooks.forget_expired_secrets(now))
        if sessions or records or deliveries:
            log.info(
                "retention applied",
                extra={"sessions": sessions, "records": records, "deliveries": deliveries},
            )
        return sessions

    async def _purge_tenant(self, tenant_pk: int, before: Micros) -> tuple[int, int]:
        sessions = await self._in_batches(
            lambda uow: uow.sessions.purge_ended_before(tenant_pk, before, self._batch)
        )
        records = await self._in_batches(
            lambda uow: uow.lifecycle.purge_before(tenant_pk, before, self._batch)
        )
        return sessions, records

    async def _in_batches(self, purge: Callable[[UnitOfWork], Awaitable[int]]) -> int:
        total = 0
        while True:
            async with self._uow() as uow:
                count = await purge(uow)
                await uow.commit()
            total += count
            if count < self._batch:
                return total
            await asyncio.sleep(0)  # let requests in between batches

    async def run_forever(self, interval_s: float) -> None:
        last_housekeeping = float("-inf")
        while True:
            try:
                count = await self.sweep_once()
                await self.settle_cancellations()
                if count:
                    log.info("expired sessions", extra={"count": count})
                if time.monotonic() - last_housekeeping >= HOUSEKEEPING_EVERY_S:
                    await self.purge_idempotency_keys()
                    await self.purge_credentials()
                    await self.apply_retention()
                    if self._refresh_statistics is not None:
                        await self._refresh_statistics()
                    last_housekeeping = time.monotonic()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("sweep failed; retrying next interval")
            await asyncio.sleep(interval_s)
