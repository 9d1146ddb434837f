"""Wire models of /v1/webhooks and /v1/events."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec
from msgspec import Meta, Struct

from ...domain import limits
from .. import bounds
from .structs import In

Url = bounds.WebhookUrl
EventTypeName = Annotated[str, Meta(min_length=1, max_length=32)]


class WebhookIn(In):
    url: Url
    event_types: list[EventTypeName] = msgspec.field(default_factory=list)  # [] = every type


class WebhookPatchIn(In):
    url: Url | None = None
    event_types: list[EventTypeName] | None = None
    active: bool | None = None


class ReplayIn(In):
    from_event_id: bounds.EventId


class RotateSecretIn(In):
    # how long the current secret keeps signing beside the new one; default: the server's
    # SESSIONARY_WEBHOOK_SECRET_OVERLAP_S, 0 = it stops at once
    overlap_s: Annotated[int, Meta(ge=0, le=limits.WEBHOOK_SECRET_OVERLAP_S)] | None = None


class WebhookOut(Struct):
    id: str
    url: str
    event_types: list[str]
    active: bool
    created_at: str
    disabled_at: str | None


class CreatedWebhookOut(Struct):
    id: str
    url: str
    event_types: list[str]
    active: bool
    created_at: str
    secret: str  # shown once: sign-check deliveries with it (README: Webhooks)


class RotatedSecretOut(Struct):
    id: str
    secret: str  # the new secret, shown once
    previous_secret_expires_at: str | None  # until then the old secret signs too


class DeliveryOut(Struct):
    id: int
    event_id: str
    status: Literal["pending", "delivering", "delivered", "dead"]
    attempts: int
    next_attempt_at: str | None
    last_status: int | None
    last_error: str | None
    created_at: str
    delivered_at: str | None


class DeliveryPage(Struct):
    items: list[DeliveryOut]
    next_cursor: str | None


class ReplayOut(Struct):
    requeued: int


class StreamEventOut(Struct):
    """One lifecycle record as sent on /v1/events and in webhook bodies."""

    id: str
    type: str
    occurred_at: str
    session_id: str
    reason: str | None
    data: dict[str, Any]
