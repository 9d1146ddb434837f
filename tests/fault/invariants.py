"""The design's rules checked on the stored rows, straight from the database: whatever the
processes did (crash, race, outage), these must hold for every session."""

from __future__ import annotations

import json
import math
from collections import Counter, defaultdict
from typing import Any

from .server import query

TERMINAL = {"closed", "expired", "deleted"}


def check_invariants(database_url: str) -> int:
    """Assert every rule on every session; return how many sessions were checked."""
    sessions = query(
        database_url,
        "SELECT pk, id, status, opened_at, closed_at, last_seq, metered FROM sessions",
    )
    seqs: dict[int, list[int]] = defaultdict(list)
    latest: dict[int, int] = {}
    for session_pk, seq, recorded in query(
        database_url, "SELECT session_pk, seq, recorded_at FROM events"
    ):
        seqs[session_pk].append(seq)
        latest[session_pk] = max(latest.get(session_pk, 0), recorded)
    records: dict[int, Counter[str]] = defaultdict(Counter)
    endings: dict[int, list[Any]] = defaultdict(list)
    for session_pk, kind, data in query(
        database_url, "SELECT session_pk, type, data FROM lifecycle"
    ):
        records[session_pk][kind] += 1
        if kind in TERMINAL:
            endings[session_pk].append(json.loads(data) if isinstance(data, str) else data)
    for pk, sid, status, opened, closed_at, last_seq, metered in sessions:
        _check_session(sid, status, closed_at, last_seq, seqs[pk], latest.get(pk), records[pk])
        _check_ending_data(sid, opened, closed_at, bool(metered), endings[pk])
    return len(sessions)


def _check_ending_data(
    sid: str, opened: int, closed_at: int | None, metered: bool, endings: list[Any]
) -> None:
    """Each terminal record bills what the row bills, whichever path wrote it (rule 5)."""
    billed = math.ceil(((closed_at or 0) - opened) // 1_000_000 / 60) if metered else 0
    for data in endings:
        assert data == {"billed_minutes": billed, "ended_at": closed_at}, f"{sid}: {data}"


def _check_session(
    sid: str,
    status: str,
    closed_at: int | None,
    last_seq: int,
    seqs: list[int],
    latest_event: int | None,
    records: Counter[str],
) -> None:
    if status != "deleted":  # a delete drops the events, the counter stays
        assert sorted(seqs) == list(range(1, last_seq + 1)), f"{sid}: sequence gap {seqs}"
    assert records["opened"] == 1, f"{sid}: {records['opened']} opened records"
    ends = {kind: records[kind] for kind in TERMINAL if records[kind]}
    assert all(n == 1 for n in ends.values()), f"{sid}: repeated terminal records {ends}"
    assert not ("closed" in ends and "expired" in ends), f"{sid}: both closed and expired"
    if status == "active":
        assert not ends, f"{sid}: active with terminal records {ends}"
        return
    assert status in ends, f"{sid}: {status} without its lifecycle record ({ends})"
    assert closed_at is not None, f"{sid}: {status} without an end time"
    if latest_event is not None and status != "deleted":
        assert latest_event <= closed_at, f"{sid}: an event recorded after the session ended"


def billed_minutes(database_url: str) -> int:
    """Rule 5 from the stored times: ceil(whole active seconds / 60) per ended metered session."""
    rows = query(
        database_url,
        "SELECT opened_at, closed_at FROM sessions WHERE metered AND closed_at IS NOT NULL",
    )
    return sum(math.ceil(((end - start) // 1_000_000) / 60) for start, end in rows)


def count(database_url: str, table: str) -> int:
    rows: list[tuple[Any, ...]] = query(database_url, f"SELECT count(*) FROM {table}")
    return int(rows[0][0])
