"""The wire format of GET /v1/events messages."""

from __future__ import annotations

import json

from sessionary.domain.model import LifecycleRecord
from sessionary.http.draining import Stop
from sessionary.http.native.stream import _messages, message
from sessionary.services.stream import Position


class QuietReader:
    async def page(self, *args: object) -> list[LifecycleRecord]:
        return []


async def test_a_keepalive_is_a_comment_alone_so_clients_see_no_empty_event() -> None:
    reader = QuietReader()
    stream = _messages(reader, 1, (0, 0), (None, None), 0.001, 0.0, Stop())  # type: ignore[arg-type]
    assert await anext(stream) == b"retry: 1000\n\n"
    assert await anext(stream) == b": keepalive\n\n"
    await stream.aclose()


async def test_a_stream_ends_cleanly_when_the_server_stops() -> None:
    stop = Stop()
    stream = _messages(QuietReader(), 1, (0, 0), (None, None), 60.0, 60.0, stop)  # type: ignore[arg-type]
    assert await anext(stream) == b"retry: 1000\n\n"
    stop.event.set()
    assert [m async for m in stream] == []


def test_a_record_is_one_message_with_its_id_type_and_json() -> None:
    record = LifecycleRecord(
        1, 2, "ses_1", "closed", 1_700_000_000_000_000, "client", {"a": "x\ny"}, id=42
    )
    text = message(record).decode()
    lines = text.split("\n")
    assert lines[:2] == ["id: 42", "event: closed"]
    assert lines[2].startswith("data: ") and text.endswith("\n\n") and len(lines) == 5
    body = json.loads(lines[2].removeprefix("data: "))
    assert body["id"] == "42" and body["session_id"] == "ses_1" and body["data"] == {"a": "x\ny"}


def test_positions_are_pairs() -> None:
    position: Position = (0, 0)
    assert position < (0, 1) < (1, 0)
