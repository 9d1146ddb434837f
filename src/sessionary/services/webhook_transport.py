"""The HTTP client side of webhook delivery: connections only to addresses the target policy
allows, and what a tenant is told about a failed attempt.

The policy is applied where the socket is opened: httpcore asks the network backend for a
connection to the URL's host, and this backend resolves the name itself, checks every
address and connects to a checked one. A check made earlier (at create time, or by resolving
before the request) could be undone by a DNS answer that changes in between. TLS still
verifies the URL's host name: httpcore hands it to ``start_tls`` as the server name."""

from __future__ import annotations

import logging
import socket
import ssl
import typing
from collections.abc import Iterator

import anyio
import httpcore
import httpx

from .webhook_targets import BlockedTarget, IPAddress, TargetPolicy

log = logging.getLogger("sessionary.webhooks")
SocketOption = (
    tuple[int, int, int] | tuple[int, int, bytes | bytearray] | tuple[int, int, None, int]
)


class GuardedBackend(httpcore.AnyIOBackend):
    def __init__(self, policy: TargetPolicy) -> None:
        self._policy = policy

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's signature
        local_address: str | None = None,
        socket_options: typing.Iterable[SocketOption] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            # One budget for resolving and connecting, as the connect timeout promises.
            with anyio.fail_after(timeout):
                addresses = await self._policy.vet(host, port)
                return await self._first(addresses, port, local_address, socket_options)
        except BlockedTarget as exc:  # the operator may mean to allow it: say what and where
            log.warning(
                "webhook target refused",
                extra={"host": host, "address": str(exc.address), "class": exc.kind},
            )
            raise
        except TimeoutError as exc:
            raise httpcore.ConnectTimeout(str(exc)) from exc
        except OSError as exc:  # the name did not resolve
            raise httpcore.ConnectError(str(exc)) from exc

    async def _first(
        self,
        addresses: list[IPAddress],
        port: int,
        local_address: str | None,
        socket_options: typing.Iterable[SocketOption] | None,
    ) -> httpcore.AsyncNetworkStream:
        """A connection to the first checked address that answers."""
        failure: httpcore.ConnectError | None = None
        for address in addresses:
            try:
                return await super().connect_tcp(
                    str(address), port, None, local_address, socket_options
                )
            except httpcore.ConnectError as exc:
                failure = exc
        assert failure is not None  # vet() returns at least one address or raises
        raise failure


class GuardedTransport(httpx.AsyncHTTPTransport):
    """httpx's transport with the guarded backend. httpx takes no backend, so the connection
    pool is replaced by one built the same way; a transport of our own also means proxies
    from the environment are not used (they would connect to an address we never check)."""

    def __init__(self, policy: TargetPolicy) -> None:
        super().__init__(trust_env=False)
        limits = httpx.Limits(max_connections=100, max_keepalive_connections=20)
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=True),  # SSL_CERT_FILE still counts
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=GuardedBackend(policy),
        )


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """The exception, its causes and contexts, and the members of exception groups."""
    seen: set[int] = set()
    todo: list[BaseException] = [exc]
    while todo:
        current = todo.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        todo.extend(e for e in (current.__cause__, current.__context__) if e is not None)
        if isinstance(current, BaseExceptionGroup):
            todo.extend(current.exceptions)


BLOCKED = "blocked target"
_CLASSES: tuple[tuple[tuple[type[BaseException], ...], str], ...] = (
    ((BlockedTarget,), BLOCKED),
    ((httpx.InvalidURL,), "invalid URL"),
    ((TimeoutError, httpx.TimeoutException, httpcore.TimeoutException), "timed out"),
    ((ssl.SSLError, ssl.CertificateError), "TLS"),
    ((socket.gaierror,), "host not found"),
    ((ConnectionRefusedError,), "refused"),
    ((ConnectionResetError, BrokenPipeError, httpx.RemoteProtocolError), "connection closed"),
    ((httpx.ConnectError,), "connect failed"),
    ((httpx.HTTPError, OSError), "connection failed"),
)


def failure_class(exc: BaseException) -> str | None:
    """What a tenant is told about a failed attempt: the kind of failure, never the exception's
    text, which may hold internal addresses or the URL's credentials. None: not a failure of
    the network or of the receiver."""
    found = list(_chain(exc))
    for types, kind in _CLASSES:
        if any(isinstance(e, types) for e in found):
            return kind
    return None
