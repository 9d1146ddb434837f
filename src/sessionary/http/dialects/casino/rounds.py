"""Rounds as the casino speaks of them (core work items)."""

from __future__ import annotations

from typing import Any

from ....domain.work import WorkItem, WorkStatus
from ...timefmt import iso

STATUS = {
    WorkStatus.OPEN: "InProgress",
    WorkStatus.COMPLETED: "Completed",
    WorkStatus.CANCELLING: "CancelInProcess",
    WorkStatus.CANCELLED: "Cancelled",
    WorkStatus.COMPLETING: "CompleteInProcess",
}


def round_out(item: WorkItem, game_name: str | None) -> dict[str, Any]:
    """``game_name`` is the catalogue's (the id only for a game no longer in it): required, so
    no route can forget to look it up."""
    d = item.data
    return {
        "dateTime": iso(item.opened_at),
        "gameId": item.scope,
        "gameName": game_name or item.scope,
        "roundId": item.id,
        "userId": d.get("user"),
        "currency": d.get("currency"),
        "betAmount": d.get("bet"),
        "winAmount": d.get("win"),
        "balance": None,
        "roundStatus": STATUS[item.status],
        "roundDetails": None,
    }
