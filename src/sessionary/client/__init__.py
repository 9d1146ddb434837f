"""The Python client of sessionary's native API (``/v1``).

Open, use and close sessions from Python without hand-rolled HTTP::

    from sessionary.client import Client, NotFound

    with Client("http://127.0.0.1:8000", api_key) as client:
        session = client.open_session("user", "u-1", idle_timeout_s=900)
        client.append_events(session.id, [{"type": "click", "payload": {"x": 1}}])
        client.close_session(session.id)
        for s in client.iter_sessions(status="closed"):  # follows the cursors
            print(s.id, s.billed_minutes)

``AsyncClient`` has the same methods for ``async``/``await``. Answers are the server's own wire
models (msgspec Structs: ``Session``, ``Event``, ``Usage``, ...). Error answers raise
exceptions carrying the problem+json fields (``status``, ``code``, ``detail``,
``request_id``, ``extra``, ``retry_after``); a lost connection after every retry raises
``ConnectionFailed``. Every mutation sends an ``Idempotency-Key``, so a retry after a lost
answer never runs the request twice.
"""

from ._async import AsyncClient
from ._errors import (
    ApiError,
    BadRequest,
    Conflict,
    ConnectionFailed,
    Forbidden,
    IdempotencyKeyReused,
    InvalidInput,
    NotFound,
    PayloadTooLarge,
    RateLimited,
    ServerError,
    ServiceUnavailable,
    SessionaryError,
    SessionNotActive,
    StreamProtocolError,
    Unauthenticated,
)
from ._models import (
    AppendResult,
    AuditEntry,
    CreatedWebhook,
    Credential,
    Delivery,
    Event,
    EventPage,
    HiveMPAccount,
    IssuedCredential,
    NewEvent,
    RotatedSecret,
    Session,
    SessionPage,
    StreamEvent,
    Subject,
    SubjectRef,
    Tenant,
    Usage,
    UsageDay,
    UsageRecord,
    Webhook,
)
from ._retry import NO_RETRY, RetryPolicy
from ._sync import Client

__all__ = [
    "NO_RETRY",
    "ApiError",
    "AppendResult",
    "AsyncClient",
    "AuditEntry",
    "BadRequest",
    "Client",
    "Conflict",
    "ConnectionFailed",
    "CreatedWebhook",
    "Credential",
    "Delivery",
    "Event",
    "EventPage",
    "Forbidden",
    "HiveMPAccount",
    "IdempotencyKeyReused",
    "InvalidInput",
    "IssuedCredential",
    "NewEvent",
    "NotFound",
    "PayloadTooLarge",
    "RateLimited",
    "RetryPolicy",
    "RotatedSecret",
    "ServerError",
    "ServiceUnavailable",
    "Session",
    "SessionNotActive",
    "SessionPage",
    "SessionaryError",
    "StreamEvent",
    "StreamProtocolError",
    "Subject",
    "SubjectRef",
    "Tenant",
    "Unauthenticated",
    "Usage",
    "UsageDay",
    "UsageRecord",
    "Webhook",
]
