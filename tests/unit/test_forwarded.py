"""Which hop is the client: Forwarded (RFC 7239) and X-Forwarded-* parsed, walked right to left
past trusted proxies; malformed headers count as absent."""

from __future__ import annotations

import ipaddress

import pytest

from sessionary.http.forwarded import Hop, client_hop, forwarded, x_forwarded
from sessionary.http.proxy import apply, resolve

TRUSTED = (ipaddress.ip_network("10.0.0.0/8"), ipaddress.ip_network("fd00::/8"))


def client_of(xff: str, peer: str = "10.0.0.1") -> str | None:
    hops = x_forwarded([xff], [], [], peer)
    assert hops is not None
    return client_hop(hops, peer, TRUSTED).node


def test_the_first_untrusted_address_from_the_right_is_the_client() -> None:
    assert client_of("203.0.113.7, 198.51.100.1, 10.0.0.9") == "198.51.100.1"
    assert client_of("203.0.113.7, 10.0.0.8, 10.0.0.9") == "203.0.113.7"
    assert client_of("10.0.0.7, 10.0.0.8") == "10.0.0.7"  # all trusted: the leftmost
    assert client_of("203.0.113.7:5123, [2001:db8::1]:80") == "2001:db8::1"


def test_forwarded_elements_carry_their_own_scheme_host_and_port() -> None:
    hops = forwarded(['for="[2001:db8::17]:4711";proto=HTTPS;host=a.example', "for=10.0.0.9"])
    assert hops == [Hop("2001:db8::17", 4711, "https", "a.example"), Hop("10.0.0.9")]
    assert client_hop(hops, "10.0.0.1", TRUSTED) == hops[0]
    assert forwarded(["for=unknown, for=_h1d;by=_x"]) == [Hop("unknown"), Hop("_h1d")]


def test_a_hop_that_names_no_sender_stands_for_the_one_to_its_right() -> None:
    hops = forwarded(["proto=https"])
    assert hops is not None
    assert client_hop(hops, "10.0.0.1", TRUSTED) == Hop("10.0.0.1", 0, "https")


@pytest.mark.parametrize(
    "value",
    [
        "",
        "for",
        "for=",
        "for=1.2.3.4;;",
        "for=1.2.3.4 x",
        'for="1.2.3.4',
        "for=1.2.3.4:99999",
        "for=[::1]",
        "for=1.2.3.4;for=5.6.7.8",
        "host=a/b",
        "for=300.1.1.1",
        "x" * 9000,
    ],
)
def test_a_malformed_forwarded_header_counts_as_absent(value: str) -> None:
    assert forwarded([value]) is None


def test_proto_and_host_lists_line_up_with_the_addresses_or_come_once() -> None:
    hops = x_forwarded(["203.0.113.7, 10.0.0.9"], ["https, http"], ["a.example"], "10.0.0.1")
    assert hops == [
        Hop("203.0.113.7", 0, "https", "a.example"),
        Hop("10.0.0.9", 0, "http", "a.example"),
    ]
    assert x_forwarded([], ["https"], [], "10.0.0.1") == [Hop("10.0.0.1", 0, "https")]
    assert x_forwarded(["1.2.3.4"], ["ftp"], [], "10.0.0.1") is None


def scope(peer: str, *headers: tuple[bytes, bytes]) -> dict[str, object]:
    return {"type": "http", "client": (peer, 1234), "headers": [(b"host", b"inner:8000"), *headers]}


def test_the_scope_gets_the_client_scheme_and_host_of_a_trusted_peer_only() -> None:
    sent = scope(
        "::ffff:10.1.1.1",
        (b"x-forwarded-for", b"203.0.113.7"),
        (b"x-forwarded-proto", b"https"),
        (b"x-forwarded-host", b"api.example"),
    )
    resolved = apply(sent, resolve(sent, TRUSTED), None)
    assert (resolved["client"], resolved["scheme"]) == (("203.0.113.7", 0), "https")
    assert resolved["headers"][0] == (b"host", b"api.example")
    untrusted = {**sent, "client": ("203.0.113.9", 1)}
    assert resolve(untrusted, TRUSTED) is None
    assert apply(untrusted, None, ("https", "pub.example"))["headers"][0] == (
        b"host",
        b"pub.example",
    )
