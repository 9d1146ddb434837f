"""What every route of every surface does the same way, below the dialects: ``HEAD`` is
``GET`` without a body, ``OPTIONS`` answers 204 with an ``Allow`` header that lists every method
of the path, and a request body must arrive within a deadline.

Done around Litestar's router rather than per route: each dialect mounts its own routes, and
a rule kept in one place cannot be forgotten by the next route. Litestar's own OPTIONS answer
is not used: its ``Allow`` lists the methods registered when the first handler of a path was,
so ``OPTIONS /v1/sessions`` said "OPTIONS, POST" of a path that also serves GET."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from litestar import Litestar
from litestar.exceptions import ClientException, MethodNotAllowedException, NotFoundException
from litestar.utils import normalize_path

Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[dict[str, Any], Receive, Send], Coroutine[Any, Any, None]]
_NO_SUCH_METHOD = "QUERY-ALLOWED-METHODS"  # served by no route: routing answers with the Allow list


class BodyTimeout(ClientException):
    """The request body did not arrive within ``http_body_timeout_s``: 408, and the connection
    is closed (the rest of the body is never read)."""

    status_code = 408


def edge(app: Litestar, body_timeout_s: float) -> None:
    """Wrap ``app.asgi_handler`` with the rules above."""
    inner: ASGIApp = app.asgi_handler  # type: ignore[assignment]

    async def handler(scope: dict[str, Any], receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await inner(scope, receive, send)
            return
        method = scope["method"]
        if method == "OPTIONS" and (allow := allowed_methods(app, scope["path"])) is not None:
            await _no_content(send, allow)
            return
        receive = _body_deadline(receive, body_timeout_s)
        if method == "HEAD":
            await _head_as_get(inner, scope, receive, send)
            return
        await inner(scope, receive, send)

    app.asgi_handler = handler  # type: ignore[assignment]


def allowed_methods(app: Litestar, path: str) -> str | None:
    """The ``Allow`` value of a routed path (HEAD wherever GET is), or None when the path is
    not a route (its surface answers 404 in its own shape) or is a mounted ASGI app."""
    try:
        app.asgi_router.handle_routing(path=normalize_path(path), method=_NO_SUCH_METHOD)
    except MethodNotAllowedException as exc:
        methods = {m.strip() for m in (exc.headers or {}).get("allow", "").split(",") if m}
    except (NotFoundException, ClientException):
        return None
    else:
        return None
    if "GET" in methods:
        methods.add("HEAD")
    return ", ".join(sorted(methods | {"OPTIONS"}))


async def _no_content(send: Send, allow: str) -> None:
    headers = [(b"allow", allow.encode()), (b"content-length", b"0")]
    await send({"type": "http.response.start", "status": 204, "headers": headers})
    await send({"type": "http.response.body", "body": b"", "more_body": False})


def _body_deadline(receive: Receive, timeout_s: float) -> Receive:
    """``receive`` that raises ``BodyTimeout`` when the body is not complete ``timeout_s``
    after the request started. Once it is, receive waits as long as it likes: a stream's
    disconnect listener waits on it for hours."""
    deadline = asyncio.get_running_loop().time() + timeout_s
    complete = False

    async def timed() -> Message:
        nonlocal complete
        if complete:
            return await receive()
        try:
            async with asyncio.timeout_at(deadline):
                message = await receive()
        except TimeoutError:
            raise BodyTimeout("the request body did not arrive in time") from None
        complete = message["type"] != "http.request" or not message.get("more_body", False)
        return message

    return timed


async def _head_as_get(app: ASGIApp, scope: dict[str, Any], receive: Receive, send: Send) -> None:
    """Run the GET route, send its status and headers (``Content-Length`` included), drop the
    body. A streaming route (the event stream) is cancelled once its headers are out."""
    streaming = asyncio.Event()
    sent_body = False

    async def head_send(message: Message) -> None:
        nonlocal sent_body
        if message["type"] == "http.response.body":
            if sent_body:
                return
            sent_body = True
            if message.get("more_body", False):
                streaming.set()
            message = {"type": "http.response.body", "body": b"", "more_body": False}
        await send(message)

    # The scope itself, not a copy: the access log and metrics read the route routing wrote
    # into it, and report the method the client sent.
    scope["method"] = "GET"
    task = asyncio.create_task(app(scope, receive, head_send))
    stop = asyncio.create_task(streaming.wait())
    try:
        await asyncio.wait({task, stop}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stop.cancel()
        task.cancel()  # nothing left to do once the headers are out; a no-op when finished
        with contextlib.suppress(asyncio.CancelledError):
            await task
        scope["method"] = "HEAD"
