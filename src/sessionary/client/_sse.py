"""Server-sent events (the WHATWG ``text/event-stream`` format), line by line.

Transport-free, so the sync and async clients share it: they feed it lines and hand out what
it dispatches."""

from __future__ import annotations

from dataclasses import dataclass

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
    """``data`` is one lifecycle record as JSON (the server's ``StreamEventOut``)."""
    try:
        return msgspec.json.decode(message.data, type=StreamEvent)
    except msgspec.DecodeError as exc:  # ValidationError included
        raise StreamProtocolError(f"not a lifecycle record: {exc}") from exc
