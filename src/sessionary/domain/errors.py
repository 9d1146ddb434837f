"""Domain errors say what happened, never how a protocol reports it.

Each carries a stable ``code`` and a ``data`` mapping; every HTTP dialect maps them in one table.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    code = "error"

    def __init__(self, message: str, **data: Any) -> None:
        super().__init__(message)
        self.message = message
        self.data = data


class NotFound(DomainError):
    code = "not-found"


class SessionNotFound(NotFound):
    code = "session-not-found"


class TenantNotFound(NotFound):
    code = "tenant-not-found"


class CredentialNotFound(NotFound):
    code = "credential-not-found"


class SubjectNotFound(NotFound):
    code = "subject-not-found"


class WebhookNotFound(NotFound):
    code = "webhook-not-found"


class SessionNotActive(DomainError):
    """The session exists but is closed, expired or deleted; ``data['status']`` says which."""

    code = "session-not-active"


class Conflict(DomainError):
    code = "conflict"


class AlreadyExists(Conflict):
    code = "already-exists"


class IdempotencyMismatch(Conflict):
    code = "idempotency-key-reused"


class IdempotencyInProgress(Conflict):
    """``data['retry_after']``: seconds after which the first request has likely answered."""

    code = "idempotency-key-in-progress"


class InvalidIdempotencyKey(DomainError):
    code = "invalid-idempotency-key"


class InvalidInput(DomainError):
    code = "invalid-input"


class LimitExceeded(DomainError):
    code = "limit-exceeded"


class Unauthenticated(DomainError):
    code = "unauthenticated"


class Forbidden(DomainError):
    code = "forbidden"


class RateLimited(DomainError):
    """``data['retry_after']``: whole seconds until the caller may try again."""

    code = "rate-limited"


class StorageUnavailable(DomainError):
    """The database could not be reached or refused the transaction: nothing the caller did,
    so every dialect answers it as "retry later" (a 503), never as a refusal of the request.

    Storage raises it (driver errors are translated at that one boundary); it lives here so
    that the error tables map it from the domain like any other error. Tables that have a
    catch-all for ``DomainError`` check this one first."""

    code = "storage-unavailable"
