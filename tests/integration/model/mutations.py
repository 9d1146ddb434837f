"""Proof that the model-based test catches a changed rule: each mutation changes ONE guard or
effect of one transition in src/, on the path the test exercises, runs the test on the backend
that path serves, expects it to FAIL, and restores src/ with ``git checkout -- src``.

Run from the worktree root, with src/ clean (the script refuses otherwise, so no work is lost):

    PYTHONPATH=src /work/main/.venv/bin/python -m tests.integration.model.mutations [NAME ...]

Each run is quick: shrinking is off (MODEL_QUICK=1) and the first failing example stops it.
The mutations name the one definition of each transition (storage/transitions/, issue 20) and
the use cases composing them; a mutation whose text is gone is reported "stale", not passed."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
STEPS = "src/sessionary/storage/transitions/steps.py"
OPENING = "src/sessionary/storage/transitions/opening.py"
APPENDING = "src/sessionary/storage/transitions/appending.py"
TARGETS = "src/sessionary/storage/transitions/targets.py"
PLANS = "src/sessionary/storage/transitions/plans.py"
CHANGES = "src/sessionary/services/changes.py"
EVENTS = "src/sessionary/services/events.py"
SESSIONS = "src/sessionary/services/sessions.py"
TEST = "tests/integration/model/test_session_model.py"


@dataclass(frozen=True)
class Mutation:
    name: str
    transition: str
    path: str
    old: str
    new: str
    backend: str  # "sqlite", "postgresql" or "" (both)


# Since issue 20 each transition has one definition (storage/transitions/), compiled for both
# backends: a mutation there changes both, so each runs on one backend, alternating.
MUTATIONS = [
    Mutation("open-ignores-tenant-idle", "open", OPENING,
             "_unset_as_null(t.idle_timeout_s), FALLBACK", "FALLBACK", "sqlite"),
    Mutation("open-ignores-fallback-idle", "open", OPENING,
             "_unset_as_null(t.idle_timeout_s), FALLBACK", "_unset_as_null(t.idle_timeout_s)",
             "postgresql"),
    Mutation("open-drops-audit", "open", OPENING,
             'audit=Audit("session.open", lambda: json_object()),', "audit=None,", "postgresql"),
    Mutation("open-uncapped-idle", "open", OPENING,
             "else_=least(idle, life),", "else_=idle,", "sqlite"),
    Mutation("open-skips-bound-key", "open", SESSIONS,
             "    if req.bound_key is not None:\n", "    if False:\n", "sqlite"),
    Mutation("extend-drops-version", "extend", STEPS,
             '"expires_at": expires, "version": c.version + 1}', '"expires_at": expires}',
             "postgresql"),
    Mutation("extend-ignores-allow-extend", "extend", STEPS,
             "        (Why.FORBIDDEN, allows_extend(c)),\n", "", "sqlite"),
    Mutation("extend-uncapped", "extend", STEPS,
             "expires = capped(at + seconds(ttl(c)), c)", "expires = at + seconds(ttl(c))",
             "postgresql"),
    Mutation("touch-moves-activity-back", "append", STEPS,
             "    return greatest(NOW, c.last_activity_at)", "    return NOW", "sqlite"),
    Mutation("touch-accepts-due-session", "append", STEPS,
             "    return [(Why.ENDED, active(c)), (Why.DUE, not_(due(c)))]",
             "    return [(Why.ENDED, active(c))]", "postgresql"),
    Mutation("append-seq-not-counted", "append", STEPS,
             '"last_seq": c.last_seq + N_EVENTS', '"last_seq": c.last_seq', "sqlite"),
    Mutation("append-forgets-stored-keys", "append", EVENTS,
             "stored = await uow.events.existing_keys(locked.pk, keys)", "stored = set()",
             "postgresql"),
    Mutation("close-bills-floor", "close", STEPS,
             "(whole + 59) // 60", "whole // 60", "postgresql"),
    Mutation("close-keeps-bound-key", "close", STEPS,
             "    Audit(\"session.close\", lambda: json_object(key(\"reason\"), REASON)),\n"
             "    revokes_keys=True,",
             "    Audit(\"session.close\", lambda: json_object(key(\"reason\"), REASON)),\n"
             "    revokes_keys=False,", "sqlite"),
    Mutation("close-ignores-dialect", "close", TARGETS,
             "        _optional(DIALECT, c.dialect),\n", "", "postgresql"),
    Mutation("close-reason-ignored", "close", STEPS,
             "_ended_by(Status.CLOSED, activity(c), REASON)",
             "_ended_by(Status.CLOSED, activity(c), key(CloseReason.CLIENT.value))", "sqlite"),
    Mutation("delete-keeps-events", "delete", STEPS,
             "    revokes_keys=True,\n    drops_events=True,\n)\n# HiveMP",
             "    revokes_keys=True,\n    drops_events=False,\n)\n# HiveMP", "sqlite"),
    Mutation("delete-record-at-now", "delete", STEPS,
             "(c.close_reason == CloseReason.DELETED.value, c.closed_at), else_=NOW",
             "(c.close_reason == CloseReason.DELETED.value, NOW), else_=NOW", "postgresql"),
    Mutation("delete-due-not-expired-first", "delete", CHANGES,
             "        if change.step is Step.DELETE and not change.live_only:",
             "        if False:", "sqlite"),
    Mutation("expire-at-sweep-time", "expire", STEPS,
             "_ended_by(Status.EXPIRED, c.expires_at, expiry_reason(c))",
             "_ended_by(Status.EXPIRED, NOW, expiry_reason(c))", "postgresql"),
    Mutation("expire-reason-always-idle", "expire", STEPS,
             "(at_deadline, key(CloseReason.MAX_LIFETIME.value))",
             "(at_deadline, key(CloseReason.IDLE_TIMEOUT.value))", "sqlite"),
    Mutation("supersede-any-scope", "supersede", SESSIONS,
             "req.scope, False)\n        change = Change(Step.CLOSE, target, clock.now(), "
             "reason=CloseReason.SUPERSEDED)",
             "req.scope, True)\n        change = Change(Step.CLOSE, target, clock.now(), "
             "reason=CloseReason.SUPERSEDED)", "postgresql"),
    Mutation("subject-close-drops-audit", "subject close", PLANS,
             "    if audited and once is not None:\n        dml.append",
             "    if False:\n        dml.append", "postgresql"),
    Mutation("subject-close-skips-due-expiry", "subject close", "src/sessionary/storage/"
             "transitions/run.py", "        return (EXPIRE, main)", "        return (main,)",
             "sqlite"),
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
