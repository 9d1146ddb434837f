"""Pending work inside a session's scope (a casino round, say): open until completed, or
cancelled when its subject's sessions are closed with ``cancel_pending``. A cancel first
requests the refund (``cancelling``), then settles (``cancelled``); both are lifecycle records."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from .errors import Conflict, NotFound
from .model import JSON, LifecycleRecord, Micros


class WorkNotFound(NotFound):
    code = "work-not-found"


class WorkNotOpen(Conflict):
    code = "work-not-open"


class WorkStatus(StrEnum):
    OPEN = "open"
    COMPLETED = "completed"
    CANCELLING = "cancelling"
    CANCELLED = "cancelled"
    COMPLETING = "completing"  # auto-closed after sitting open too long; its result is due


@dataclass(slots=True)
class WorkItem:
    pk: int
    tenant_pk: int
    id: str
    subject_pk: int
    scope: str | None
    session_pk: int
    session_id: str
    status: WorkStatus
    opened_at: Micros
    updated_at: Micros
    closed_at: Micros | None = None
    data: JSON = field(default_factory=dict)

    def complete(self, now: Micros, data: JSON) -> None:
        if self.status is not WorkStatus.OPEN:
            raise WorkNotOpen(f"the work item is {self.status.value}", id=self.id)
        self.status = WorkStatus.COMPLETED
        self.data = {**self.data, **data}
        self.updated_at = self.closed_at = now

    def request_cancel(self, now: Micros) -> LifecycleRecord:
        self.status = WorkStatus.CANCELLING
        self.updated_at = now
        return self._record("work_cancel_requested", now)

    def request_auto_complete(self, now: Micros) -> LifecycleRecord:
        self.status = WorkStatus.COMPLETING
        self.updated_at = now
        return self._record("work_complete_requested", now, "auto_close")

    def settle(self, now: Micros) -> LifecycleRecord:
        """A requested refund or result is durably queued: the item reaches its final state."""
        cancelled = self.status is WorkStatus.CANCELLING
        self.status = WorkStatus.CANCELLED if cancelled else WorkStatus.COMPLETED
        self.updated_at = self.closed_at = now
        if cancelled:
            return self._record("work_cancelled", now)
        return self._record("work_completed", now, "auto_close")

    def _record(self, kind: str, at: Micros, reason: str = "refund") -> LifecycleRecord:
        return LifecycleRecord(
            tenant_pk=self.tenant_pk,
            session_pk=self.session_pk,
            session_id=self.session_id,
            type=kind,
            at=at,
            reason=reason,
            data={"work_id": self.id, **self.data},
        )
