"""Design rule 5: billed minutes = ceil(active seconds / 60), 0 when unmetered."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sessionary.domain.model import SECOND, Micros
from sessionary.domain.session import CloseReason

from .factories import T0, at, make_session

DAY_S = 86_400


@pytest.mark.parametrize(
    ("elapsed", "minutes"),
    [
        (0, 0),
        (1, 0),
        (SECOND - 1, 0),
        (SECOND, 1),
        (60 * SECOND - 1, 1),
        (60 * SECOND, 1),
        (60 * SECOND + 1, 1),
        (61 * SECOND, 2),
        (120 * SECOND, 2),
        (3600 * SECOND + 1, 60),
        (3601 * SECOND, 61),
    ],
)
def test_an_active_session_bills_started_minutes_up_to_now(elapsed: Micros, minutes: int) -> None:
    session = make_session()
    assert session.billed_minutes(T0 + elapsed) == minutes


def test_billing_counts_whole_seconds_so_sixty_one_seconds_is_two_minutes() -> None:
    assert make_session().billed_minutes(at(0.999)) == 0
    assert make_session().billed_minutes(at(60) + 999_999) == 1
    assert make_session().billed_minutes(at(61)) == 2


def test_an_unmetered_session_bills_nothing_however_long_it_runs() -> None:
    session = make_session(metered=False)
    assert session.billed_minutes(at(DAY_S)) == 0
    session.close(at(DAY_S), CloseReason.CLIENT)
    assert session.billed_minutes(at(2 * DAY_S)) == 0


def test_a_closed_session_bills_to_its_close_time() -> None:
    session = make_session(idle_timeout_s=3600)
    session.close(at(61), CloseReason.CLIENT)
    assert session.billed_minutes(at(61)) == 2
    assert session.billed_minutes(at(DAY_S)) == 2


def test_a_due_session_bills_to_its_expiry_not_to_now() -> None:
    session = make_session(idle_timeout_s=90)
    assert session.billed_minutes(at(10 * DAY_S)) == 2


def test_making_an_expiry_durable_does_not_change_the_bill() -> None:
    session = make_session(idle_timeout_s=150)
    before = session.billed_minutes(at(DAY_S))
    session.expire(at(DAY_S))
    assert before == session.billed_minutes(at(2 * DAY_S)) == 3


def test_deleting_an_active_session_stops_the_meter() -> None:
    session = make_session()
    session.delete(at(30))
    assert session.billed_minutes(at(DAY_S)) == 1


def test_deleting_a_closed_session_keeps_the_bill_of_the_close() -> None:
    session = make_session()
    session.close(at(125), CloseReason.CLIENT)
    session.delete(at(DAY_S))
    assert session.billed_minutes(at(2 * DAY_S)) == 3


def test_a_clock_before_the_open_time_bills_nothing() -> None:
    assert make_session().billed_minutes(at(-30)) == 0


offsets = st.integers(min_value=0, max_value=30 * DAY_S * SECOND)
idle_timeouts = st.none() | st.integers(min_value=1, max_value=DAY_S)
lifetimes = st.none() | st.integers(min_value=1, max_value=2 * DAY_S)


@given(
    times=st.lists(offsets, min_size=2, max_size=20),
    idle_s=idle_timeouts,
    max_s=lifetimes,
)
def test_billed_minutes_never_decrease_as_time_passes(
    times: list[Micros], idle_s: int | None, max_s: int | None
) -> None:
    session = make_session(idle_timeout_s=idle_s, max_lifetime_s=max_s)
    bills = [session.billed_minutes(T0 + t) for t in sorted(times)]
    assert bills == sorted(bills)


@given(
    close_after=offsets,
    later=st.lists(offsets, min_size=1, max_size=10),
    reason=st.sampled_from(list(CloseReason)),
)
def test_billed_minutes_never_change_after_close(
    close_after: Micros, later: list[Micros], reason: CloseReason
) -> None:
    session = make_session()
    closed_at = T0 + close_after
    while_open = session.billed_minutes(closed_at)
    session.close(closed_at, reason)
    expected = -(-(close_after // SECOND) // 60)
    assert while_open == expected
    assert all(session.billed_minutes(closed_at + t) == expected for t in later)


@given(elapsed=offsets)
def test_billed_minutes_are_the_fewest_whole_minutes_covering_the_whole_seconds(
    elapsed: Micros,
) -> None:
    minutes = make_session().billed_minutes(T0 + elapsed)
    seconds = elapsed // SECOND
    assert minutes * 60 >= seconds
    assert (minutes - 1) * 60 < seconds or minutes == 0
