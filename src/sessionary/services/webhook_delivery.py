"""Delivering lifecycle records to webhook subscribers: at least once, in order per session,
signed, retried with backoff and jitter, then dead-lettered.

Two steps, each safe on any number of nodes:
- fan-out: each subscription's cursor walks its tenant's records in stream order and leaves
  one pending delivery per wanted record (claimed per subscription with SKIP LOCKED);
- delivery: due deliveries that are first in line for their session are leased, posted
  outside any transaction, and their outcome recorded. A node that dies mid-post loses its
  lease and another node posts again (at least once; receivers dedupe by event id)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import httpx

from ..domain.model import SECOND, LifecycleRecord, Micros
from ..domain.ports import Clock, UnitOfWorkFactory
from ..domain.webhooks import Delivery, DeliveryStatus, RetryPolicy, Webhook
from .stream import record_body
from .webhook_signing import HEADER, signature, standard_headers
from .webhook_targets import TargetPolicy
from .webhook_transport import BLOCKED, GuardedTransport, failure_class
from .webhooks import WebhookService

log = logging.getLogger("sessionary.webhooks")
USER_AGENT = "sessionary-webhooks/1"
REMOVED = "the record was removed by retention"
OUTCOMES = ("delivered", "retry", "gave_up", "blocked", "dropped")  # of one attempt (outcome())


class Sender(Protocol):
    async def post(self, url: str, body: bytes, headers: dict[str, str]) -> int:
        """POST and return the status code; raise on a transport failure or timeout."""
        ...


class HttpxSender:
    """The client is made on the first delivery: building one loads the CA bundle (~30 ms),
    which every CLI command and test container would otherwise pay for nothing."""

    def __init__(self, timeout_s: float, targets: TargetPolicy) -> None:
        self._timeout_s = timeout_s
        self._targets = targets
        self._client: httpx.AsyncClient | None = None

    async def post(self, url: str, body: bytes, headers: dict[str, str]) -> int:
        if self._client is None:
            # Redirects are not followed: a 3xx is the receiver's answer, so a permitted
            # target cannot send the server on to a refused one.
            self._client = httpx.AsyncClient(
                transport=GuardedTransport(self._targets),
                timeout=self._timeout_s,
                follow_redirects=False,
            )
        response = await self._client.post(url, content=body, headers=headers)
        return response.status_code

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None


def payload(record: LifecycleRecord, hook: Webhook) -> bytes:
    """The delivered body: the record as the event stream sends it, with the webhook's id
    (``id`` is the event id to dedupe by)."""
    body = {**record_body(record), "webhook_id": hook.id}
    return json.dumps(body, separators=(",", ":"), default=str).encode()


@dataclass(slots=True, frozen=True)
class DeliverySettings:
    batch: int = 50
    timeout_s: float = 10.0
    retry: RetryPolicy = field(default_factory=RetryPolicy)

    @property
    def lease(self) -> Micros:
        return int((self.timeout_s + 30) * SECOND)


class WebhookDispatcher:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        webhooks: WebhookService,
        sender: Sender,
        settings: DeliverySettings,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._webhooks = webhooks
        self._sender = sender
        self._settings = settings
        # Told each attempt's outcome (the metrics): delivered, retry, gave_up, blocked, dropped.
        self.on_attempt: Callable[[str], None] = _ignore

    async def fan_out_once(self) -> int:
        """Turn new records into pending deliveries; returns how many records were read."""
        read = 0
        async with self._uow() as uow:
            for hook in await uow.webhooks.lock_active(1000):
                records = await uow.lifecycle.stream(
                    hook.tenant_pk, hook.cursor, self._settings.batch * 10
                )
                if not records:
                    continue
                now = self._clock.now()
                await uow.webhooks.enqueue(
                    [_pending(hook, r, now) for r in records if hook.wants(r)]
                )
                last = records[-1]
                await uow.webhooks.set_cursor(hook.pk, (last.tx, _id(last)))
                read += len(records)
            await uow.commit()
        return read

    async def deliver_once(self) -> int:
        """Post one batch of due deliveries; returns how many were attempted."""
        now = self._clock.now()
        async with self._uow() as uow:
            claimed = await uow.webhooks.claim_due(
                now, now + self._settings.lease, self._settings.batch
            )
            work = [(d, await uow.lifecycle.get(d.lifecycle_id)) for d in claimed]
            hooks = {d.webhook_pk: await uow.webhooks.by_pk(d.webhook_pk) for d in claimed}
            await uow.commit()
        if not claimed:
            return 0
        posts = [asyncio.create_task(self._attempt(d, r, hooks[d.webhook_pk])) for d, r in work]
        try:
            done = await asyncio.gather(*posts)
        except asyncio.CancelledError:
            # The server stops mid-batch: record what was posted and hand the rest back at
            # once, so another node posts them now instead of when the lease runs out.
            await asyncio.shield(self._settle(posts, claimed))
            raise
        for delivery in done:
            self.on_attempt(outcome(delivery))
        await self._record(done)
        return len(done)

    async def _settle(self, posts: list[asyncio.Task[Delivery]], claimed: list[Delivery]) -> None:
        settled = []
        for post, delivery in zip(posts, claimed, strict=True):
            if post.done() and not post.cancelled() and post.exception() is None:
                settled.append(post.result())
                self.on_attempt(outcome(settled[-1]))
            else:
                settled.append(self._released(delivery))
        await self._record(settled)
        log.info("webhook batch released on shutdown", extra={"deliveries": len(claimed)})

    async def _record(self, deliveries: Sequence[Delivery]) -> None:
        async with self._uow() as uow:
            for delivery in deliveries:
                await uow.webhooks.finish(delivery)
            await uow.commit()

    def _released(self, delivery: Delivery) -> Delivery:
        """Due again now, lease cleared, no attempt counted: it was never answered."""
        delivery.status = DeliveryStatus.PENDING
        delivery.next_attempt_at = self._clock.now()
        return delivery

    async def _attempt(
        self, delivery: Delivery, record: LifecycleRecord | None, hook: Webhook | None
    ) -> Delivery:
        if record is None or hook is None:
            return self._dead(delivery, REMOVED)
        body = payload(record, hook)
        try:
            headers = self._headers(delivery, record, hook, body)
            status = await self._sender.post(hook.url, body, headers)
        except Exception as exc:  # one delivery's failure never strands the rest of its batch
            kind = failure_class(exc)
            if kind is None:  # e.g. a secret that won't unseal: its class name says enough
                kind = type(exc).__name__
                log.warning(
                    "webhook delivery failed unexpectedly",
                    extra={"delivery": delivery.pk, "error": kind},
                )
            return self._failed(delivery, None, kind)
        if 200 <= status < 300:
            return self._delivered(delivery, status)
        return self._failed(delivery, status, f"HTTP {status}")

    def _headers(
        self, delivery: Delivery, record: LifecycleRecord, hook: Webhook, body: bytes
    ) -> dict[str, str]:
        now = self._clock.now()
        secrets = self._webhooks.signing_secrets(hook, now)  # newest first
        stamp = now // SECOND
        return {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "Sessionary-Event-Id": str(record.id),
            "Sessionary-Event-Type": record.type,
            "Sessionary-Delivery-Attempt": str(delivery.attempts + 1),
            # the delivery's id, not the attempt's: receivers dedupe retries by webhook-id
            **standard_headers(secrets, str(delivery.pk), stamp, body),
            HEADER: signature(secrets[0], stamp, body),  # deprecated: the newest secret only
        }

    def _delivered(self, delivery: Delivery, status: int) -> Delivery:
        delivery.attempts += 1
        delivery.status = DeliveryStatus.DELIVERED
        delivery.last_status = status
        delivery.last_error = None
        delivery.delivered_at = self._clock.now()
        return delivery

    def _failed(self, delivery: Delivery, status: int | None, error: str) -> Delivery:
        delivery.attempts += 1
        delivery.last_status = status
        delivery.last_error = error[:500]
        retry = self._settings.retry
        if retry.exhausted(delivery.attempts):
            delivery.status = DeliveryStatus.DEAD
            log.warning("webhook delivery dead-lettered", extra={"delivery": delivery.pk})
        else:
            delivery.status = DeliveryStatus.PENDING
            delivery.next_attempt_at = self._clock.now() + retry.delay(delivery.attempts)
        return delivery

    def _dead(self, delivery: Delivery, error: str) -> Delivery:
        delivery.status = DeliveryStatus.DEAD
        delivery.last_error = error
        return delivery

    async def run_once(self) -> int:
        return await self.fan_out_once() + await self.deliver_once()

    async def run_forever(self, interval_s: float) -> None:
        """Work while there is work; otherwise poll every ``interval_s``."""
        while True:
            busy = 0
            try:
                busy = await self.run_once()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("webhook pass failed; retrying next interval")
            if not busy:
                await asyncio.sleep(interval_s)

    async def close(self) -> None:
        close = getattr(self._sender, "close", None)
        if close is not None:
            with contextlib.suppress(Exception):
                await close()


def _ignore(outcome: str) -> None:
    pass


def outcome(delivery: Delivery) -> str:
    """An attempt's outcome for the metrics, from the delivery it left behind."""
    if delivery.status is DeliveryStatus.DELIVERED:
        return "delivered"
    if delivery.last_error == BLOCKED:
        return "blocked"
    if delivery.status is DeliveryStatus.DEAD:
        return "dropped" if delivery.last_error == REMOVED else "gave_up"
    return "retry"


def _id(record: LifecycleRecord) -> int:
    assert record.id is not None  # records read back from storage carry their id
    return record.id


def _pending(hook: Webhook, record: LifecycleRecord, now: Micros) -> dict[str, object]:
    return {
        "webhook_pk": hook.pk,
        "tenant_pk": hook.tenant_pk,
        "lifecycle_id": _id(record),
        "session_pk": record.session_pk,
        "status": DeliveryStatus.PENDING.value,
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
    }
