"""/v1/usage: billed minutes and counts per UTC day (JSON or CSV), and the per-session billing
records behind them (JSON pages, or CSV and CloudEvents streamed for a whole range)."""

from __future__ import annotations

import base64
import binascii
from collections.abc import AsyncIterator, Iterable
from datetime import date, timedelta
from typing import Annotated, Any, Literal

import msgspec
from litestar import Response, get
from litestar.params import Parameter
from litestar.response import Stream

from ...domain.errors import InvalidInput
from ...domain.model import Micros, Principal
from ...domain.scopes import USAGE_READ
from ...services.registry import Services
from ...services.usage import DAY, RECORDS_PAGE_MAX, UsageRecord, check_range, day_date
from ..csvsafe import csv_text
from ..deps import tenant_of
from ..timefmt import iso
from .present import usage_out
from .structs import UsageOut, UsageRecordOut, UsageRecordPage

CSV_MEDIA_TYPE = "text/csv"  # Litestar adds "; charset=utf-8" to text types
CLOUDEVENTS_MEDIA_TYPE = "application/cloudevents-batch+json"
EVENT_TYPE = "io.sessionary.usage.session.billed"
RECORD_FIELDS = (
    "session_id",
    "subject_kind",
    "subject_id",
    "scope",
    "dialect",
    "status",
    "close_reason",
    "metered",
    "opened_at",
    "ended_at",
    "billing_day",
    "active_seconds",
    "billed_minutes",
)
FromDay = Annotated[date | None, Parameter(query="from")]
ToDay = Annotated[date | None, Parameter(query="to")]


def usage_csv(out: UsageOut) -> str:
    rows = [(d.date, d.opened, d.ended, d.billed_minutes) for d in [*out.days, out.totals]]
    return csv_text([("date", "opened", "ended", "billed_minutes"), *rows])


def record_json(record: UsageRecord) -> dict[str, Any]:
    return {
        "session_id": record.session_id,
        "subject_kind": record.subject_kind,
        "subject_id": record.subject_id,
        "scope": record.scope,
        "dialect": record.dialect,
        "status": record.status,
        "close_reason": record.close_reason,
        "metered": record.metered,
        "opened_at": iso(record.opened_at),
        "ended_at": iso(record.ended_at),
        "billing_day": record.day.isoformat(),
        "active_seconds": record.active_seconds,
        "billed_minutes": record.billed_minutes,
    }


def cloud_event(tenant: str, record: UsageRecord) -> dict[str, Any]:
    """A CloudEvents 1.0 structured event. A record never changes once its session has
    ended, so its ``id`` (unique within ``source``) is the same in every export."""
    return {
        "specversion": "1.0",
        "id": f"{record.session_id}:billed",
        "source": f"/sessionary/tenants/{tenant}",
        "type": EVENT_TYPE,
        "subject": record.session_id,
        "time": iso(record.ended_at),
        "datacontenttype": "application/json",
        "data": record_json(record),
    }


def csv_lines(records: Iterable[UsageRecord], header: bool = True) -> str:
    rows = [[row[k] for k in RECORD_FIELDS] for row in map(record_json, records)]
    return csv_text([RECORD_FIELDS, *rows] if header else rows)


async def csv_stream(records: AsyncIterator[UsageRecord]) -> AsyncIterator[bytes]:
    yield csv_lines([]).encode()
    async for record in records:
        yield csv_lines([record], header=False).encode()


async def json_array(items: AsyncIterator[Any]) -> AsyncIterator[bytes]:
    """A JSON array written an item at a time."""
    yield b"["
    first = True
    async for item in items:
        yield (b"" if first else b",") + msgspec.json.encode(item)
        first = False
    yield b"]\n"


def cloudevents_stream(tenant: str, records: AsyncIterator[UsageRecord]) -> AsyncIterator[bytes]:
    """``application/cloudevents-batch+json``: a JSON array of structured events."""
    return json_array(cloud_event(tenant, r) async for r in records)


def encode_cursor(position: tuple[Micros, int]) -> str:
    raw = f"r:{position[0]}:{position[1]}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(value: str | None) -> tuple[Micros, int] | None:
    if not value:
        return None
    try:
        raw = base64.urlsafe_b64decode((value + "=" * (-len(value) % 4)).encode("ascii"))
        kind, end, pk = raw.decode("ascii").split(":")
        position = (int(end), int(pk))
    except (binascii.Error, UnicodeError, ValueError) as exc:
        raise InvalidInput("the cursor is not valid", field="cursor") from exc
    if kind != "r" or len(value) > 64 or not all(0 <= n < 2**63 for n in position):
        raise InvalidInput("the cursor is not valid", field="cursor")
    return position


def _range(c: Services, date_from: date | None, date_to: date | None) -> tuple[date, date]:
    """``from``/``to`` are UTC days, inclusive; the default is the last 30 days."""
    day_to = date_to or day_date(c.clock.now() // DAY)
    if date_from is not None:
        return date_from, day_to
    if day_to < date.min + timedelta(days=29):  # the default start would be before year 1
        raise InvalidInput("'to' is too early for the default 30-day range", field="to")
    return day_to - timedelta(days=29), day_to


async def _export(
    c: Services, tenant_pk: int, name: str, days: tuple[date, date], kind: str | None, fmt: str
) -> Stream:
    records = c.usage.all_records(tenant_pk, days[0], days[1], kind)
    if fmt == "csv":
        return Stream(csv_stream(records), media_type=CSV_MEDIA_TYPE)
    return Stream(cloudevents_stream(name, records), media_type=CLOUDEVENTS_MEDIA_TYPE)


@get("/usage", opt={"scope": USAGE_READ}, tags=["usage"])
async def usage(
    c: Services,
    principal: Principal,
    date_from: FromDay = None,
    date_to: ToDay = None,
    subject_kind: str | None = None,
    format: Literal["json", "csv", "cloudevents"] = "json",
) -> Response[Any]:
    """Query ``from``/``to`` (UTC days, inclusive; default: the last 30 days).

    A session's minutes, ceil(whole active seconds / 60), count on the day it ended.
    ``format=cloudevents`` streams the per-session records of the range as CloudEvents."""
    day_from, day_to = _range(c, date_from, date_to)
    tenant = await c.tenants.get(tenant_of(principal))
    if format == "cloudevents":
        check_range(day_from, day_to)  # before the stream starts: errors mid-stream are lost
        return await _export(c, tenant.pk, tenant.name, (day_from, day_to), subject_kind, format)
    report = await c.usage.report(tenant.pk, day_from, day_to, subject_kind)
    out = usage_out(tenant.name, report, subject_kind)
    if format == "csv":
        return Response(content=usage_csv(out), media_type=CSV_MEDIA_TYPE)
    return Response(content=out)


@get("/usage/records", opt={"scope": USAGE_READ}, tags=["usage"])
async def usage_records(
    c: Services,
    principal: Principal,
    date_from: FromDay = None,
    date_to: ToDay = None,
    subject_kind: str | None = None,
    format: Literal["json", "csv", "cloudevents"] = "json",
    page_cursor: Annotated[str | None, Parameter(query="cursor")] = None,
    limit: Annotated[int, Parameter(ge=1, le=RECORDS_PAGE_MAX)] = 500,
) -> Response[Any]:
    """Each session that ended in the range, ordered by end time: its billed minutes and the
    UTC day they count on. JSON is paged (``cursor``, ``limit``); ``csv`` and ``cloudevents``
    stream the whole range."""
    day_from, day_to = _range(c, date_from, date_to)
    tenant = await c.tenants.get(tenant_of(principal))
    after = decode_cursor(page_cursor)
    if format != "json":
        if after is not None:
            raise InvalidInput("cursor pages JSON only; csv and cloudevents stream the whole range")
        check_range(day_from, day_to)  # before the stream starts: errors mid-stream are lost
        return await _export(c, tenant.pk, tenant.name, (day_from, day_to), subject_kind, format)
    page = await c.usage.records(
        tenant.pk, day_from, day_to, subject_kind, after=after, limit=limit + 1
    )
    items = page[:limit]
    nxt = encode_cursor(items[-1].cursor) if len(page) > limit else None
    return Response(
        content=UsageRecordPage(
            tenant=tenant.name,
            date_from=day_from.isoformat(),
            date_to=day_to.isoformat(),
            subject_kind=subject_kind,
            items=[UsageRecordOut(**record_json(r)) for r in items],
            next_cursor=nxt,
        )
    )


ROUTES: list[Any] = [usage, usage_records]
