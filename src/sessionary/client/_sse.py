"""Server-sent events (the WHATWG ``text/event-stream`` format), line by line.

Transport-free, so the sync and async clients share it: they feed it lines and hand out what
it dispatches."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import msgspec

from ._errors import StreamProtocolError
from ._models import StreamEvent


@dataclass(frozen=True, slots=True)
class ServerSentEvent:
    event: str
    data: str
    id: str | None


class SSEDecoder:
    """Feed it one line at a time (without the line break); a blank line dispatches."""

    def __init__(self) -> None:
        self._event = ""
        self._data: list[str] = []
        self._seen_data = False
        self.last_id: str | None = None
        self.retry_ms: int | None = None

    def feed(self, line: str) -> ServerSentEvent | None:
        if not line:
            return self._dispatch()
        if line.startswith(":"):
            return None  # a comment, e.g. the server's keepalive
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "event":
            self._event = value
        elif name == "data":
            self._data.append(value)
            self._seen_data = True
        elif name == "id" and "\0" not in value:
            self.last_id = value
        elif name == "retry" and value.isdigit():
            self.retry_ms = int(value)
        return None

    def _dispatch(self) -> ServerSentEvent | None:
        event, data, seen = self._event or "message", "\n".join(self._data), self._seen_data
        self._event, self._data, self._seen_data = "", [], False
        if not seen:
            return None
        return ServerSentEvent(event=event, data=data, id=self.last_id)


def to_stream_event(message: ServerSentEvent) -> StreamEvent:
    """``data`` is one JSON object with at least ``id``, ``type``, ``session_id`` and ``at``."""
    try:
        data: Any = msgspec.json.decode(message.data)
    except msgspec.DecodeError as exc:
        raise StreamProtocolError(f"event data is not JSON: {message.data[:100]!r}") from exc
    if not isinstance(data, dict):
        raise StreamProtocolError("event data is not a JSON object")
    raw_id = message.id if message.id not in (None, "") else data.get("id")
    try:
        event_id = int(str(raw_id))
    except ValueError as exc:
        raise StreamProtocolError(f"event id is not an integer: {raw_id!r}") from exc
    session_id = data.get("session_id")
    return StreamEvent(
        id=event_id,
        type=message.event if message.event != "message" else str(data.get("type", "message")),
        session_id=session_id if isinstance(session_id, str) else None,
        at=str(data.get("at", "")),
        data=data,
    )
