"""ASGI middleware: request ids for every call, Idempotency-Key replay for /v1 writes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping, Sequence
from typing import Any

from litestar.datastructures import Headers

from ..domain.errors import Conflict, DomainError, InvalidIdempotencyKey, Unauthenticated
from ..observability.context import REQUEST_ID
from ..services.idempotency import Claim, Replay, fingerprint
from . import request_id as request_ids
from .deps import presented_secret
from .native.errors import status_of
from .problem import PROBLEM_JSON, problem_body

# Plain ASGI shapes: this module forwards messages unchanged, so it needs no narrower types.
Scope = MutableMapping[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
RawHeaders = Sequence[tuple[bytes, bytes]]

_MUTATING = {"POST", "PUT", "PATCH", "DELETE"}
_NOT_STORED = {401, 403, 408, 429}  # answers about the caller, not about the request
_REPLAYED = [(b"idempotent-replayed", b"true")]


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return str(value.decode("latin-1"))
    return None


def request_id_middleware(app: ASGIApp) -> Any:
    """Give every call its request id (``request_id.assign``) and echo it on the response."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        rid = request_ids.assign(scope)
        token = REQUEST_ID.set(rid)  # every log line written while serving carries it

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                echoed = (request_ids.HEADER, rid.encode())
                message["headers"] = [*message.get("headers", []), echoed]
            await send(message)

        try:
            await app(scope, receive, send_with_id)
        finally:
            REQUEST_ID.reset(token)

    return middleware


async def _send_json(
    send: Send, status: int, body: bytes, ctype: str, extra_headers: RawHeaders = ()
) -> None:
    headers = [(b"content-type", ctype.encode()), (b"content-length", str(len(body)).encode())]
    await send(
        {"type": "http.response.start", "status": status, "headers": [*headers, *extra_headers]}
    )
    await send({"type": "http.response.body", "body": body})


async def _problem(scope: Scope, send: Send, error: DomainError) -> None:
    """The answer the native API's error table gives: its request id, and ``Retry-After``
    when the error says when to retry (a key whose first request is still running)."""
    retry_after = error.data.get("retry_after")
    extra = {"retry_after": retry_after} if isinstance(retry_after, int) else None
    rid = request_ids.of_scope(scope)
    status = status_of(error)
    body = problem_body(status, error.code, error.message, request_id=rid, extra=extra)
    headers = [(b"retry-after", str(retry_after).encode())] if extra else []
    await _send_json(send, status, body, PROBLEM_JSON, headers)


async def _read_body(receive: Receive, limit: int) -> tuple[bytes, bool, list[Message]]:
    """Read the whole body if it fits under ``limit``; keep the messages to replay them."""
    messages: list[Message] = []
    size = 0
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            return b"", False, messages
        size += len(message.get("body", b""))
        if size > limit:
            return b"", False, messages
        if not message.get("more_body", False):
            return b"".join(m.get("body", b"") for m in messages), True, messages


def _replaying(messages: list[Message], receive: Receive) -> Receive:
    pending = list(messages)

    async def replay() -> Message:
        return pending.pop(0) if pending else await receive()

    return replay


class _Capture:
    def __init__(self, send: Send) -> None:
        self._send = send
        self.status = 500
        self.chunks: list[bytes] = []

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = int(message["status"])
        elif message["type"] == "http.response.body":
            self.chunks.append(message.get("body", b""))
        await self._send(message)


def idempotency_middleware(app: ASGIApp) -> Any:
    """Same key + same request replays the stored answer; same key + other body is a 409."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        key = _header(scope, b"idempotency-key") if scope["type"] == "http" else None
        if key is None or scope["method"] not in _MUTATING:
            await app(scope, receive, send)
            return
        if not 1 <= len(key) <= 200:
            await _problem(scope, send, InvalidIdempotencyKey("Idempotency-Key is 1-200 chars"))
            return
        await _idempotent(app, scope, receive, send, key)

    return middleware


async def _idempotent(app: ASGIApp, scope: Scope, receive: Receive, send: Send, key: str) -> None:
    container: Any = scope["app"].state.container
    headers = Headers.from_scope(scope)  # type: ignore[arg-type]
    try:
        principal = await container.auth.authenticate(presented_secret(headers))
    except Unauthenticated:
        await app(scope, receive, send)  # the route answers 401 itself
        return
    body, complete, messages = await _read_body(receive, container.settings.max_body_bytes)
    if not complete:
        await app(scope, _replaying(messages, receive), send)  # the route answers 413
        return
    scope_key = f"{principal.credential_pk}:{key}"
    path = scope["path"] + "?" + scope.get("query_string", b"").decode("latin-1")
    try:
        answer = await container.idempotency.begin(
            scope_key, fingerprint(scope["method"], path, body)
        )
    except Conflict as exc:
        await _problem(scope, send, exc)
        return
    if isinstance(answer, Replay):
        ctype = PROBLEM_JSON if answer.status >= 400 else "application/json"
        await _send_json(send, answer.status, answer.body, ctype, _REPLAYED)
        return
    await _run_and_store(app, scope, _replaying(messages, receive), send, container, answer)


async def _run_and_store(
    app: ASGIApp, scope: Scope, receive: Receive, send: Send, container: Any, claim: Claim
) -> None:
    capture = _Capture(send)
    release: Callable[[Claim], Awaitable[None]] = container.idempotency.release
    try:
        await app(scope, receive, capture.send)
    except BaseException:
        await release(claim)
        raise
    if capture.status >= 500 or capture.status in _NOT_STORED:
        await release(claim)
        return
    await container.idempotency.complete(claim, capture.status, b"".join(capture.chunks))
