"""``sessionary secrets reseal``: every sealed value re-encrypted under the newest key.

Safe while serving: each batch is read in one short transaction and rewritten in another,
only where the value is not sealed under the newest key already, and each write is a
compare-and-set on the value read, so a value the server wrote meanwhile (sealed with the
newest key, or with one the operator has since chosen) is never overwritten with a stale one.
Idempotent: a second run finds every value current and writes nothing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..domain.ports import SealedValue, UnitOfWorkFactory
from .sealing import Sealer, SealError

Progress = Callable[[int], None]  # called with the number of values just scanned


@dataclass(slots=True)
class PlaceReport:
    """What a reseal did in one place. ``unopenable`` values open with none of the keys: they
    are left as they are (never dropped); ``changed_meanwhile`` ones were rewritten by the
    server between the read and the write and kept as the server wrote them."""

    place: str
    total: int = 0
    scanned: int = 0
    resealed: int = 0
    already_current: int = 0
    unopenable: int = 0
    changed_meanwhile: int = 0


class Resealer:
    def __init__(self, uow: UnitOfWorkFactory, sealer: Sealer, batch: int = 500) -> None:
        self._uow = uow
        self._sealer = sealer
        self._batch = batch

    async def survey(self) -> list[PlaceReport]:
        """Every sealed place with how many values it holds (for a progress bar)."""
        async with self._uow(write=False) as uow:
            reports = [PlaceReport(p, await uow.sealed.count(p)) for p in uow.sealed.places()]
            await uow.commit()
        return reports

    async def reseal(self, report: PlaceReport, progress: Progress | None = None) -> PlaceReport:
        after: int | str | None = None
        while True:
            async with self._uow(write=False) as uow:
                page = await uow.sealed.page(report.place, after, self._batch)
                await uow.commit()
            if not page:
                return report
            await self._rewrite(report, self._changes(report, page))
            report.scanned += len(page)
            after = page[-1].key
            if progress is not None:
                progress(len(page))

    def _changes(
        self, report: PlaceReport, page: list[SealedValue]
    ) -> list[tuple[SealedValue, bytes]]:
        changes = []
        for value in page:
            try:
                new = self._sealer.reseal(value.sealed)
            except SealError:
                report.unopenable += 1
                continue
            if new is None:
                report.already_current += 1
            else:
                changes.append((value, new))
        return changes

    async def _rewrite(self, report: PlaceReport, changes: list[tuple[SealedValue, bytes]]) -> None:
        if not changes:
            return  # nothing to write: no write transaction (a second run takes no lock)
        async with self._uow() as uow:
            swapped = await uow.sealed.swap(report.place, changes)
            await uow.commit()
        report.resealed += swapped
        report.changed_meanwhile += len(changes) - swapped
