"""Webhook subscriptions: create (secret shown once), list, change, delete; their deliveries
and replay. Delivery itself is services/webhook_delivery.py."""

from __future__ import annotations

import asyncio
import builtins
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

import httpx

from ..domain import ids, limits
from ..domain.errors import InvalidInput, WebhookNotFound
from ..domain.model import SECOND, Actor, Micros
from ..domain.ports import Clock, UnitOfWork, UnitOfWorkFactory
from ..domain.webhooks import EVENT_TYPES, Delivery, DeliveryStatus, Webhook
from .audit import record
from .sealing import Sealer
from .webhook_signing import new_secret
from .webhook_targets import BlockedTarget, TargetPolicy

MAX_URL = limits.WEBHOOK_URL
RESOLVE_TIMEOUT_S = 3.0


@dataclass(slots=True, frozen=True)
class CreatedWebhook:
    webhook: Webhook
    secret: str  # shown once; the server keeps it sealed


@dataclass(slots=True, frozen=True)
class RotatedSecret:
    webhook: Webhook
    secret: str  # the new secret, shown once
    overlap_s: int  # how long the previous secret still signs (0: not at all)


def checked_url(url: str) -> str:
    """An absolute http(s) URL with a valid port and no user:password (the server shows and
    audits the URL; the receiver authenticates deliveries by their signature). Both urllib
    and httpx, which sends it, must accept it: ``http://[::1]x/`` has no port to the one and
    a bad port to the other."""
    if len(url) > MAX_URL or any(ch <= " " or ch == "\x7f" for ch in url):
        raise InvalidInput(
            f"url must be at most {MAX_URL} characters, without spaces or control characters",
            field="url",
        )
    parts, port = _parsed(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInput("url must be an absolute http:// or https:// URL", field="url")
    if port is not None and not 0 < port < 65536:
        raise InvalidInput("url has an invalid port", field="url")
    if parts.username is not None or parts.password is not None:
        raise InvalidInput(
            "url must not carry credentials: deliveries are signed instead", field="url"
        )
    return url


def _parsed(url: str) -> tuple[SplitResult, int | None]:
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a port that is not a number in range
        sent = httpx.URL(url)
        sent.host  # noqa: B018 - raises on a malformed IDNA label (a ValueError too)
    except (ValueError, httpx.InvalidURL):
        raise InvalidInput(
            "url is not a valid URL (check the host and the port)", field="url"
        ) from None
    return parts, sent.port


async def reachable_url(url: str, targets: TargetPolicy) -> str:
    """A checked URL whose host is, and resolves to, addresses the policy allows. A name that
    does not resolve now is accepted: each delivery checks the addresses it connects to."""
    checked = checked_url(url)
    sent = httpx.URL(checked)
    host = sent.raw_host.decode("ascii")  # what the connection is asked for
    try:
        async with asyncio.timeout(RESOLVE_TIMEOUT_S):
            await targets.vet(host, sent.port or (443 if sent.scheme == "https" else 80))
    except BlockedTarget as exc:
        raise InvalidInput(
            f"url's host is not public ({exc.kind} address): webhooks reach public addresses"
            " and the networks the server's operator allows",
            field="url",
            blocked=exc.kind,
        ) from None
    except (OSError, TimeoutError):
        pass
    return checked


def checked_types(types: list[str]) -> list[str]:
    unknown = sorted(set(types) - EVENT_TYPES)
    if unknown:
        raise InvalidInput(
            f"unknown event types: {', '.join(unknown)}",
            field="event_types",
            allowed=sorted(EVENT_TYPES),
        )
    return sorted(set(types))


async def _locate(uow: UnitOfWork, tenant_pk: int, id: str) -> Webhook:
    hook = await uow.webhooks.get(tenant_pk, id)
    if hook is None:
        raise WebhookNotFound("no such webhook", webhook_id=id)
    return hook


class WebhookService:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        sealer: Sealer,
        targets: TargetPolicy,
        secret_overlap_s: int = 86_400,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._sealer = sealer
        self._targets = targets
        self._secret_overlap_s = secret_overlap_s

    async def create(
        self, tenant_pk: int, url: str, event_types: list[str], actor: Actor
    ) -> CreatedWebhook:
        """A new subscription receives records written from now on (``replay`` reaches back)."""
        url = await reachable_url(url, self._targets)  # resolves: not inside the transaction
        secret = new_secret()
        now = self._clock.now()
        async with self._uow() as uow:
            hook = await uow.webhooks.add(
                Webhook(
                    pk=0,
                    id=ids.sortable_id("wh"),
                    tenant_pk=tenant_pk,
                    url=url,
                    event_types=checked_types(event_types),
                    secret_sealed=self._sealer.seal(secret),
                    active=True,
                    cursor=await uow.lifecycle.head(tenant_pk),
                    created_at=now,
                )
            )
            await record(uow, tenant_pk, actor, "webhook.create", hook.id, now, url=hook.url)
            await uow.commit()
        return CreatedWebhook(hook, secret)

    async def list(self, tenant_pk: int) -> list[Webhook]:
        async with self._uow(write=False) as uow:
            hooks = await uow.webhooks.list(tenant_pk)
            await uow.commit()
        return hooks

    async def get(self, tenant_pk: int, id: str) -> Webhook:
        async with self._uow(write=False) as uow:
            hook = await _locate(uow, tenant_pk, id)
            await uow.commit()
        return hook

    async def update(
        self,
        tenant_pk: int,
        id: str,
        actor: Actor,
        *,
        url: str | None = None,
        event_types: builtins.list[str] | None = None,
        active: bool | None = None,
    ) -> Webhook:
        if url is not None:
            url = await reachable_url(url, self._targets)  # resolves: not inside the transaction
        now = self._clock.now()
        async with self._uow() as uow:
            hook = await _locate(uow, tenant_pk, id)
            if url is not None:
                hook.url = url
            if event_types is not None:
                hook.event_types = checked_types(event_types)
            if active is not None and active != hook.active:
                hook.active = active
                hook.disabled_at = None if active else now
            await uow.webhooks.save(hook)
            await record(uow, tenant_pk, actor, "webhook.update", hook.id, now)
            await uow.commit()
        return hook

    async def delete(self, tenant_pk: int, id: str, actor: Actor) -> None:
        now = self._clock.now()
        async with self._uow() as uow:
            hook = await _locate(uow, tenant_pk, id)
            await uow.webhooks.remove(hook.pk)
            await record(uow, tenant_pk, actor, "webhook.delete", hook.id, now)
            await uow.commit()

    async def deliveries(
        self,
        tenant_pk: int,
        id: str,
        status: DeliveryStatus | None = None,
        after_pk: int | None = None,
        limit: int = 100,
    ) -> tuple[builtins.list[Delivery], int | None]:
        """A page of the subscription's deliveries, oldest first, and the next page's cursor."""
        async with self._uow(write=False) as uow:
            hook = await _locate(uow, tenant_pk, id)
            rows = await uow.webhooks.deliveries(
                hook.pk, status.value if status else None, after_pk, limit + 1
            )
            await uow.commit()
        page = rows[:limit]
        return page, (page[-1].pk if len(rows) > limit and page else None)

    async def replay(self, tenant_pk: int, id: str, from_event_id: int, actor: Actor) -> int:
        """Deliver again every record from ``from_event_id`` on (in stream order): finished
        deliveries become pending, and records never fanned out to this subscription (written
        before it existed) are fanned out. Returns how many finished deliveries were requeued."""
        limits.check_int(from_event_id, "from_event_id", 1, limits.INT64_MAX)  # CLI --from
        now = self._clock.now()
        async with self._uow() as uow:
            hook = await _locate(uow, tenant_pk, id)
            position = await uow.lifecycle.position_of(tenant_pk, from_event_id)
            if position is None:
                raise InvalidInput("from_event_id is not an event of this tenant", field="from")
            before = (position[0], position[1] - 1)
            if before < hook.cursor:
                await uow.webhooks.set_cursor(hook.pk, before)
            requeued = await uow.webhooks.replay(hook.pk, from_event_id, now)
            await record(
                uow, tenant_pk, actor, "webhook.replay", hook.id, now, from_event_id=from_event_id
            )
            await uow.commit()
        return requeued

    async def rotate_secret(
        self, tenant_pk: int, id: str, actor: Actor, overlap_s: int | None = None
    ) -> RotatedSecret:
        """Issue a new secret; the one it replaces keeps signing for ``overlap_s`` (default:
        the server's setting), so receivers can switch without refusing a delivery."""
        overlap = self._secret_overlap_s if overlap_s is None else overlap_s
        limits.check_int(overlap, "overlap_s", 0, limits.WEBHOOK_SECRET_OVERLAP_S)
        secret = new_secret()
        now = self._clock.now()
        async with self._uow() as uow:
            hook = await _locate(uow, tenant_pk, id)
            hook.rotate_secret(self._sealer.seal(secret), now, overlap * SECOND)
            await uow.webhooks.set_secrets(hook)
            await record(
                uow, tenant_pk, actor, "webhook.rotate_secret", hook.id, now, overlap_s=overlap
            )
            await uow.commit()
        return RotatedSecret(hook, secret, overlap)

    def secret_of(self, hook: Webhook) -> str:
        return self._sealer.open(hook.secret_sealed)

    def signing_secrets(self, hook: Webhook, now: Micros) -> builtins.list[str]:
        """The secrets that sign a delivery made at ``now``, newest first."""
        return [self._sealer.open(sealed) for sealed in hook.signing_secrets_sealed(now)]
