"""The wire models: the server's own msgspec Structs, imported (never copied) under the names
a client reads best. Request Structs are the ones the server decodes, so a body the client
builds has exactly the server's shape."""

from __future__ import annotations

from typing import Any

import msgspec

from ..http.native.structs import AppendOut as AppendResult
from ..http.native.structs import AuditEntryOut as AuditEntry
from ..http.native.structs import AuditPage, ClosedSessions, SessionPage, SubjectPage
from ..http.native.structs import CredentialOut as Credential
from ..http.native.structs import EventIn as NewEvent
from ..http.native.structs import EventOut as Event
from ..http.native.structs import EventPageOut as EventPage
from ..http.native.structs import IssuedCredentialOut as IssuedCredential
from ..http.native.structs import SessionOut as Session
from ..http.native.structs import SubjectDetailOut as Subject
from ..http.native.structs import SubjectOut as SubjectRef
from ..http.native.structs import TenantOut as Tenant
from ..http.native.structs import UsageDayOut as UsageDay
from ..http.native.structs import UsageOut as Usage

__all__ = [
    "AppendResult",
    "AuditEntry",
    "AuditPage",
    "ClosedSessions",
    "Credential",
    "Event",
    "EventPage",
    "IssuedCredential",
    "NewEvent",
    "Session",
    "SessionPage",
    "StreamEvent",
    "Subject",
    "SubjectPage",
    "SubjectRef",
    "Tenant",
    "Usage",
    "UsageDay",
]


class StreamEvent(msgspec.Struct, frozen=True, kw_only=True):
    """One lifecycle record from the live stream (``GET /v1/events``).

    ``type`` is the transition (``opened``, ``closed``, ``extended``, ``expired``,
    ``deleted``, ...); ``data`` is the whole JSON object the server sent."""

    id: int
    type: str
    session_id: str | None
    at: str
    data: dict[str, Any]
