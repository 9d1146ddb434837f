"""Webhook subscriptions and the delivery queue.

Claims use FOR UPDATE SKIP LOCKED on PostgreSQL (writers are serialised on SQLite), so any
number of nodes share fan-out and delivery without taking the same row twice."""

from __future__ import annotations

import builtins
from typing import Any

from sqlalchemy import and_, delete, exists, func, insert, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import aliased

from ...domain.model import Micros
from ...domain.webhooks import Delivery, DeliveryStatus, Webhook
from ..executor import Executor
from ..tables import webhook_deliveries as d
from ..tables import webhooks as w

_OPEN = (DeliveryStatus.PENDING.value, DeliveryStatus.DELIVERING.value)


def _webhook(row: Any) -> Webhook:
    return Webhook(
        pk=row.pk,
        id=row.id,
        tenant_pk=row.tenant_pk,
        url=row.url,
        event_types=list(row.event_types),
        secret_sealed=row.secret_sealed,
        active=bool(row.active),
        cursor=(int(row.cursor_tx), int(row.cursor)),
        created_at=row.created_at,
        disabled_at=row.disabled_at,
        previous_secret_sealed=row.previous_secret_sealed,
        previous_secret_expires_at=row.previous_secret_expires_at,
    )


def _delivery(row: Any) -> Delivery:
    return Delivery(
        pk=row.pk,
        webhook_pk=row.webhook_pk,
        tenant_pk=row.tenant_pk,
        lifecycle_id=row.lifecycle_id,
        session_pk=row.session_pk,
        status=DeliveryStatus(row.status),
        attempts=row.attempts,
        next_attempt_at=row.next_attempt_at,
        created_at=row.created_at,
        last_status=row.last_status,
        last_error=row.last_error,
        delivered_at=row.delivered_at,
    )


class SqlWebhookRepository:
    def __init__(self, ex: Executor) -> None:
        self._ex = ex

    def _locking(self, stmt: Any) -> Any:
        if self._ex.dialect == "postgresql":
            return stmt.with_for_update(skip_locked=True)
        return stmt

    # -- subscriptions ----------------------------------------------------------------------

    async def add(self, hook: Webhook) -> Webhook:
        values = {
            "id": hook.id,
            "tenant_pk": hook.tenant_pk,
            "url": hook.url,
            "event_types": hook.event_types,
            "secret_sealed": hook.secret_sealed,
            "active": hook.active,
            "cursor_tx": hook.cursor[0],
            "cursor": hook.cursor[1],
            "created_at": hook.created_at,
        }
        row = (await self._ex.execute(insert(w).values(values).returning(w))).one()
        return _webhook(row)

    async def get(self, tenant_pk: int, id: str) -> Webhook | None:
        stmt = select(w).where(w.c.tenant_pk == tenant_pk, w.c.id == id)
        row = (await self._ex.execute(stmt)).first()
        return None if row is None else _webhook(row)

    async def by_pk(self, pk: int) -> Webhook | None:
        row = (await self._ex.execute(select(w).where(w.c.pk == pk))).first()
        return None if row is None else _webhook(row)

    async def list(self, tenant_pk: int) -> builtins.list[Webhook]:
        stmt = select(w).where(w.c.tenant_pk == tenant_pk).order_by(w.c.pk)
        return [_webhook(r) for r in await self._ex.execute(stmt)]

    async def save(self, hook: Webhook) -> None:
        values = {
            "url": hook.url,
            "event_types": hook.event_types,
            "active": hook.active,
            "disabled_at": hook.disabled_at,
        }
        # The secrets are not written here: a change that read the row before a rotation
        # committed must not put the rotated-out secret back (set_secrets writes them).
        await self._ex.execute(update(w).where(w.c.pk == hook.pk).values(values))

    async def set_secrets(self, hook: Webhook) -> None:
        values = {
            "secret_sealed": hook.secret_sealed,
            "previous_secret_sealed": hook.previous_secret_sealed,
            "previous_secret_expires_at": hook.previous_secret_expires_at,
        }
        await self._ex.execute(update(w).where(w.c.pk == hook.pk).values(values))

    async def forget_expired_secrets(self, now: Micros) -> int:
        """Clear previous secrets whose overlap is over (they no longer sign anything)."""
        stmt = (
            update(w)
            .where(w.c.previous_secret_expires_at <= now)
            .values(previous_secret_sealed=None, previous_secret_expires_at=None)
        )
        result = await self._ex.execute(stmt)
        return int(getattr(result, "rowcount", 0) or 0)

    async def remove(self, pk: int) -> None:
        await self._ex.execute(delete(w).where(w.c.pk == pk))

    async def lock_active(self, limit: int) -> builtins.list[Webhook]:
        """Active subscriptions no other node is fanning out right now."""
        stmt = select(w).where(w.c.active.is_(True)).order_by(w.c.pk).limit(limit)
        return [_webhook(r) for r in await self._ex.execute(self._locking(stmt))]

    async def set_cursor(self, pk: int, cursor: tuple[int, int]) -> None:
        stmt = update(w).where(w.c.pk == pk).values(cursor_tx=cursor[0], cursor=cursor[1])
        await self._ex.execute(stmt)

    # -- deliveries -------------------------------------------------------------------------

    async def enqueue(self, rows: builtins.list[dict[str, Any]]) -> None:
        """One pending delivery per (subscription, record); a row that exists stays as it is."""
        if not rows:
            return
        insert_ = pg_insert if self._ex.dialect == "postgresql" else sqlite_insert
        await self._ex.execute(insert_(d).on_conflict_do_nothing(), rows)

    async def claim_due(
        self, now: Micros, lease_until: Micros, limit: int
    ) -> builtins.list[Delivery]:
        """Due deliveries that are first in line for their session (per-session order), and
        deliveries whose lease ran out (the node died mid-attempt); each is leased to us."""
        earlier = aliased(d)
        blocked = exists().where(
            earlier.c.webhook_pk == d.c.webhook_pk,
            earlier.c.session_pk == d.c.session_pk,
            earlier.c.lifecycle_id < d.c.lifecycle_id,
            earlier.c.status.in_(_OPEN),
        )
        due = or_(
            and_(d.c.status == DeliveryStatus.PENDING.value, d.c.next_attempt_at <= now),
            and_(d.c.status == DeliveryStatus.DELIVERING.value, d.c.lease_until < now),
        )
        active = select(w.c.pk).where(w.c.active.is_(True))
        stmt = (
            select(d).where(due, ~blocked, d.c.webhook_pk.in_(active)).order_by(d.c.pk).limit(limit)
        )
        claimed = [_delivery(r) for r in await self._ex.execute(self._locking(stmt))]
        if claimed:
            lease = (
                update(d)
                .where(d.c.pk.in_([c.pk for c in claimed]))
                .values(status=DeliveryStatus.DELIVERING.value, lease_until=lease_until)
            )
            await self._ex.execute(lease)
        return claimed

    async def finish(self, delivery: Delivery) -> None:
        values = {
            "status": delivery.status.value,
            "attempts": delivery.attempts,
            "next_attempt_at": delivery.next_attempt_at,
            "lease_until": None,
            "last_status": delivery.last_status,
            "last_error": delivery.last_error,
            "delivered_at": delivery.delivered_at,
        }
        await self._ex.execute(update(d).where(d.c.pk == delivery.pk).values(values))

    async def deliveries(
        self,
        webhook_pk: int,
        status: str | None,
        after_pk: int | None,
        limit: int,
    ) -> builtins.list[Delivery]:
        stmt = select(d).where(d.c.webhook_pk == webhook_pk)
        if status is not None:
            stmt = stmt.where(d.c.status == status)
        if after_pk is not None:
            stmt = stmt.where(d.c.pk > after_pk)
        stmt = stmt.order_by(d.c.pk).limit(limit)
        return [_delivery(r) for r in await self._ex.execute(stmt)]

    async def replay(self, webhook_pk: int, from_lifecycle_id: int, now: Micros) -> int:
        """Every finished delivery from a record on becomes pending again, attempts reset."""
        stmt = (
            update(d)
            .where(
                d.c.webhook_pk == webhook_pk,
                d.c.lifecycle_id >= from_lifecycle_id,
                d.c.status.not_in(_OPEN),
            )
            .values(
                status=DeliveryStatus.PENDING.value,
                attempts=0,
                next_attempt_at=now,
                lease_until=None,
            )
        )
        result = await self._ex.execute(stmt)
        return int(getattr(result, "rowcount", 0) or 0)

    async def backlog(self) -> dict[str, int]:
        stmt = (
            select(d.c.status, func.count().label("n"))
            .where(d.c.status.in_(_OPEN))
            .group_by(d.c.status)
        )
        return {str(row.status): int(row.n) for row in await self._ex.execute(stmt)}

    async def purge_finished(self, before: Micros, limit: int) -> int:
        """Retention: delivered deliveries older than ``before``, one batch (dead ones stay
        until replayed or their subscription is deleted)."""
        batch = (
            select(d.c.pk)
            .where(d.c.status == DeliveryStatus.DELIVERED.value, d.c.created_at < before)
            .limit(limit)
            .scalar_subquery()
        )
        result = await self._ex.execute(delete(d).where(d.c.pk.in_(batch)))
        return int(getattr(result, "rowcount", 0) or 0)
