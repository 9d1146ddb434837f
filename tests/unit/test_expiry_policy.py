"""Expiry: the initial deadline, idle resets, explicit extension and how a due session reads."""

from __future__ import annotations

import pytest

from sessionary.domain.errors import InvalidInput, SessionNotActive
from sessionary.domain.model import Micros
from sessionary.domain.session import CloseReason, Status, initial_expiry

from .factories import T0, at, make_session


@pytest.mark.parametrize(
    ("idle_s", "max_s", "expected"),
    [
        (None, None, None),
        (60, None, at(60)),
        (None, 3600, at(3600)),
        (60, 3600, at(60)),
        (7200, 3600, at(3600)),
        (3600, 3600, at(3600)),
    ],
)
def test_the_initial_expiry_is_the_idle_timeout_capped_by_the_lifetime(
    idle_s: int | None, max_s: int | None, expected: Micros | None
) -> None:
    assert initial_expiry(T0, idle_s, max_s) == expected


def test_touch_resets_the_idle_timer_from_now() -> None:
    session = make_session(idle_timeout_s=60)
    session.touch(at(45))
    assert session.last_activity_at == at(45)
    assert session.expires_at == at(105)
    assert session.version == 1


def test_touch_never_moves_expiry_past_the_absolute_lifetime() -> None:
    session = make_session(idle_timeout_s=60, max_lifetime_s=100)
    session.touch(at(50))
    assert session.expires_at == at(100)
    assert session.effective_status(at(100)) is Status.EXPIRED


def test_touch_without_an_idle_timeout_leaves_the_expiry_alone() -> None:
    session = make_session(max_lifetime_s=300)
    session.touch(at(200))
    assert session.last_activity_at == at(200)
    assert session.expires_at == at(300)


def test_touch_does_not_shorten_a_longer_explicit_extension() -> None:
    session = make_session(idle_timeout_s=60)
    session.extend(at(10), 3600)
    session.touch(at(20))
    assert session.expires_at == at(3610)


def test_touch_at_the_expiry_instant_is_refused() -> None:
    session = make_session(idle_timeout_s=60)
    with pytest.raises(SessionNotActive):
        session.touch(at(60))
    assert session.expires_at == at(60)


def test_extend_sets_expiry_to_now_plus_ttl_rather_than_adding_on() -> None:
    session = make_session(idle_timeout_s=600)
    record = session.extend(at(100), 60)
    assert session.expires_at == at(160)
    assert session.last_activity_at == at(100)
    assert session.version == 2
    assert (record.type, record.at, record.reason) == ("extended", at(100), None)
    assert record.data == {"expires_at": at(160)}
    assert (record.session_id, record.session_pk, record.tenant_pk) == ("ses_test", 7, 3)


def test_extend_is_capped_by_the_absolute_lifetime() -> None:
    session = make_session(idle_timeout_s=950, max_lifetime_s=1000)
    record = session.extend(at(900), 3600)
    assert session.expires_at == at(1000)
    assert record.data == {"expires_at": at(1000)}


def test_extend_without_a_ttl_uses_the_idle_timeout() -> None:
    session = make_session(idle_timeout_s=120)
    session.extend(at(30), None)
    assert session.expires_at == at(150)


def test_extend_without_a_ttl_or_an_idle_timeout_is_refused() -> None:
    session = make_session()
    with pytest.raises(InvalidInput) as caught:
        session.extend(at(30), None)
    assert caught.value.data == {"field": "ttl_s"}
    assert session.expires_at is None
    assert session.version == 1


@pytest.mark.parametrize("ttl", [0, -1, -3600])
def test_extend_with_a_non_positive_ttl_is_refused(ttl: int) -> None:
    session = make_session(idle_timeout_s=60)
    with pytest.raises(InvalidInput) as caught:
        session.extend(at(30), ttl)
    assert caught.value.data == {"field": "ttl_s"}
    assert session.expires_at == at(60)
    assert session.last_activity_at == T0


def test_extend_of_a_due_session_is_refused_as_expired() -> None:
    session = make_session(idle_timeout_s=60)
    with pytest.raises(SessionNotActive) as caught:
        session.extend(at(61), 600)
    assert caught.value.data["status"] == "expired"
    assert session.expires_at == at(60)


def test_a_session_before_its_expiry_reads_as_active() -> None:
    session = make_session(idle_timeout_s=60)
    assert session.effective_status(at(59)) is Status.ACTIVE
    assert session.is_live(at(59))
    assert session.ended_at(at(59)) is None
    assert session.effective_close_reason(at(59)) is None


def test_a_due_session_reads_as_expired_at_its_expiry_without_a_sweep() -> None:
    session = make_session(idle_timeout_s=60)
    assert session.is_due(at(60))
    assert session.effective_status(at(60)) is Status.EXPIRED
    assert not session.is_live(at(60))
    assert session.ended_at(at(5000)) == at(60)
    assert session.effective_close_reason(at(5000)) is CloseReason.IDLE_TIMEOUT
    assert session.status is Status.ACTIVE


def test_a_due_session_at_its_absolute_lifetime_reads_as_max_lifetime() -> None:
    session = make_session(idle_timeout_s=60, max_lifetime_s=100)
    session.touch(at(50))
    assert session.effective_status(at(100)) is Status.EXPIRED
    assert session.ended_at(at(150)) == at(100)
    assert session.effective_close_reason(at(150)) is CloseReason.MAX_LIFETIME


def test_a_session_without_idle_timeout_ends_for_max_lifetime() -> None:
    session = make_session(max_lifetime_s=300)
    assert session.effective_close_reason(at(300)) is CloseReason.MAX_LIFETIME


def test_a_closed_session_reads_with_its_own_end_even_past_its_old_expiry() -> None:
    session = make_session(idle_timeout_s=60)
    session.close(at(30), CloseReason.SUPERSEDED)
    assert not session.is_due(at(1000))
    assert session.effective_status(at(1000)) is Status.CLOSED
    assert session.ended_at(at(1000)) == at(30)
    assert session.effective_close_reason(at(1000)) is CloseReason.SUPERSEDED


def test_a_session_without_any_expiry_never_becomes_due() -> None:
    session = make_session()
    assert session.deadline() is None
    assert session.effective_status(at(10**8)) is Status.ACTIVE


def test_the_deadline_is_open_plus_max_lifetime() -> None:
    assert make_session(max_lifetime_s=90).deadline() == at(90)
