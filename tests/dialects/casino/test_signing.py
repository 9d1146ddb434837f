"""Spec §3: the body hash. The worked vectors verify with ``signing.sign``, integers sign as
sent, null and empty values are left out, and the comparison ignores hex case."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from sessionary.http.dialects.casino.signing import sign, signing_string, verify

from .helpers import JsonObject

FULL = {
    "secureLogin": "S100",
    "userId": "tester",
    "gameId": "lm_1_pumpkinfarm",
    "clearHistory": "1",
}
VECTORS: list[tuple[JsonObject, str, str]] = [
    (FULL, "testKey", "31469c207596d2036bff7677bbc6653f"),
    (
        {"secureLogin": "S100", "userId": "tester", "clearHistory": "0"},
        "testKey",
        "d42368a9ceee921da5aaccc11ce5151f",
    ),
    ({"secureLogin": "S100", "userId": "tester"}, "testKey", "410c83f370f6ebda32047739963aa772"),
    (
        {"clearHistory": "1", "gameId": "lm_1_pumpkinfarm", "secureLogin": "S100"},
        "testKey",
        "842a5ee51b0a814ae333bab40d2a07c4",
    ),
    (FULL, "otherKey", "c504bb04877a226811a83949ccae19ef"),
]


@pytest.mark.parametrize(("params", "secret", "digest"), VECTORS)
def test_every_worked_vector_of_section_3_signs_to_its_digest(
    params: JsonObject, secret: str, digest: str
) -> None:
    assert sign(params, secret) == digest
    assert verify(params, secret, digest)
    assert verify({**params, "hash": digest}, secret, digest)


def test_the_worked_example_joins_sorted_keys_and_appends_the_secret() -> None:
    string = "clearHistory=1&gameId=lm_1_pumpkinfarm&secureLogin=S100&userId=tester"
    assert signing_string(FULL) == string
    expected = hashlib.md5((string + "testKey").encode(), usedforsecurity=False).hexdigest()
    assert sign(FULL, "testKey") == expected


def test_integer_clear_history_gives_the_same_digest_as_the_string() -> None:
    assert sign({**FULL, "clearHistory": 1}, "testKey") == "31469c207596d2036bff7677bbc6653f"
    zero = {"secureLogin": "S100", "userId": "tester", "clearHistory": 0}
    assert sign(zero, "testKey") == "d42368a9ceee921da5aaccc11ce5151f"


def test_the_hash_key_itself_and_null_or_empty_values_are_not_signed() -> None:
    noisy = {**FULL, "hash": "whatever", "lobbyURL": "", "region": None}
    assert sign(noisy, "testKey") == "31469c207596d2036bff7677bbc6653f"


def test_keys_sort_by_byte_order_so_upper_case_comes_first() -> None:
    assert signing_string({"b": "1", "B": "2", "a": "3"}) == "B=2&a=3&b=1"


def test_the_comparison_ignores_hex_case_but_not_any_other_difference() -> None:
    assert verify(FULL, "testKey", "31469C207596D2036BFF7677BBC6653F")
    assert not verify(FULL, "testKey", "31469c207596d2036bff7677bbc6653e")
    assert not verify(FULL, "testKey", " 31469c207596d2036bff7677bbc6653f")
    assert not verify(FULL, "otherKey", "31469c207596d2036bff7677bbc6653f")


def test_verify_compares_digests_in_constant_time(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", spy)
    assert verify(FULL, "testKey", "31469C207596D2036BFF7677BBC6653F")
    assert calls == [(b"31469c207596d2036bff7677bbc6653f", b"31469c207596d2036bff7677bbc6653f")]
