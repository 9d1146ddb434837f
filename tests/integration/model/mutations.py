"""Proof that the model-based test catches a changed rule: each mutation changes ONE guard or
effect of one transition in src/, on the path the test exercises, runs the test on the backend
that path serves, expects it to FAIL, and restores src/ with ``git checkout -- src``.

Run from the worktree root, with src/ clean (the script refuses otherwise, so no work is lost):

    PYTHONPATH=src /work/main/.venv/bin/python -m tests.integration.model.mutations [NAME ...]

Each run is quick: shrinking is off (MODEL_QUICK=1) and the first failing example stops it.
The mutations name today's code (issue 20 rewrites it): after the rewrite, restate each one
against the one definition of its transition; a mutation whose text is gone is reported
"stale", not passed.

Last run, 2026-12-07 on main's code before the rewrite: 28 of 28 caught, 4-19 s each."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
REPOS = "src/sessionary/storage/repositories/"
SERVICES = "src/sessionary/services/"
TEST = "tests/integration/model/test_session_model.py"


@dataclass(frozen=True)
class Mutation:
    name: str
    transition: str
    path: str
    old: str
    new: str
    backend: str  # "sqlite", "postgresql" or "" (both)


MUTATIONS = [
    Mutation("open-ignores-tenant-idle", "open", REPOS + "hot.py",
             "idle = req.idle_timeout_s or policy[0]", "idle = req.idle_timeout_s", "sqlite"),
    Mutation("open-drops-audit", "open", REPOS + "hot.py",
             "opened_at,\n           '{{}}'::jsonb\n      FROM s\n",
             "opened_at,\n           '{{}}'::jsonb\n      FROM s WHERE false\n", "postgresql"),
    Mutation("extend-drops-version", "extend", REPOS + "hot_extend.py",
             "opened_at + max_lifetime_s * {_US}),\n           version = version + 1",
             "opened_at + max_lifetime_s * {_US}),\n           version = version", "postgresql"),
    Mutation("extend-ignores-allow-extend", "extend", REPOS + "hot_extend.py",
             "   AND EXISTS (SELECT 1 FROM tenants WHERE pk = ?3 AND allow_extend)\n", "",
             "sqlite"),
    Mutation("append-moves-activity-back", "append", REPOS + "hot_append.py",
             '_SQLITE_NOW = "MAX(?1, last_activity_at)"', '_SQLITE_NOW = "?1"', "sqlite"),
    Mutation("append-accepts-due-session", "append", REPOS + "hot_append.py",
             "       AND (expires_at IS NULL OR expires_at > {_NOW})\n", "", "postgresql"),
    Mutation("append-dedupe-no-touch", "append", SERVICES + "events.py",
             "            session.touch(now)\n", "", ""),
    Mutation("close-at-now-not-last-activity", "close", REPOS + "hot.py",
             "closed_at = GREATEST($3::bigint, last_activity_at)", "closed_at = $3::bigint",
             "postgresql"),
    Mutation("close-keeps-bound-key", "close", REPOS + "hot.py",
             "    conn.execute(SQLITE_REVOKE, (now, row.pk))\n    detail", "    detail", "sqlite"),
    Mutation("close-bills-floor", "close", REPOS + "hot.py",
             "THEN (GREATEST(closed_at - opened_at, 0) / 1000000 + 59) / 60",
             "THEN (GREATEST(closed_at - opened_at, 0) / 1000000) / 60", "postgresql"),
    Mutation("close-forgets-dialect", "close", REPOS + "hot.py",
             "   AND (expires_at IS NULL OR expires_at > ?1) AND (?5 IS NULL OR dialect = ?5)",
             "   AND (expires_at IS NULL OR expires_at > ?1)", "sqlite"),
    Mutation("close-general-drops-audit", "close", SERVICES + "sessions.py",
             '            await record(uow, tenant_pk, actor, "session.close", session.id, now,'
             " reason=reason)\n", "", ""),
    Mutation("delete-keeps-events", "delete", REPOS + "hot_delete.py",
             "    conn.execute(_SQLITE_EVENTS, (row.pk,))\n", "", "sqlite"),
    Mutation("delete-reason-client", "delete", REPOS + "hot_delete.py",
             "close_reason = 'deleted', version = version + 1\n     WHERE pk = (SELECT pk",
             "close_reason = 'client', version = version + 1\n     WHERE pk = (SELECT pk",
             "postgresql"),
    Mutation("delete-due-skips-expiry", "delete", SERVICES + "sessions.py",
             "            if session.is_due(now):\n"
             "                await expire_in(uow, session, now)\n",
             "", ""),
    Mutation("expire-keeps-bound-key", "expire", SERVICES + "sessions.py",
             "    await uow.lifecycle.add(rec)\n"
             "    await uow.credentials.revoke_bound_to(session.pk, now)\n\n\nasync def close_in",
             "    await uow.lifecycle.add(rec)\n\n\nasync def close_in", ""),
    Mutation("expire-sweeps-one-instant-late", "expire", REPOS + "sessions.py",
             "where = (t.c.status == Status.ACTIVE.value) & (t.c.expires_at <= now)",
             "where = (t.c.status == Status.ACTIVE.value) & (t.c.expires_at < now)", ""),
    Mutation("supersede-any-scope", "supersede", SERVICES + "sessions.py",
             "tenant_pk, subject.pk, req.scope, any_scope=False",
             "tenant_pk, subject.pk, req.scope, any_scope=True", ""),
    Mutation("subject-close-reason-client", "subject close", SERVICES + "sessions.py",
             "await close_in(uow, session, now, CloseReason.SUBJECT_CLOSED)",
             "await close_in(uow, session, now, CloseReason.CLIENT)", ""),
    # A second change per transition, on the other backend or the general path.
    Mutation("open-ignores-tenant-lifetime", "open", REPOS + "hot.py",
             "COALESCE($10::int, max_lifetime_s) AS life", "$10::int AS life", "postgresql"),
    Mutation("open-general-skips-bound-key", "open", SERVICES + "sessions.py",
             "            if req.bound_key is not None:", "            if False:", ""),
    Mutation("extend-uncapped-by-lifetime", "extend", REPOS + "hot_extend.py",
             "               opened_at + max_lifetime_s * {_US}),",
             "               NULL),", "postgresql"),
    Mutation("append-counts-no-seq", "append", REPOS + "hot_append.py",
             "last_seq = last_seq + $4::bigint,", "last_seq = last_seq + 0,", "postgresql"),
    Mutation("append-general-forgets-stored-keys", "append", SERVICES + "events.py",
             "split_duplicates(batch, stored)", "split_duplicates(batch, set())", ""),
    Mutation("close-pg-forgets-dialect", "close", REPOS + "hot.py",
             "       AND ($5::text IS NULL OR dialect = $5::text)\n RETURNING {SESSION_COLUMNS}\n"
             "), record AS (\n    INSERT INTO lifecycle (tenant_pk, session_pk, session_id, type,"
             " reason, at, data)\n    SELECT tenant_pk, pk, id, 'closed'",
             " RETURNING {SESSION_COLUMNS}\n"
             "), record AS (\n    INSERT INTO lifecycle (tenant_pk, session_pk, session_id, type,"
             " reason, at, data)\n    SELECT tenant_pk, pk, id, 'closed'", "postgresql"),
    Mutation("delete-keeps-bound-key", "delete", REPOS + "hot_delete.py",
             "    conn.execute(SQLITE_REVOKE, (now, row.pk))\n", "", "sqlite"),
    Mutation("supersede-reason-client", "supersede", SERVICES + "sessions.py",
             "await close_in(uow, old, now, CloseReason.SUPERSEDED)",
             "await close_in(uow, old, now, CloseReason.CLIENT)", ""),
    Mutation("subject-close-drops-audit", "subject close", SERVICES + "sessions.py",
             '            await record(uow, tenant_pk, actor, "subject.close_sessions", target,'
             " now, scope=scope)\n", "", ""),
]  # fmt: skip


def src_is_clean() -> bool:
    return subprocess.run(["git", "diff", "--quiet", "--", "src"], cwd=ROOT).returncode == 0


def run(m: Mutation) -> str:
    path = ROOT / m.path
    text = path.read_text()
    if text.count(m.old) != 1:
        return "stale"
    path.write_text(text.replace(m.old, m.new))
    try:
        cmd = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", TEST]
        if m.backend:
            cmd += ["-k", m.backend]
        env = {**os.environ, "PYTHONPATH": "src", "MODEL_QUICK": "1"}
        done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, timeout=900)
    finally:
        subprocess.run(["git", "checkout", "--", "src"], cwd=ROOT, check=True)
    return "caught" if done.returncode != 0 else "MISSED"


def main(names: list[str]) -> int:
    if not src_is_clean():
        print("src/ has changes: commit them first (the script restores src/ from git)")
        return 2
    chosen = [m for m in MUTATIONS if not names or m.name in names]
    missed = 0
    for m in chosen:
        start = time.monotonic()
        result = run(m)
        missed += result != "caught"
        took = time.monotonic() - start
        print(f"{m.transition:14} {m.name:34} {m.backend or 'both':10} {result:7} {took:5.0f}s")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
