"""The wire models: the server's own msgspec Structs, imported (never copied) under the names
a client reads best. Request Structs are the ones the server decodes, so a body the client
builds has exactly the server's shape."""

from __future__ import annotations

from ..http.dialects.hivemp.account_structs import AccountOut as HiveMPAccount
from ..http.native.structs import AppendOut as AppendResult
from ..http.native.structs import AuditEntryOut as AuditEntry
from ..http.native.structs import (
    AuditPage,
    ClosedSessions,
    SessionPage,
    SubjectPage,
    UsageRecordPage,
)
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
from ..http.native.structs import UsageRecordOut as UsageRecord
from ..http.native.webhook_structs import CreatedWebhookOut as CreatedWebhook
from ..http.native.webhook_structs import DeliveryOut as Delivery
from ..http.native.webhook_structs import DeliveryPage, ReplayOut
from ..http.native.webhook_structs import RotatedSecretOut as RotatedSecret
from ..http.native.webhook_structs import StreamEventOut as StreamEvent
from ..http.native.webhook_structs import WebhookOut as Webhook

__all__ = [
    "AppendResult",
    "AuditEntry",
    "AuditPage",
    "ClosedSessions",
    "CreatedWebhook",
    "Credential",
    "Delivery",
    "DeliveryPage",
    "Event",
    "EventPage",
    "HiveMPAccount",
    "IssuedCredential",
    "NewEvent",
    "ReplayOut",
    "RotatedSecret",
    "Session",
    "SessionPage",
    "StreamEvent",
    "Subject",
    "SubjectPage",
    "SubjectRef",
    "Tenant",
    "Usage",
    "UsageDay",
    "UsageRecord",
    "UsageRecordPage",
    "Webhook",
]
