"""The CLI against a running server (``--server``/``--key``) instead of the database.

The commands print the same JSON and tables as their local versions; the tenant is the
key's own, so ``--tenant`` is not used."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import msgspec
import typer

from ..client import Client, Session, SessionaryError
from .common import emit_json, emit_table, fail

T = TypeVar("T")


@dataclass(frozen=True)
class Remote:
    server: str
    key: str


def configure(server: str | None, key: str | None) -> Remote | None:
    """Check the global options once; None means: work on the database directly."""
    if server is None:
        if key is not None:
            fail("--key (SESSIONARY_KEY) needs --server (SESSIONARY_SERVER)", 2)
        return None
    if not key:
        fail("--server needs --key (or SESSIONARY_KEY): the API key to call it with", 2)
    return Remote(server, key)


def target(ctx: typer.Context, tenant: str | None) -> Remote | None:
    """The server given to this invocation, if any; ``--tenant`` goes with the database only."""
    remote = ctx.find_root().obj
    if not isinstance(remote, Remote):
        if tenant is None:
            fail("--tenant is required (or give --server and --key to use a server)", 2)
        return None
    if tenant is not None:
        fail("--tenant is not used with --server: the key belongs to one tenant", 2)
    return remote


def call(remote: Remote, work: Callable[[Client], T]) -> T:
    try:
        with Client(remote.server, remote.key) as client:
            return work(client)
    except SessionaryError as exc:
        fail(str(exc))
    except ValueError as exc:
        fail(str(exc), 2)


def session_row(s: Session) -> list[Any]:
    return [
        s.id,
        s.status,
        f"{s.subject.kind}/{s.subject.id}",
        s.scope,
        s.opened_at,
        s.billed_minutes,
    ]


def list_sessions(remote: Remote, columns: Sequence[str], json: bool, **filters: Any) -> None:
    page = call(remote, lambda c: c.list_sessions(**filters))
    if json:
        emit_json([msgspec.to_builtins(s) for s in page.items])
    else:
        emit_table(f"sessions at {remote.server}", columns, [session_row(s) for s in page.items])


def one_session(
    remote: Remote, action: str, session_id: str, columns: Sequence[str], json: bool
) -> None:
    def work(c: Client) -> Session:
        if action == "close":
            return c.close_session(session_id, reason="admin")
        if action == "delete":
            return c.delete_session(session_id)
        return c.get_session(session_id)

    session = call(remote, work)
    if json:
        emit_json(msgspec.to_builtins(session))
    else:
        emit_table(session.id, columns, [session_row(session)])
