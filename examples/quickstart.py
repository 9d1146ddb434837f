"""Open a session, append events, close it, and read it back, with ``sessionary.client``.

Run it against a server with a tenant key (scopes sessions:write, events:write, ...):

    SESSIONARY_SERVER=http://127.0.0.1:8000 SESSIONARY_KEY=sk_... python examples/quickstart.py
"""

from __future__ import annotations

import os
import sys

from sessionary.client import Client, NewEvent, NotFound, Session, SessionNotActive


def run(server: str, key: str) -> Session:
    with Client(server, key) as client:
        session = client.open_session("user", "u-42", scope="quickstart", idle_timeout_s=900)
        print(f"opened {session.id} ({session.status})")

        result = client.append_events(
            session.id,
            [
                NewEvent(type="page_view", payload={"path": "/"}, dedupe_key="view-1"),
                {"type": "click", "payload": {"button": "buy"}},
                {"type": "page_view", "payload": {"path": "/"}, "dedupe_key": "view-1"},
            ],
        )
        print(f"appended {result.accepted} events, duplicates: {result.duplicates}")

        closed = client.close_session(session.id)
        print(f"closed after {closed.billed_minutes} billed minute(s)")
        try:
            client.close_session(session.id)
        except SessionNotActive as exc:
            print(f"a second close is refused: {exc.code}")

        for event in client.iter_events(session.id):
            print(f"  #{event.seq} {event.type} {event.payload}")
        try:
            client.get_session("ses_unknown")
        except NotFound as exc:
            print(f"unknown ids raise NotFound ({exc.status})")
        return client.get_session(session.id)


def main() -> int:
    server = os.environ.get("SESSIONARY_SERVER", "http://127.0.0.1:8000")
    key = os.environ.get("SESSIONARY_KEY")
    if not key:
        print("set SESSIONARY_KEY to a tenant API key", file=sys.stderr)
        return 2
    final = run(server, key)
    print(f"{final.id} is {final.status} with {final.event_count} events")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
