"""Wire times: microseconds to ISO-8601 UTC with milliseconds and a Z, and back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sessionary.domain.model import SECOND
from sessionary.http.native.present import iso, iso_or_none, to_micros


@pytest.mark.parametrize(
    ("micros", "text"),
    [
        (0, "1970-01-01T00:00:00.000Z"),
        (1_234_567, "1970-01-01T00:00:01.234Z"),
        (999_999, "1970-01-01T00:00:00.999Z"),
        (-1, "1969-12-31T23:59:59.999Z"),
        (1_709_210_096_789_000, "2024-02-29T12:34:56.789Z"),
    ],
)
def test_iso_writes_utc_with_milliseconds_and_a_z(micros: int, text: str) -> None:
    assert iso(micros) == text


def test_iso_truncates_rather_than_rounds_sub_millisecond_time() -> None:
    assert iso(1_999) == "1970-01-01T00:00:00.001Z"


def test_iso_or_none_passes_none_through() -> None:
    assert iso_or_none(None) is None
    assert iso_or_none(SECOND) == "1970-01-01T00:00:01.000Z"


def test_a_naive_datetime_is_taken_as_utc() -> None:
    naive = datetime(2024, 2, 29, 12, 34, 56, 789_000)
    assert to_micros(naive) == to_micros(naive.replace(tzinfo=UTC)) == 1_709_210_096_789_000


def test_an_aware_datetime_in_another_zone_is_converted_to_utc() -> None:
    paris_summer = timezone(timedelta(hours=2))
    local = datetime(2024, 6, 1, 14, 0, tzinfo=paris_summer)
    assert to_micros(local) == to_micros(datetime(2024, 6, 1, 12, 0, tzinfo=UTC))
    assert iso(to_micros(local)) == "2024-06-01T12:00:00.000Z"


def test_to_micros_keeps_microseconds() -> None:
    assert to_micros(datetime(1970, 1, 1, 0, 0, 1, 5, tzinfo=UTC)) == SECOND + 5


@given(
    moment=st.datetimes(
        min_value=datetime(1971, 1, 1), max_value=datetime(2200, 1, 1), timezones=st.just(UTC)
    )
)
def test_iso_of_to_micros_matches_the_datetime_to_the_millisecond(moment: datetime) -> None:
    text = iso(to_micros(moment))
    assert text.endswith("Z")
    parsed = datetime.fromisoformat(text)
    assert parsed.tzinfo is not None
    assert timedelta(0) <= moment - parsed < timedelta(milliseconds=1)


@given(st.datetimes(timezones=st.just(UTC)))
def test_to_micros_is_the_exact_count_of_microseconds_since_the_epoch(moment: datetime) -> None:
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    assert to_micros(moment) == (moment - epoch) // timedelta(microseconds=1)
