"""Reading the lifecycle stream (GET /v1/events): positions and pages of records."""

from __future__ import annotations

from typing import Any

from ..domain.errors import InvalidInput
from ..domain.model import JSON, LifecycleRecord
from ..domain.ports import UnitOfWorkFactory
from ..domain.session import RECORD_TIMES
from ..domain.timefmt import iso

Position = tuple[int, int]
BEGINNING: Position = (-1, 0)


def record_body(record: LifecycleRecord) -> dict[str, Any]:
    """A record as the stream sends it and webhook bodies carry it: the same bytes on either
    backend (keys of ``data`` sorted, as PostgreSQL's jsonb would not keep their order), every
    instant in the one format /v1 uses."""
    return {
        "id": str(record.id),
        "type": record.type,
        "occurred_at": iso(record.at),
        "session_id": record.session_id,
        "reason": record.reason,
        "data": _wire_data(record.data),
    }


def _wire_data(data: JSON) -> JSON:
    return {
        key: iso(value) if key in RECORD_TIMES and type(value) is int else value
        for key, value in sorted(data.items())
    }


class LifecycleStream:
    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def start(self, tenant_pk: int, after_id: int | None) -> Position:
        """Where a reader resumes: after ``after_id`` (0 = from the first record), or at the
        end of the stream when it names none."""
        async with self._uow(write=False) as uow:
            if after_id is None:
                position = await uow.lifecycle.head(tenant_pk)
            elif after_id == 0:
                position = BEGINNING
            else:
                found = await uow.lifecycle.position_of(tenant_pk, after_id)
                if found is None:
                    raise InvalidInput("no event with that id in this tenant", field="after")
                position = found
            await uow.commit()
        return position

    async def page(
        self,
        tenant_pk: int,
        after: Position,
        limit: int,
        types: list[str] | None = None,
        session_id: str | None = None,
    ) -> list[LifecycleRecord]:
        async with self._uow(write=False) as uow:
            records = await uow.lifecycle.stream(tenant_pk, after, limit, types, session_id)
            await uow.commit()
        return records
