"""Behind a proxy: the client's address, scheme and host, decided once at the edge.

The outermost wrapper of the app: when the peer is one of ``SESSIONARY_TRUSTED_PROXIES``, it
reads ``Forwarded`` (or, without it, ``X-Forwarded-For/-Proto/-Host``) and writes the answer
into the scope (``client``, ``scheme``, the ``Host`` header), so the access log, per-address
throttling and every URL built from ``request.base_url`` read the same client. From any other
peer those headers are ignored. ``SESSIONARY_PUBLIC_URL`` overrides the scheme and host of
every request, and ``base_url`` below adds its path.

granian has a proxy-headers wrapper of its own (``granian.utils.proxies``); it is not used:
it reads neither ``Forwarded`` nor ``X-Forwarded-Host``, and it would run only under granian,
not in the in-process test client that exercises every other layer."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from litestar import Litestar, Request

from . import forwarded as fwd

Scope = MutableMapping[str, Any]
ASGIApp = Callable[[Scope, Any, Any], Awaitable[None]]
PEER_KEY = "sessionary.peer"  # the connection's own peer, kept beside the resolved client
_WS = {"http": "ws", "https": "wss"}


def resolve(scope: Scope, networks: tuple[fwd.Network, ...]) -> fwd.Hop | None:
    """The client's hop as trusted proxies report it, or None when nothing is to be honoured
    (no trusted peer, no header, a malformed one)."""
    peer = scope.get("client")
    if not peer or not networks or not fwd.trusted(peer[0], networks):
        return None
    values = _header_values(scope["headers"])
    hops = fwd.forwarded(values.get(b"forwarded", []))
    if hops is None:
        hops = fwd.x_forwarded(
            values.get(b"x-forwarded-for", []),
            values.get(b"x-forwarded-proto", []),
            values.get(b"x-forwarded-host", []),
            peer[0],
        )
    return None if not hops else fwd.client_hop(hops, peer[0], networks)


def _header_values(headers: Sequence[tuple[bytes, bytes]]) -> dict[bytes, list[str]]:
    wanted = {b"forwarded", b"x-forwarded-for", b"x-forwarded-proto", b"x-forwarded-host"}
    found: dict[bytes, list[str]] = {}
    for name, value in headers:
        if name in wanted:
            found.setdefault(name, []).append(value.decode("latin-1"))
    return found


def apply(scope: Scope, hop: fwd.Hop | None, public: tuple[str, str] | None) -> Scope:
    """A copy of ``scope`` with the client, scheme and host of ``hop``, then of the public
    URL (``(scheme, host)``) when one is set."""
    scheme, host = (hop.proto, hop.host) if hop is not None else (None, None)
    if public is not None:
        scheme, host = public
    if hop is None and public is None:
        return scope
    new = dict(scope)
    new[PEER_KEY] = scope.get("client")
    if hop is not None and hop.node is not None:
        new["client"] = (hop.node, hop.port)
    if scheme is not None:
        new["scheme"] = _WS[scheme] if scope["type"] == "websocket" else scheme
    if host is not None:
        rest = [(k, v) for k, v in scope["headers"] if k != b"host"]
        new["headers"] = [(b"host", host.encode("latin-1")), *rest]
    return new


def behind_proxies(
    app: Litestar, networks: tuple[fwd.Network, ...], public_url: str | None
) -> None:
    """Wrap ``app.asgi_handler``; call it last, so that every other layer sees the result."""
    inner: ASGIApp = app.asgi_handler  # type: ignore[assignment]
    public = None
    if public_url:
        parts = urlsplit(public_url)
        public = (parts.scheme, parts.netloc)
    if not networks and public is None:
        return

    async def handler(scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] not in ("http", "websocket"):
            await inner(scope, receive, send)
            return
        await inner(apply(scope, resolve(scope, networks), public), receive, send)

    app.asgi_handler = handler  # type: ignore[assignment]


def base_url(request: Request[Any, Any, Any]) -> str:
    """Where clients reach this server, without a trailing slash: ``SESSIONARY_PUBLIC_URL``
    (path included) when set, else the request's own (scheme and host as resolved above)."""
    public: str | None = request.app.state.container.settings.public_url
    return public if public else str(request.base_url).rstrip("/")
