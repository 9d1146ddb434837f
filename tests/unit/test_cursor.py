"""Opaque page cursors: round trips, and forged cursors answer InvalidInput."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sessionary.domain.errors import InvalidInput
from sessionary.http.native import cursor


def forged(raw: str) -> str:
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


@pytest.mark.parametrize("position", [0, 1, 42, 10**6, 2**63 - 1])
@pytest.mark.parametrize("kind", ["s", "e", "j"])
def test_a_cursor_decodes_to_the_position_it_encoded(kind: str, position: int) -> None:
    assert cursor.decode(kind, cursor.encode(kind, position)) == position


def test_a_string_position_decodes_to_its_number() -> None:
    assert cursor.decode("s", cursor.encode("s", "1234")) == 1234


@given(position=st.integers(min_value=0, max_value=2**63 - 1))
def test_every_position_a_database_key_can_hold_round_trips(position: int) -> None:
    assert cursor.decode("e", cursor.encode("e", position)) == position


def test_a_cursor_is_url_safe_and_unpadded() -> None:
    value = cursor.encode("s", 10**30)
    assert "=" not in value
    assert set(value) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


@pytest.mark.parametrize("missing", [None, ""])
def test_no_cursor_means_the_first_page(missing: str | None) -> None:
    assert cursor.decode("s", missing) is None


@pytest.mark.parametrize(
    "garbage",
    [
        "!!!",
        "not a cursor",
        "czo",
        "é",
        forged("s:"),
        forged("s:abc"),
        forged("5"),
        forged("s:1:2"),
    ],
)
def test_a_garbage_cursor_is_invalid_input(garbage: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        cursor.decode("s", garbage)
    assert caught.value.data == {"field": "cursor"}


def test_a_cursor_of_another_kind_is_refused() -> None:
    with pytest.raises(InvalidInput) as caught:
        cursor.decode("s", cursor.encode("e", 5))
    assert caught.value.data == {"field": "cursor"}


def test_a_negative_position_is_refused() -> None:
    with pytest.raises(InvalidInput):
        cursor.decode("s", cursor.encode("s", -1))


def test_a_cursor_longer_than_64_characters_is_refused() -> None:
    long_cursor = cursor.encode("s", 10**60)
    assert len(long_cursor) > 64
    with pytest.raises(InvalidInput):
        cursor.decode("s", long_cursor)


def test_a_cursor_with_non_ascii_bytes_inside_is_refused() -> None:
    inner = base64.urlsafe_b64encode("s:\u00e91".encode()).decode()
    with pytest.raises(InvalidInput):
        cursor.decode("s", inner)


def test_a_huge_forged_number_is_refused_not_a_crash() -> None:
    with pytest.raises(InvalidInput):
        cursor.decode("s", forged("s:" + "9" * 5000))


@pytest.mark.parametrize("tampered", ["czo1$$", "cz o1", "czo1.", "czoxMA===x"])
def test_a_cursor_with_characters_outside_the_url_safe_alphabet_is_refused(tampered: str) -> None:
    # Each of these is a real cursor ("czo1" = s:5, "czoxMA" = s:10) with bytes added.
    with pytest.raises(InvalidInput):
        cursor.decode("s", tampered)
