"""The listening socket: bound once, exclusively, by ``sessionary serve`` and shared by its
granian workers.

granian on Linux lets every worker bind its own socket with ``SO_REUSEPORT``. Any other process
of the same user may then join the port, and the kernel splits connections between them: a
second server on another database silently takes half the traffic, and so do the orphaned
workers of a killed server. A plain bind (``SO_REUSEADDR`` only, which on Linux never lets two
listeners share a port) fails at once with EADDRINUSE instead, and is atomic: there is no window
between a check and the real bind. The workers inherit the bound socket through ``fork``, as
granian does on other platforms."""

from __future__ import annotations

import errno
import socket
from typing import Any

from .drain import Drainer


class PortTaken(Exception):
    """Another process listens on the address."""


def bind_exclusive(host: str, port: int, backlog: int) -> socket.socket:
    """A listening TCP socket on ``host:port`` that no other process can share."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise OSError(f"cannot resolve {host!r}: {exc.strerror}") from exc
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    try:
        # Rebinding over connections in TIME_WAIT after a restart; never SO_REUSEPORT.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(backlog)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise PortTaken(f"{host}:{port} is already in use by another process") from exc
        raise
    sock.set_inheritable(True)
    return sock


def exclusive_granian(sock: socket.socket, drain_s: float = 0, **options: Any) -> Any:
    """A granian server whose workers serve ``sock`` instead of binding their own, and that
    drains for ``drain_s`` on SIGTERM (cli/drain.py)."""
    from granian import Granian  # imported late: only the server needs it
    from granian._granian import SocketHolder

    class ExclusiveGranian(Granian):  # type: ignore[misc,valid-type]
        def signal_handler_interrupt(self, signum: int = 0, *args: Any) -> None:
            if not hasattr(self, "_drainer"):
                stop = super().signal_handler_interrupt
                self._drainer = Drainer(drain_s, stop)
            self._drainer.signal(signum)

        def _init_shared_socket(self) -> None:
            # What granian's own code does where SO_REUSEPORT is not used: one socket, its fd
            # handed to every worker. ``_sso`` is closed by granian at shutdown.
            self._ssp = None
            self._sfd = sock.fileno()
            self._shd = SocketHolder(self._sfd, False, self.backlog)  # type: ignore[call-arg]
            self._sso = sock

    return ExclusiveGranian(**options)
