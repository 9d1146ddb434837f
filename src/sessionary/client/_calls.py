"""Every /v1 operation as a ``Call``: method, path, query, body and how to read the answer.

Building calls is shared; only sending them differs between ``Client`` and ``AsyncClient``."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Generic, Protocol, TypeVar
from urllib.parse import quote

import httpx
import msgspec

from ..http.dialects.hivemp.account_structs import AccountIn
from ..http.native import structs as wire
from ..http.native import webhook_structs as whs
from ._models import (
    AppendResult,
    AuditPage,
    ClosedSessions,
    CreatedWebhook,
    Credential,
    DeliveryPage,
    EventPage,
    HiveMPAccount,
    IssuedCredential,
    NewEvent,
    ReplayOut,
    RotatedSecret,
    Session,
    SessionPage,
    Subject,
    SubjectPage,
    Tenant,
    Usage,
    UsageRecordPage,
    Webhook,
)

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)
MAX_EVENT_BATCH = 5000
EventLike = NewEvent | Mapping[str, Any]


class Page(Protocol[T_co]):
    @property
    def items(self) -> Sequence[T_co]: ...

    @property
    def next_cursor(self) -> str | None: ...


@dataclass(frozen=True, slots=True)
class Call(Generic[T_co]):
    method: str
    path: str
    read: Callable[[httpx.Response], T_co]
    params: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None

    @property
    def mutates(self) -> bool:
        return self.method != "GET"


def _json(kind: type[T]) -> Callable[[httpx.Response], T]:
    def read(response: httpx.Response) -> T:
        return msgspec.json.decode(response.content, type=kind)

    return read


def _text(response: httpx.Response) -> str:
    return response.text


def _seg(value: str) -> str:
    return quote(value, safe="")


def _query(**values: object) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, value in values.items():
        if value is None:
            continue
        if isinstance(value, bool):
            out[name] = "true" if value else "false"
        elif isinstance(value, datetime | date):
            out[name] = value.isoformat()
        else:
            out[name] = str(value)
    return out


def _body(value: msgspec.Struct) -> bytes:
    return msgspec.json.encode(value)


# -- sessions -------------------------------------------------------------------------------


def open_session(subject_kind: str, subject_id: str, **options: Any) -> Call[Session]:
    body = wire.OpenSessionIn(subject=wire.SubjectRef(kind=subject_kind, id=subject_id), **options)
    return Call("POST", "/v1/sessions", _json(Session), body=_body(body))


def get_session(session_id: str) -> Call[Session]:
    return Call("GET", f"/v1/sessions/{_seg(session_id)}", _json(Session))


def list_sessions(cursor: str | None, limit: int | None, **filters: Any) -> Call[SessionPage]:
    params = _query(**filters, cursor=cursor, limit=limit)
    return Call("GET", "/v1/sessions", _json(SessionPage), params=params)


def extend_session(session_id: str, ttl_s: int | None) -> Call[Session]:
    path = f"/v1/sessions/{_seg(session_id)}/extend"
    return Call("POST", path, _json(Session), body=_body(wire.ExtendIn(ttl_s=ttl_s)))


def close_session(session_id: str, reason: str) -> Call[Session]:
    path = f"/v1/sessions/{_seg(session_id)}/close"
    return Call("POST", path, _json(Session), body=_body(wire.CloseIn(reason=reason)))


def delete_session(session_id: str) -> Call[Session]:
    return Call("DELETE", f"/v1/sessions/{_seg(session_id)}", _json(Session))


def close_subject_sessions(kind: str, subject_id: str, scope: str | None) -> Call[ClosedSessions]:
    path = f"/v1/subjects/{_seg(kind)}/{_seg(subject_id)}/sessions/close"
    body = _body(wire.CloseSubjectIn(scope=scope))
    return Call("POST", path, _json(ClosedSessions), body=body)


# -- events ---------------------------------------------------------------------------------


def event_batches(events: Iterable[EventLike], size: int) -> list[list[NewEvent]]:
    """Check every event before anything is sent; a bad one raises ``ValueError``."""
    if not 1 <= size <= MAX_EVENT_BATCH:
        raise ValueError(f"batch_size must be between 1 and {MAX_EVENT_BATCH}")
    checked = [e if isinstance(e, NewEvent) else msgspec.convert(e, NewEvent) for e in events]
    return [checked[i : i + size] for i in range(0, len(checked), size)]


def append_events(session_id: str, batch: list[NewEvent]) -> Call[AppendResult]:
    path = f"/v1/sessions/{_seg(session_id)}/events"
    body = _body(wire.AppendEventsIn(events=batch))
    return Call("POST", path, _json(AppendResult), body=body)


def merge_appends(results: Sequence[AppendResult]) -> AppendResult:
    firsts = [r.first_seq for r in results if r.first_seq is not None]
    return AppendResult(
        accepted=sum(r.accepted for r in results),
        duplicates=[d for r in results for d in r.duplicates],
        first_seq=firsts[0] if firsts else None,
        last_seq=max((r.last_seq for r in results), default=0),
    )


def read_events(
    session_id: str, from_seq: int, to_seq: int | None, cursor: str | None, limit: int | None
) -> Call[EventPage]:
    params = _query(from_seq=from_seq, to_seq=to_seq, cursor=cursor, limit=limit)
    return Call("GET", f"/v1/sessions/{_seg(session_id)}/events", _json(EventPage), params=params)


# -- usage, tenant administration, operator ------------------------------------------------


def _usage_params(
    date_from: date | None, date_to: date | None, subject_kind: str | None, fmt: str | None
) -> dict[str, str]:
    return _query(**{"from": date_from, "to": date_to}, subject_kind=subject_kind, format=fmt)


def usage(date_from: date | None, date_to: date | None, subject_kind: str | None) -> Call[Usage]:
    params = _usage_params(date_from, date_to, subject_kind, None)
    return Call("GET", "/v1/usage", _json(Usage), params=params)


def usage_csv(date_from: date | None, date_to: date | None, subject_kind: str | None) -> Call[str]:
    params = _usage_params(date_from, date_to, subject_kind, "csv")
    return Call("GET", "/v1/usage", _text, params=params)


def usage_records(
    date_from: date | None,
    date_to: date | None,
    subject_kind: str | None,
    cursor: str | None,
    limit: int | None,
) -> Call[UsageRecordPage]:
    params = _usage_params(date_from, date_to, subject_kind, None)
    params.update(_query(cursor=cursor, limit=limit))
    return Call("GET", "/v1/usage/records", _json(UsageRecordPage), params=params)


def usage_records_export(
    date_from: date | None, date_to: date | None, subject_kind: str | None, fmt: str
) -> Call[str]:
    """``fmt`` is ``csv`` or ``cloudevents`` (a JSON array of CloudEvents 1.0)."""
    params = _usage_params(date_from, date_to, subject_kind, fmt)
    return Call("GET", "/v1/usage/records", _text, params=params)


def set_policy_of(tenant: str, rate_limit: Mapping[str, Any] | None, **policy: Any) -> Call[Tenant]:
    """The operator's ``PUT /v1/tenants/{tenant}/policy``; ``rate_limit`` None resets it to
    the global default."""
    limit = None if rate_limit is None else wire.RateLimitIn(**rate_limit)
    body = _body(wire.TenantPolicyIn(rate_limit=limit, **policy))
    return Call("PUT", f"/v1/tenants/{_seg(tenant)}/policy", _json(Tenant), body=body)


def create_hivemp_account(email: str, password: str, admin: bool) -> Call[HiveMPAccount]:
    body = _body(AccountIn(email=email, password=password, admin=admin))
    return Call("POST", "/v1/hivemp/accounts", _json(HiveMPAccount), body=body)


def create_credential(
    scopes: Sequence[str], name: str | None, expires_at: datetime | None, tenant: str | None = None
) -> Call[IssuedCredential]:
    body = _body(wire.CredentialIn(scopes=list(scopes), name=name, expires_at=expires_at))
    path = "/v1/credentials" if tenant is None else f"/v1/tenants/{_seg(tenant)}/credentials"
    return Call("POST", path, _json(IssuedCredential), body=body)


def list_credentials() -> Call[list[Credential]]:
    return Call("GET", "/v1/credentials", _json(list[Credential]))


def revoke_credential(credential_id: str) -> Call[Credential]:
    return Call("DELETE", f"/v1/credentials/{_seg(credential_id)}", _json(Credential))


def get_tenant(name: str | None = None) -> Call[Tenant]:
    path = "/v1/tenant" if name is None else f"/v1/tenants/{_seg(name)}"
    return Call("GET", path, _json(Tenant))


def set_tenant_policy(**policy: Any) -> Call[Tenant]:
    body = _body(wire.TenantPolicyIn(**policy))
    return Call("PUT", "/v1/tenant/policy", _json(Tenant), body=body)


def create_tenant(name: str, **policy: Any) -> Call[Tenant]:
    body = _body(wire.TenantIn(name=name, **policy))
    return Call("POST", "/v1/tenants", _json(Tenant), body=body)


def list_tenants() -> Call[list[Tenant]]:
    return Call("GET", "/v1/tenants", _json(list[Tenant]))


def list_subjects(kind: str | None, cursor: str | None, limit: int | None) -> Call[SubjectPage]:
    params = _query(kind=kind, cursor=cursor, limit=limit)
    return Call("GET", "/v1/subjects", _json(SubjectPage), params=params)


def get_subject(kind: str, subject_id: str) -> Call[Subject]:
    return Call("GET", f"/v1/subjects/{_seg(kind)}/{_seg(subject_id)}", _json(Subject))


def put_subject(kind: str, subject_id: str, attributes: dict[str, Any]) -> Call[Subject]:
    body = _body(wire.SubjectAttributesIn(attributes=attributes))
    path = f"/v1/subjects/{_seg(kind)}/{_seg(subject_id)}"
    return Call("PUT", path, _json(Subject), body=body)


def list_audit(cursor: str | None, limit: int | None) -> Call[AuditPage]:
    params = _query(cursor=cursor, limit=limit)
    return Call("GET", "/v1/audit", _json(AuditPage), params=params)


# -- webhooks (scope admin) -----------------------------------------------------------------


def _none(response: httpx.Response) -> None:
    return None


def create_webhook(url: str, event_types: Sequence[str]) -> Call[CreatedWebhook]:
    body = _body(whs.WebhookIn(url=url, event_types=list(event_types)))
    return Call("POST", "/v1/webhooks", _json(CreatedWebhook), body=body)


def list_webhooks() -> Call[list[Webhook]]:
    return Call("GET", "/v1/webhooks", _json(list[Webhook]))


def get_webhook(webhook_id: str) -> Call[Webhook]:
    return Call("GET", f"/v1/webhooks/{_seg(webhook_id)}", _json(Webhook))


def update_webhook(webhook_id: str, **changes: Any) -> Call[Webhook]:
    body = _body(whs.WebhookPatchIn(**changes))
    return Call("PATCH", f"/v1/webhooks/{_seg(webhook_id)}", _json(Webhook), body=body)


def delete_webhook(webhook_id: str) -> Call[None]:
    return Call("DELETE", f"/v1/webhooks/{_seg(webhook_id)}", _none)


def list_deliveries(
    webhook_id: str, status: str | None, cursor: str | None, limit: int | None
) -> Call[DeliveryPage]:
    params = _query(status=status, cursor=cursor, limit=limit)
    path = f"/v1/webhooks/{_seg(webhook_id)}/deliveries"
    return Call("GET", path, _json(DeliveryPage), params=params)


def replay_webhook(webhook_id: str, from_event_id: int) -> Call[ReplayOut]:
    body = _body(whs.ReplayIn(from_event_id=from_event_id))
    return Call("POST", f"/v1/webhooks/{_seg(webhook_id)}/replay", _json(ReplayOut), body=body)


def rotate_webhook_secret(webhook_id: str, overlap_s: int | None) -> Call[RotatedSecret]:
    body = _body(whs.RotateSecretIn(overlap_s=overlap_s))
    path = f"/v1/webhooks/{_seg(webhook_id)}/rotate-secret"
    return Call("POST", path, _json(RotatedSecret), body=body)


# -- the live event stream -------------------------------------------------------------------


def stream_params(session_id: str | None, types: Iterable[str] | None) -> httpx.QueryParams:
    params: list[tuple[str, str | int | float | bool | None]] = [("type", t) for t in types or ()]
    if session_id is not None:
        params.insert(0, ("session_id", session_id))
    return httpx.QueryParams(params)


def stream_headers(last_id: str | None) -> dict[str, str]:
    headers = {"Accept": "text/event-stream", "Cache-Control": "no-cache"}
    if last_id is not None:
        headers["Last-Event-ID"] = last_id
    return headers
