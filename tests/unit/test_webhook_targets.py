"""The webhook target policy: which addresses a delivery may reach, in every spelling."""

from __future__ import annotations

from ipaddress import ip_address, ip_network

import pytest

from sessionary.services.webhook_targets import (
    BlockedTarget,
    IPAddress,
    TargetPolicy,
    literal_address,
)

INTERNAL = {
    "127.0.0.1": "loopback",
    "127.255.255.254": "loopback",
    "::1": "loopback",
    "0.0.0.0": "unspecified",  # noqa: S104 - an address to refuse, not to bind
    "::": "unspecified",
    "10.1.2.3": "private",
    "172.16.0.1": "private",
    "192.168.1.1": "private",
    "fd00::1": "private",
    "169.254.169.254": "link-local",  # the cloud metadata service
    "fe80::1": "link-local",
    "100.64.0.1": "shared (CGNAT)",
    "224.0.0.1": "multicast",
    "ff02::1": "multicast",
    "240.0.0.1": "reserved",
    "255.255.255.255": "reserved",
    "198.18.0.1": "reserved",
    "192.0.2.1": "reserved",
    "2001:db8::1": "reserved",
    "100::1": "reserved",
    "::7f00:1": "reserved",  # IPv4-compatible, deprecated
    # IPv6 forms that reach an IPv4 address are judged by that address.
    "::ffff:127.0.0.1": "loopback",
    "::ffff:a9fe:a9fe": "link-local",
    "64:ff9b::a00:1": "private",  # NAT64 of 10.0.0.1
    "2002:7f00:1::": "loopback",  # 6to4 of 127.0.0.1
}


@pytest.mark.parametrize(("address", "kind"), INTERNAL.items())
def test_an_internal_address_is_refused_with_its_class(address: str, kind: str) -> None:
    assert TargetPolicy().refusal(ip_address(address)) == kind


@pytest.mark.parametrize(
    "address", ["8.8.8.8", "93.184.216.34", "2606:4700:4700::1111", "::ffff:8.8.8.8"]
)
def test_a_public_address_is_allowed(address: str) -> None:
    assert TargetPolicy().refusal(ip_address(address)) is None


@pytest.mark.parametrize(
    "spelling",
    ["127.1", "0x7f.1", "0x7f000001", "017700000001", "2130706433", "127.0.0.1.", "[::1]", "0"],
)
def test_every_numeric_spelling_of_an_address_is_read_as_the_resolver_reads_it(
    spelling: str,
) -> None:
    address = literal_address(spelling)
    assert address is not None and TargetPolicy().refusal(address) in ("loopback", "unspecified")


@pytest.mark.parametrize("name", ["example.com", "cafe.de", "deadbeef", "1.2.3.4 x", ""])
def test_a_name_is_not_taken_for_an_address(name: str) -> None:
    assert literal_address(name) is None


def test_allowed_networks_open_only_themselves_and_public_addresses_stay_allowed() -> None:
    policy = TargetPolicy([ip_network("127.0.0.0/8"), ip_network("fd00:1::/64")])
    assert policy.refusal(ip_address("127.0.0.9")) is None
    assert policy.refusal(ip_address("::ffff:127.0.0.9")) is None
    assert policy.refusal(ip_address("fd00:1::5")) is None
    assert policy.refusal(ip_address("8.8.8.8")) is None
    assert policy.refusal(ip_address("10.0.0.1")) == "private"
    assert policy.refusal(ip_address("::1")) == "loopback"
    assert policy.refusal(ip_address("fd00:2::5")) == "private"


def _resolving(*answers: str) -> TargetPolicy:
    async def resolver(host: str, port: int) -> list[IPAddress]:
        return [ip_address(a) for a in answers]

    return TargetPolicy(resolver=resolver)


async def test_a_name_with_one_internal_address_among_public_ones_is_refused() -> None:
    with pytest.raises(BlockedTarget) as caught:
        await _resolving("93.184.216.34", "10.0.0.7").vet("hooks.example.com", 443)
    assert caught.value.kind == "private"
    assert await _resolving("93.184.216.34").vet("hooks.example.com", 443) == [
        ip_address("93.184.216.34")
    ]


@pytest.mark.parametrize("name", ["localhost", "LOCALHOST.", "api.localhost"])
async def test_localhost_is_loopback_whatever_the_resolver_answers(name: str) -> None:
    with pytest.raises(BlockedTarget) as caught:
        await _resolving("93.184.216.34").vet(name, 80)
    assert caught.value.kind == "loopback"
