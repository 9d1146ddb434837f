"""Native identifiers: ULID-shaped sortable ids and high-entropy secrets."""

from __future__ import annotations

import base64
import string
import time
from unittest import mock

from hypothesis import given
from hypothesis import strategies as st

from sessionary.domain import ids

CROCKFORD = "0123456789abcdefghjkmnpqrstvwxyz"
MAX_MILLIS = (1 << 48) - 1


def id_at(millis: int, prefix: str = "ses") -> str:
    # Half a millisecond in, so float rounding never lands on the previous millisecond.
    with mock.patch.object(time, "time", return_value=(millis + 0.5) / 1000):
        return ids.sortable_id(prefix)


def crockford_value(text: str) -> int:
    value = 0
    for char in text:
        value = value * 32 + CROCKFORD.index(char)
    return value


def test_a_sortable_id_is_the_prefix_and_26_crockford_characters() -> None:
    value = ids.sortable_id("ses")
    prefix, _, body = value.partition("_")
    assert prefix == "ses"
    assert len(value) == len("ses_") + 26
    assert set(body) <= set(CROCKFORD)


def test_the_crockford_alphabet_is_in_ascii_order() -> None:
    assert "".join(sorted(CROCKFORD)) == CROCKFORD


def test_the_first_ten_characters_encode_the_creation_millisecond() -> None:
    millis = 1_700_000_123_456
    body = id_at(millis).removeprefix("ses_")
    assert crockford_value(body[:10]) == millis


def test_ids_of_later_milliseconds_sort_after_earlier_ones() -> None:
    millis = [0, 1, 31, 32, 33, 1023, 1024, 1_700_000_000_000, 1_700_000_000_001, MAX_MILLIS]
    made = [id_at(m) for m in millis for _ in range(5)]
    for earlier, later in zip(made[::5], made[5::5], strict=False):
        assert earlier < later
    assert sorted(made[::5]) == made[::5]


@given(
    a=st.integers(min_value=0, max_value=MAX_MILLIS - 1),
    gap=st.integers(min_value=1, max_value=MAX_MILLIS),
)
def test_any_later_millisecond_gives_a_greater_id(a: int, gap: int) -> None:
    b = min(a + gap, MAX_MILLIS)
    assert id_at(a) < id_at(b)


def test_ids_made_in_the_same_millisecond_differ_in_their_random_part() -> None:
    made = {id_at(1_700_000_000_000) for _ in range(200)}
    assert len(made) == 200
    assert len({m[:14] for m in made}) == 1


def test_a_secret_token_has_the_prefix_and_192_random_bits_by_default() -> None:
    token = ids.secret_token("sk")
    assert token.startswith("sk_")
    body = token.removeprefix("sk_")
    assert len(body) == 32
    assert set(body) <= set(string.ascii_letters + string.digits + "-_")
    assert len(base64.urlsafe_b64decode(body)) == 24


def test_a_secret_token_can_carry_more_entropy() -> None:
    body = ids.secret_token("pt", nbytes=48).removeprefix("pt_")
    assert len(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))) == 48


def test_secret_tokens_do_not_repeat_and_use_the_whole_alphabet() -> None:
    tokens = [ids.secret_token("sk").removeprefix("sk_") for _ in range(500)]
    assert len(set(tokens)) == 500
    assert len(set("".join(tokens))) == 64
