"""Append events to a live session (atomic batches, dedupe) and read them back."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..domain import limits
from ..domain.changes import One
from ..domain.errors import InvalidInput, SessionNotFound, SubjectNotFound
from ..domain.model import Event, Micros, NewEvent
from ..domain.ports import Clock, UnitOfWorkFactory
from ..domain.session import Session, Status
from .changes import append_in
from .sessions import visible

MAX_BATCH = 5000


@dataclass(slots=True, frozen=True)
class AppendResult:
    session: Session
    accepted: int
    duplicates: list[str]
    first_seq: int | None
    last_seq: int


@dataclass(slots=True, frozen=True)
class EventPage:
    items: list[Event]
    next_cursor: int | None


def split_duplicates(
    batch: Sequence[NewEvent], stored: set[str]
) -> tuple[list[NewEvent], list[str]]:
    """Keep the first of each dedupe key, dropping keys already stored or repeated in the batch."""
    seen = set(stored)
    fresh: list[NewEvent] = []
    duplicates: list[str] = []
    for event in batch:
        key = event.dedupe_key
        if key is not None and key in seen:
            duplicates.append(key)
            continue
        if key is not None:
            seen.add(key)
        fresh.append(event)
    return fresh, duplicates


def check_event(event: NewEvent) -> None:
    """A batch travels to the database as one JSON document: no driver refuses a 65-bit int
    there, and SQLite's JSON functions cut text at a NUL, so both are refused here, the same
    way on both backends."""
    limits.check_int(event.ordinal, "ordinal", limits.INT64_MIN, limits.INT64_MAX)
    limits.check_int(event.occurred_at, "occurred_at", limits.INT64_MIN, limits.INT64_MAX)
    if "\x00" in event.type or "\x00" in (event.dedupe_key or ""):
        raise InvalidInput("an event's type and dedupe key cannot hold U+0000", field="events")


class EventService:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, max_batch: int = MAX_BATCH) -> None:
        self._uow = uow
        self._clock = clock
        self._max_batch = max_batch

    async def append(
        self,
        tenant_pk: int,
        session_id: str,
        batch: Sequence[NewEvent],
        dialect: str | None = None,
    ) -> AppendResult:
        """The session row is locked first, so a close that commits before us wins (rule 1)."""
        if not batch:
            raise InvalidInput("a batch needs at least one event", field="events")
        if len(batch) > self._max_batch:
            raise InvalidInput(f"a batch holds at most {self._max_batch} events", field="events")
        for event in batch:
            check_event(event)
        async with self._uow() as uow:
            target = One(tenant_pk, session_id, dialect)
            keys = [e.dedupe_key for e in batch if e.dedupe_key is not None]
            stored: set[str] = set()
            if keys:  # the row first, so no one adds a key between the look-up and the insert
                locked = await uow.sessions.lock(tenant_pk, session_id)
                if locked is not None:
                    stored = await uow.events.existing_keys(locked.pk, keys)
            fresh, duplicates = split_duplicates(batch, stored)
            session = await append_in(uow, self._clock, target, fresh)
            await uow.commit()
        count = len(fresh)
        first = session.last_seq - count + 1 if count else None
        return AppendResult(session, count, duplicates, first, session.last_seq)

    async def read(
        self, tenant_pk: int, session_id: str, after_seq: int, to_seq: int | None, limit: int
    ) -> EventPage:
        async with self._uow(write=False) as uow:
            session = await uow.sessions.get(tenant_pk, session_id)
            if session is None or session.status is Status.DELETED:
                raise SessionNotFound("no such session", id=session_id)
            rows = await uow.events.list(session.pk, after_seq, to_seq, limit + 1)
            await uow.commit()
        items = rows[:limit]
        more = len(rows) > limit
        return EventPage(items, items[-1].seq if more and items else None)


class EventQueries:
    """Reads by a client's own order numbers and across a subject's sessions (dialect needs)."""

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def by_ordinal(
        self,
        tenant_pk: int,
        session_id: str,
        ordinals: tuple[int | None, int | None],
        time_range: tuple[Micros | None, Micros | None],
        page: tuple[int, int],
        dialect: str | None = None,
    ) -> tuple[Session, list[Event]]:
        """Events with ordinals in ``ordinals`` and times in ``time_range``; page: offset, limit."""
        async with self._uow(write=False) as uow:
            session = visible(await uow.sessions.get(tenant_pk, session_id), session_id, dialect)
            rows = await uow.events.list_by_ordinal(session.pk, ordinals, time_range, page)
            await uow.commit()
        return session, rows

    async def for_subject(
        self,
        tenant_pk: int,
        kind: str,
        external_id: str,
        time_range: tuple[Micros | None, Micros | None],
        offset: int,
        limit: int,
    ) -> list[tuple[str, Event]]:
        async with self._uow(write=False) as uow:
            subject = await uow.subjects.find(tenant_pk, kind, external_id)
            if subject is None:
                raise SubjectNotFound("no such subject", kind=kind, id=external_id)
            rows = await uow.events.list_for_subject(
                tenant_pk, subject.pk, time_range[0], time_range[1], offset, limit
            )
            await uow.commit()
        return rows

    async def time_bounds(self, session: Session) -> tuple[Micros | None, Micros | None]:
        async with self._uow(write=False) as uow:
            bounds = await uow.events.time_bounds(session.pk)
            await uow.commit()
        return bounds
