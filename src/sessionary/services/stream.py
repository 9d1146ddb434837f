"""Reading the lifecycle stream (GET /v1/events): positions and pages of records."""

from __future__ import annotations

from ..domain.errors import InvalidInput
from ..domain.model import LifecycleRecord
from ..domain.ports import UnitOfWorkFactory

Position = tuple[int, int]
BEGINNING: Position = (-1, 0)


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
