"""RUFUS wire shapes <-> core objects. Key order follows the vendor's documented samples."""

from __future__ import annotations

from typing import Any

from ....domain.model import Event, Micros, NewEvent, Subject
from ....domain.ports import SubjectTotals
from ....domain.session import Session
from ...timefmt import iso, iso_or_none, parse_rfc3339
from .errors import bad_request
from .wire import DeviceIn, PassingIn

DEVICE = "device"
DIALECT = "rufus"
PASSING = "passing"
BOUND = "serial_number"  # every device bound through POST /devices has one
_NO_TOTALS = SubjectTotals(0, 0, None)


def device_attributes(body: DeviceIn) -> dict[str, Any]:
    if not body.model or not body.serial_number:
        raise bad_request("model and serial_number are required")
    return {
        "type": body.type or "Custom",
        "model": body.model,
        "alias": body.alias,
        "firmware": body.firmware,
        "serial_number": body.serial_number,
    }


def device_detail(d: Subject, totals: SubjectTotals | None) -> dict[str, Any]:
    t = totals or _NO_TOTALS
    a = d.attributes
    return {
        "deviceid": d.external_id,
        "type": a.get("type"),
        "model": a.get("model"),
        "alias": a.get("alias"),
        "firmware": a.get("firmware"),
        "serial_number": a.get("serial_number"),
        "creation_date": iso(d.created_at),
        "sessions": t.sessions,
        "passings": t.events,
        "last_seen": iso_or_none(t.last_activity_at),
    }


def device_summary(d: Subject, totals: SubjectTotals | None) -> dict[str, Any]:
    t = totals or _NO_TOTALS
    a = d.attributes
    return {
        "deviceid": d.external_id,
        "type": a.get("type"),
        "model": a.get("model"),
        "alias": a.get("alias"),
        "serial_number": a.get("serial_number"),
        "firmware": a.get("firmware"),
        "last_login": iso_or_none(t.last_activity_at),
        "creation_date": iso(d.created_at),
        "sessions": t.sessions,
        "device_status": None,
        "battery_percentage": None,
        "charging": None,
        "last_telemetry_at": None,
    }


def session_summary(s: Session, now: Micros) -> dict[str, Any]:
    return {
        "token_session": s.id,
        "alias": s.alias,
        "creation_date": iso(s.opened_at),
        "active": s.is_live(now),
        "passings": s.last_seq,
    }


def session_detail(
    s: Session, bounds: tuple[Micros | None, Micros | None], now: Micros
) -> dict[str, Any]:
    """``duration`` is undocumented (spec §9.5): the close time, else the last passing or now."""
    first, last = bounds
    ended = s.ended_at(now)
    duration = ended if ended is not None else (last if last is not None else now)
    return {
        "token_session": s.id,
        "alias": s.alias,
        "creation_date": iso(s.opened_at),
        "duration": iso(duration),
        "active": s.is_live(now),
        "passings": s.last_seq,
        "first": iso_or_none(first),
        "last": iso_or_none(last),
    }


def _coordinate(value: str | float | int | None) -> str | None:
    return value if value is None or isinstance(value, str) else str(value)


def passing_event(p: PassingIn) -> NewEvent:
    if p.bib is None or p.num_passing is None or p.timestamp is None:
        raise bad_request("every passing needs bib, num_passing and timestamp")
    occurred = parse_rfc3339(p.timestamp)
    if occurred is None:
        raise bad_request("timestamp must be a date-time like 2023-02-03T16:08:18.263Z")
    payload = {
        "bib": str(p.bib),
        "latitude": _coordinate(p.latitude),
        "longitude": _coordinate(p.longitude),
        "status": p.status,
        "participant_id": p.participant_id,
        "chip": p.chip if p.chip is not None else p.chips,
        "timezone": p.timezone,
        "gender": p.gender,
    }
    return NewEvent(
        type=PASSING,
        payload=payload,
        dedupe_key=str(p.num_passing),
        occurred_at=occurred,
        ordinal=p.num_passing,
    )


def passing_out(token: str, deviceid: str, e: Event) -> dict[str, Any]:
    p = e.payload
    return {
        "token_session": token,
        "timestamp": iso(e.occurred_at),
        "num_passing": e.ordinal,
        "latitude": p.get("latitude"),
        "longitude": p.get("longitude"),
        "status": p.get("status"),
        "participant_id": p.get("participant_id"),
        "chip": p.get("chip"),
        "bib": p.get("bib"),
        "timezone": p.get("timezone"),
        "gender": p.get("gender"),
        "deviceid": deviceid,
    }
