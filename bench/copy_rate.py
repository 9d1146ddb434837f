"""The rate of ``sessionary db copy`` (README, "Outgrowing SQLite").

    .venv/bin/python bench/copy_rate.py [--sessions 100000] [--events-per-session 10]
                                        [--batch-size 5000] [--methods copy,insert]

Builds a migrated SQLite file with ``--sessions`` sessions and ten events each (bulk-inserted
with the driver, not through the services: only the copy is measured), plus the rows around
them (subjects, lifecycle records, audit, work items, webhooks and deliveries, idempotency
records, credentials), then copies it into a fresh database of a throwaway PostgreSQL cluster
(tests/pgcluster.py) once per write method: asyncpg's ``copy_records_to_table`` and its
``executemany``. Prints rows/s of the copy, the time of the verification, and the total, and
writes them to bench/results/<date>-copy-rate.json.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import json
import sqlite3
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from harness import REPO, temp_dir
from sessionary.storage import tables as t
from sessionary.storage.copying import CopyOptions, copy_database, prepare
from sessionary.storage.migrate import upgrade
from suite_report import RESULTS, machine

T0 = 1_765_000_000_000_000  # a fixed instant (micros), so runs build the same file
Row = dict[str, Any]


def _insert(db: sqlite3.Connection, table: Any, rows: Iterable[Row]) -> None:
    """Rows as the application stores them on SQLite: JSON as text, booleans as 0/1."""
    columns = [c.name for c in table.columns]
    sql = (
        f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
    )

    def stored(value: Any) -> Any:
        return json.dumps(value) if isinstance(value, dict | list) else value

    db.executemany(sql, (tuple(stored(row.get(c)) for c in columns) for row in rows))


def _sessions(n: int, subjects: int) -> Iterator[Row]:
    for pk in range(1, n + 1):
        closed = pk % 2 == 0
        yield {
            "pk": pk, "tenant_pk": 1, "id": f"ses_{pk:026d}", "subject_pk": 1 + pk % subjects,
            "scope": "game", "status": "closed" if closed else "active",
            "opened_at": T0 + pk * 1000, "last_activity_at": T0 + pk * 1000 + 500,
            "expires_at": T0 + pk * 1000 + 3_600_000_000,
            "closed_at": T0 + pk * 1000 + 900 if closed else None,
            "close_reason": "client" if closed else None, "metered": True,
            "state": {"lap": pk % 7}, "version": 3, "last_seq": 10, "dialect": "native",
        }  # fmt: skip


def _events(sessions: int, per_session: int) -> Iterator[Row]:
    for session in range(1, sessions + 1):
        for seq in range(1, per_session + 1):
            at = T0 + session * 1000 + seq
            yield {
                "session_pk": session, "seq": seq, "tenant_pk": 1, "type": "passing",
                "occurred_at": at, "recorded_at": at + 3, "dedupe_key": f"d{seq}",
                "ordinal": seq, "payload": {"transponder": session % 997, "lap": seq, "ms": 61234},
            }  # fmt: skip


def _lifecycle(sessions: int) -> Iterator[Row]:
    id_ = 0
    for pk in range(1, sessions + 1):
        for kind in ("opened", "closed") if pk % 2 == 0 else ("opened",):
            id_ += 1
            yield {
                "id": id_, "tenant_pk": 1, "session_pk": pk, "session_id": f"ses_{pk:026d}",
                "type": kind, "reason": "client" if kind == "closed" else None,
                "at": T0 + pk * 1000, "data": {"subject": {"kind": "user", "id": f"u{pk}"}},
                "tx": 0,
            }  # fmt: skip


def _small_tables(sessions: int, subjects: int) -> dict[Any, Callable[[], Iterator[Row]]]:
    n = max(1, sessions // 10)
    return {
        t.tenants: lambda: iter([{"pk": 1, "id": "ten_1", "name": "acme", "allow_extend": True,
                                  "settings": {}, "created_at": T0}]),
        t.subjects: lambda: ({"pk": i, "tenant_pk": 1, "kind": "user", "external_id": f"u{i}",
                              "attributes": {}, "created_at": T0} for i in range(1, subjects + 1)),
        t.credentials: lambda: ({"pk": i, "id": f"key_{i}", "tenant_pk": 1, "prefix": f"sk_{i}",
                                 "digest": f"{i:064x}", "scopes": "admin", "kind": "api_key",
                                 "attributes": {}, "created_at": T0} for i in range(1, 11)),
        t.audit: lambda: ({"id": i, "tenant_pk": 1, "actor": "cli", "action": "session.close",
                           "target": f"ses_{i:026d}", "at": T0 + i, "detail": {"n": i}}
                          for i in range(1, n + 1)),
        t.idempotency: lambda: ({"scope_key": f"1:key-{i}", "request_hash": f"{i:064x}",
                                 "status": 201, "body": b"\x01" * 120, "created_at": T0 + i}
                                for i in range(1, n + 1)),
        t.work_items: lambda: ({"pk": i, "tenant_pk": 1, "id": f"R{i}", "subject_pk": 1,
                                "session_pk": i, "session_id": f"ses_{i:026d}",
                                "status": "finished", "opened_at": T0, "updated_at": T0,
                                "data": {"bet": 1}} for i in range(1, n + 1)),
        t.webhooks: lambda: iter([{"pk": 1, "id": "wh_1", "tenant_pk": 1, "url": "https://x/h",
                                   "event_types": [], "secret_sealed": "gAAAA" + "x" * 100,
                                   "active": True, "cursor_tx": 0, "cursor": n, "created_at": T0}]),
        t.webhook_deliveries: lambda: ({"pk": i, "webhook_pk": 1, "tenant_pk": 1,
                                        "lifecycle_id": i, "session_pk": i, "status": "delivered",
                                        "attempts": 1, "next_attempt_at": T0, "last_status": 200,
                                        "created_at": T0, "delivered_at": T0}
                                       for i in range(1, n + 1)),
    }  # fmt: skip


def build_source(path: Path, sessions: int, per_session: int) -> dict[str, int]:
    upgrade(f"sqlite:///{path}")
    subjects = max(1, sessions // 10)
    producers: dict[Any, Callable[[], Iterator[Row]]] = {
        **_small_tables(sessions, subjects),
        t.sessions: lambda: _sessions(sessions, subjects),
        t.events: lambda: _events(sessions, per_session),
        t.lifecycle: lambda: _lifecycle(sessions),
    }
    db = sqlite3.connect(path)
    db.execute("PRAGMA synchronous=OFF")
    for table in t.metadata.sorted_tables:
        _insert(db, table, producers[table]())
        db.commit()
    counts = {
        table.name: db.execute(f"SELECT count(*) FROM {table.name}").fetchone()[0]
        for table in t.metadata.sorted_tables
    }
    db.close()
    return counts


def run_copy(source: str, target: str, method: str, batch_size: int) -> dict[str, Any]:
    prepare(source, target, migrate=True)
    started = time.perf_counter()
    options = CopyOptions(batch_size=batch_size, method=method)
    results = asyncio.run(copy_database(source, target, options))
    total = time.perf_counter() - started
    rows = sum(r.copied for r in results)
    copy_s = sum(r.seconds for r in results)
    return {
        "method": method,
        "rows": rows,
        "copy_s": round(copy_s, 2),
        "copy_rows_per_s": round(rows / copy_s),
        "verify_s": round(total - copy_s, 2),
        "total_s": round(total, 2),
        "total_rows_per_s": round(rows / total),
        "tables": {r.name: {"rows": r.rows, "rows_per_s": round(r.rate)} for r in results},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sessions", type=int, default=100_000)
    parser.add_argument("--events-per-session", type=int, default=10)
    parser.add_argument("--batch-size", type=int, default=5000)
    parser.add_argument("--methods", default="copy,insert")
    args = parser.parse_args()
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    from tests.pgcluster import PgCluster  # the repo root must be importable first

    runs: list[dict[str, Any]] = []
    with temp_dir() as tmp:
        built = time.perf_counter()
        counts = build_source(tmp / "source.db", args.sessions, args.events_per_session)
        print(f"source built in {time.perf_counter() - built:.1f} s: {counts}", flush=True)
        cluster = PgCluster()
        cluster.start()
        try:
            for method in args.methods.split(","):
                target = cluster.create_database(f"copy_{method}")
                source = f"sqlite:///{tmp / 'source.db'}"
                runs.append(run_copy(source, target, method, args.batch_size))
                print(json.dumps(runs[-1]), flush=True)
        finally:
            cluster.stop()
    report = {"source": counts, "runs": runs, "machine": machine(), "load": _load()}
    out = RESULTS / f"{datetime.date.today().isoformat()}-copy-rate.json"
    out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"written to {out}")


def _load() -> str:
    """The machine's load average: other jobs on a shared machine slow every figure."""
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


if __name__ == "__main__":
    main()
