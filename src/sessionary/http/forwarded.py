"""Reading ``Forwarded`` (RFC 7239) and ``X-Forwarded-For/-Proto/-Host``: which hop is the
client, and what scheme and host it asked for. Pure functions over raw header values; the
ASGI side (who is trusted, what is written into the scope) is ``proxy.py``.

Anything malformed makes the whole header count as absent: a proxy that writes garbage is
not one whose word should move a client address, and no request fails over it."""

from __future__ import annotations

import functools
import ipaddress
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address

_TCHARS = r"[!#$%&'*+.^_`|~0-9A-Za-z-]+"
_PAIR = re.compile(rf'\s*({_TCHARS})=({_TCHARS}|"(?:[^"\\]|\\.)*")\s*')
_OBFUSCATED = re.compile(r"_[A-Za-z0-9._-]+")
_HOST = re.compile(r"(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(:[0-9]{1,5})?")
_PROTOS = {"http", "https"}
_MAX_HEADER = 8192  # longer chains are not a proxy's doing


@dataclass(frozen=True, slots=True)
class Hop:
    """One forwarding step: who sent the request (an address, ``unknown`` or an obfuscated
    name; None when the proxy did not say), from which port, over which scheme, for which
    Host."""

    node: str | None
    port: int = 0
    proto: str | None = None
    host: str | None = None


# Parsing an address costs microseconds and the same few (proxies, busy clients) come back on
# every request: both answers are kept, per process.
@functools.lru_cache(maxsize=8192)
def parse_ip(text: str) -> Address | None:
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


@functools.lru_cache(maxsize=8192)
def trusted(node: str | None, networks: tuple[Network, ...]) -> bool:
    """Whether ``node`` is an address inside ``networks`` (an IPv4-mapped one as IPv4)."""
    address = parse_ip(node or "")
    if address is None:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return any(address in net for net in networks)


def client_hop(hops: Sequence[Hop], peer: str, networks: tuple[Network, ...]) -> Hop:
    """Walk right to left past the trusted proxies: the first hop not trusted is the client
    (the standard algorithm); when every hop is trusted, the leftmost. A hop that names no
    sender stands for the nearest sender to its right."""
    right = peer
    for hop in reversed(hops):
        if hop.node is None:
            return replace(hop, node=right)
        if not trusted(hop.node, networks):
            return hop
        right = hop.node
    return hops[0]


def forwarded(values: Iterable[str]) -> list[Hop] | None:
    """The hops of ``Forwarded`` header lines (one list), or None when absent or malformed."""
    text = ",".join(values)
    if not text.strip() or len(text) > _MAX_HEADER:
        return None
    hops: list[Hop] = []
    for element in _elements(text):
        if element is None:
            return None
        hop = _hop(element)
        if hop is None:
            return None
        hops.append(hop)
    return hops or None


def _elements(text: str) -> Iterable[dict[str, str] | None]:
    """Each comma-separated element as its pairs; None for one that does not parse."""
    pos, pairs = 0, dict[str, str]()
    while pos < len(text):
        match = _PAIR.match(text, pos)
        if match is None:
            yield None
            return
        name, value = match.group(1).lower(), match.group(2)
        if value.startswith('"'):
            value = re.sub(r"\\(.)", r"\1", value[1:-1])
        if name in pairs:  # RFC 7239 section 4: a parameter appears once per element
            yield None
            return
        pairs[name] = value
        pos = match.end()
        sep = text[pos : pos + 1]
        if sep not in ("", ",", ";"):
            yield None
            return
        pos += 1
        if sep != ";":
            yield pairs
            pairs = {}
    if pairs:
        yield pairs


def _hop(pairs: dict[str, str]) -> Hop | None:
    node, port = None, 0
    if "for" in pairs:
        parsed = _node(pairs["for"])
        if parsed is None:
            return None
        node, port = parsed
    proto = pairs.get("proto", "").lower() or None
    if proto is not None and proto not in _PROTOS:
        return None
    host = pairs.get("host")
    if host is not None and not valid_host(host):
        return None
    return Hop(node, port, proto, host)


def _node(value: str) -> tuple[str, int] | None:
    """RFC 7239 section 6: ``unknown``, ``_obfuscated``, an IPv4 address or a bracketed IPv6
    one, each with an optional (possibly obfuscated) port."""
    if value.lower() == "unknown" or _OBFUSCATED.fullmatch(value):
        return value, 0
    return _address_and_port(value)


def _address_and_port(value: str) -> tuple[str, int] | None:
    if value.startswith("["):
        address, bracket, rest = value[1:].partition("]")
        if not bracket or (rest and not rest.startswith(":")):
            return None
        port = rest[1:] if rest else None
    elif value.count(":") == 1:
        address, _, port = value.partition(":")
    else:  # IPv4, or IPv6 unbracketed (as X-Forwarded-For writes it)
        address, port = value, None
    ip = parse_ip(address)
    if ip is None:
        return None
    if port is None or _OBFUSCATED.fullmatch(port):
        return str(ip), 0
    return (str(ip), int(port)) if port.isdigit() and int(port) < 65536 else None


def x_forwarded(
    xff: Iterable[str], protos: Iterable[str], hosts: Iterable[str], peer: str
) -> list[Hop] | None:
    """The hops of ``X-Forwarded-For``, each with the ``-Proto`` and ``-Host`` its proxy
    wrote: the value at the same position when each proxy appended one, the single value when
    only one proxy set it. Without ``X-Forwarded-For`` the peer itself is the one hop."""
    addresses = _split(xff)
    proto_list = [p.lower() for p in _split(protos) or []]
    host_list = _split(hosts) or []
    if addresses is None or any(p not in _PROTOS for p in proto_list):
        return None
    if not all(map(valid_host, host_list)):
        return None
    nodes = [_address_and_port(a) for a in addresses] or [(peer, 0)]
    if any(n is None for n in nodes):
        return None
    count = len(nodes)
    return [
        Hop(n[0], n[1], _aligned(proto_list, i, count), _aligned(host_list, i, count))
        for i, n in enumerate(nodes)
        if n is not None
    ]


def _split(values: Iterable[str]) -> list[str] | None:
    text = ",".join(values)
    if len(text) > _MAX_HEADER:
        return None
    items = [item.strip() for item in text.split(",")] if text.strip() else []
    return None if any(not item for item in items) else items


def _aligned(values: Sequence[str], index: int, count: int) -> str | None:
    if len(values) == count:
        return values[index]
    return values[0] if len(values) == 1 else None


def valid_host(value: str) -> bool:
    return len(value) <= 255 and _HOST.fullmatch(value) is not None
