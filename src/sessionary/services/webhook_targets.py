"""Where webhooks may be delivered: public addresses, plus the networks the operator allows.

A tenant chooses the URL but the server makes the request, so without this policy a tenant
could have the server post to its own loopback, the private network or the cloud metadata
service, and read the outcome back from the deliveries list. The same policy decides when a
URL is accepted and again for every address actually connected to, because what a name
resolves to can change in between."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Iterable

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[[str, int], Awaitable[list[IPAddress]]]

# Explicit rather than ``ipaddress``'s is_global/is_private, whose ranges change between
# Python versions (3.11 calls 224.0.0.1 and 2002::/16 global).
_BLOCKED: tuple[tuple[IPNetwork, str], ...] = tuple(
    (ipaddress.ip_network(network), kind)
    for network, kind in (
        ("0.0.0.0/8", "unspecified"),
        ("10.0.0.0/8", "private"),
        ("100.64.0.0/10", "shared (CGNAT)"),
        ("127.0.0.0/8", "loopback"),
        ("169.254.0.0/16", "link-local"),  # 169.254.169.254: the cloud metadata service
        ("172.16.0.0/12", "private"),
        ("192.0.0.0/24", "reserved"),
        ("192.0.2.0/24", "reserved"),
        ("192.88.99.0/24", "reserved"),
        ("192.168.0.0/16", "private"),
        ("198.18.0.0/15", "reserved"),
        ("198.51.100.0/24", "reserved"),
        ("203.0.113.0/24", "reserved"),
        ("224.0.0.0/4", "multicast"),
        ("240.0.0.0/4", "reserved"),  # and the broadcast address
        ("::/128", "unspecified"),
        ("::1/128", "loopback"),
        ("64:ff9b:1::/48", "reserved"),  # local-use NAT64: the IPv4 part is not at a fixed place
        ("100::/64", "reserved"),
        ("2001::/23", "reserved"),  # Teredo and other protocol assignments
        ("2001:db8::/32", "reserved"),
        ("3fff::/20", "reserved"),
        ("fc00::/7", "private"),
        ("fe80::/10", "link-local"),
        ("fec0::/10", "private"),  # site-local, deprecated
        ("ff00::/8", "multicast"),
    )
)
_GLOBAL_UNICAST_V6 = ipaddress.IPv6Network("2000::/3")
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_IPV4_SPELLING = frozenset("0123456789abcdefxABCDEFX.")


class BlockedTarget(Exception):
    """A webhook target that is, or resolves to, an address the policy refuses."""

    def __init__(self, kind: str, address: IPAddress | None = None) -> None:
        super().__init__(f"webhook target is a {kind} address")
        self.kind = kind
        self.address = address  # for the operator's log only, never shown to the tenant


def embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one is routed to: IPv4-mapped, NAT64 (64:ff9b::/96), 6to4."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return address.sixtofour


def literal_address(host: str) -> IPAddress | None:
    """The address a host names by itself, in any spelling a resolver accepts (``127.1``,
    ``0x7f.1``, ``017700000001``, ``2130706433``, ``[::ffff:127.0.0.1]``, a trailing dot);
    None for a name."""
    bare = host.strip("[]").removesuffix(".")
    try:
        return ipaddress.ip_address(bare)
    except ValueError:
        pass
    # inet_aton is what getaddrinfo uses for IPv4; it ignores text after a space, so only
    # the characters of a number are given to it.
    if not bare or not set(bare) <= _IPV4_SPELLING:
        return None
    try:
        return ipaddress.IPv4Address(socket.inet_aton(bare))
    except OSError:
        return None


def local_name(host: str) -> bool:
    """``localhost`` and its subdomains are loopback whatever a resolver says (RFC 6761)."""
    name = host.lower().rstrip(".")
    return name == "localhost" or name.endswith(".localhost")


_LOCALHOST = ipaddress.IPv4Address("127.0.0.1")


async def system_resolver(host: str, port: int) -> list[IPAddress]:
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(ipaddress.ip_address(info[4][0]) for info in infos))


class TargetPolicy:
    """Public addresses are always allowed; blocked classes only inside ``allowed``."""

    def __init__(
        self, allowed: Iterable[IPNetwork] = (), resolver: Resolver = system_resolver
    ) -> None:
        self.allowed = tuple(allowed)
        self.resolver = resolver

    def refusal(self, address: IPAddress) -> str | None:
        """The class of address that is refused (for messages), or None when it may be used."""
        if any(address in network for network in self.allowed):
            return None
        if isinstance(address, ipaddress.IPv6Address):
            inner = embedded_ipv4(address)
            if inner is not None:
                return self.refusal(inner)
        for network, kind in _BLOCKED:
            if address in network:
                return kind
        if isinstance(address, ipaddress.IPv6Address) and address not in _GLOBAL_UNICAST_V6:
            return "reserved"
        return None

    async def vet(self, host: str, port: int) -> list[IPAddress]:
        """Every address ``host`` stands for, each allowed; raises BlockedTarget if any is
        refused (a name with one private address among public ones is refused: which one a
        connection uses is not ours to choose), OSError if it does not resolve."""
        literal = _LOCALHOST if local_name(host) else literal_address(host)
        addresses = [literal] if literal is not None else await self.resolver(host, port)
        for address in addresses:
            kind = self.refusal(address)
            if kind is not None:
                raise BlockedTarget(kind, address)
        return addresses
