"""The session state machine: active -> closed | expired | deleted, closed/expired -> deleted."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from sessionary.domain.errors import SessionNotActive
from sessionary.domain.model import LifecycleRecord
from sessionary.domain.session import CloseReason, Session, Status

from .factories import T0, at, make_session


def assert_record_of(record: LifecycleRecord, session: Session) -> None:
    assert record.tenant_pk == session.tenant_pk
    assert record.session_pk == session.pk
    assert record.session_id == session.id


def closed_session() -> Session:
    session = make_session(idle_timeout_s=60)
    session.close(at(10), CloseReason.CLIENT)
    return session


def expired_session() -> Session:
    session = make_session(idle_timeout_s=60)
    session.expire(at(90))
    return session


def test_the_opened_record_is_dated_at_open_and_names_the_dialect() -> None:
    session = make_session()
    record = session.opened_record()
    assert_record_of(record, session)
    assert (record.type, record.at, record.reason) == ("opened", T0, None)
    assert record.data == {"dialect": "native"}


@pytest.mark.parametrize("reason", list(CloseReason))
def test_closing_an_active_session_records_the_reason_and_stops_at_now(
    reason: CloseReason,
) -> None:
    session = make_session(idle_timeout_s=60)
    record = session.close(at(30), reason)
    assert_record_of(record, session)
    assert (record.type, record.at, record.reason) == ("closed", at(30), reason)
    assert session.status is Status.CLOSED
    assert session.closed_at == at(30)
    assert session.close_reason is reason
    assert session.version == 2


def test_closing_twice_is_refused() -> None:
    session = closed_session()
    with pytest.raises(SessionNotActive) as caught:
        session.close(at(20), CloseReason.CLIENT)
    assert caught.value.data["status"] == "closed"
    assert session.closed_at == at(10)
    assert session.version == 2


def test_closing_a_session_past_its_expiry_is_refused_as_expired() -> None:
    session = make_session(idle_timeout_s=60)
    with pytest.raises(SessionNotActive) as caught:
        session.close(at(60), CloseReason.CLIENT)
    assert caught.value.data["status"] == "expired"
    assert session.status is Status.ACTIVE


def test_closing_an_expired_session_is_refused() -> None:
    session = expired_session()
    with pytest.raises(SessionNotActive) as caught:
        session.close(at(100), CloseReason.ADMIN)
    assert caught.value.data["status"] == "expired"


def test_expiring_a_due_session_dates_the_end_at_its_expiry_not_the_sweep() -> None:
    session = make_session(idle_timeout_s=60)
    record = session.expire(at(500))
    assert_record_of(record, session)
    assert (record.type, record.at, record.reason) == ("expired", at(60), "idle_timeout")
    assert session.status is Status.EXPIRED
    assert session.closed_at == at(60)
    assert session.close_reason is CloseReason.IDLE_TIMEOUT
    assert session.version == 2


def test_expiring_at_the_absolute_lifetime_gives_the_max_lifetime_reason() -> None:
    session = make_session(idle_timeout_s=600, max_lifetime_s=300)
    record = session.expire(at(300))
    assert record.reason == CloseReason.MAX_LIFETIME
    assert record.at == at(300)
    assert session.close_reason is CloseReason.MAX_LIFETIME


def test_expiring_a_session_that_is_not_due_is_refused() -> None:
    session = make_session(idle_timeout_s=60)
    with pytest.raises(SessionNotActive) as caught:
        session.expire(at(59))
    assert caught.value.data["status"] == "active"
    assert session.status is Status.ACTIVE
    assert session.version == 1


def test_expiring_a_session_without_any_expiry_is_refused() -> None:
    session = make_session()
    with pytest.raises(SessionNotActive):
        session.expire(at(10**6))
    assert session.status is Status.ACTIVE


def test_expiring_a_closed_session_is_refused() -> None:
    session = closed_session()
    with pytest.raises(SessionNotActive):
        session.expire(at(1000))
    assert session.status is Status.CLOSED


def test_expiring_twice_is_refused() -> None:
    session = expired_session()
    with pytest.raises(SessionNotActive):
        session.expire(at(1000))
    assert session.closed_at == at(60)


def test_deleting_an_active_session_stops_its_meter_at_now() -> None:
    session = make_session(idle_timeout_s=60)
    record = session.delete(at(40))
    assert_record_of(record, session)
    assert (record.type, record.at, record.reason) == ("deleted", at(40), "deleted")
    assert session.status is Status.DELETED
    assert session.closed_at == at(40)
    assert session.close_reason is CloseReason.DELETED


def test_deleting_a_closed_session_keeps_its_close_time_and_reason() -> None:
    session = closed_session()
    record = session.delete(at(70))
    assert (record.type, record.at, record.reason) == ("deleted", at(70), "deleted")
    assert session.status is Status.DELETED
    assert session.closed_at == at(10)
    assert session.close_reason is CloseReason.CLIENT
    assert session.version == 3


def test_deleting_an_expired_session_keeps_its_expiry_as_the_end() -> None:
    session = expired_session()
    record = session.delete(at(1000))
    assert (record.type, record.at) == ("deleted", at(1000))
    assert session.status is Status.DELETED
    assert session.closed_at == at(60)
    assert session.close_reason is CloseReason.IDLE_TIMEOUT


def test_deleting_twice_is_refused() -> None:
    session = make_session()
    session.delete(at(5))
    with pytest.raises(SessionNotActive) as caught:
        session.delete(at(6))
    assert caught.value.data["status"] == "deleted"
    assert session.closed_at == at(5)
    assert session.version == 2


def test_deleting_a_due_session_before_it_is_expired_is_refused() -> None:
    session = make_session(idle_timeout_s=60)
    with pytest.raises(SessionNotActive):
        session.delete(at(61))
    assert session.status is Status.ACTIVE
    assert session.closed_at is None


@pytest.mark.parametrize("make", [closed_session, expired_session])
def test_extending_an_ended_session_is_refused(make: Callable[[], Session]) -> None:
    session = make()
    expires_before = session.expires_at
    with pytest.raises(SessionNotActive):
        session.extend(at(20), 600)
    assert session.expires_at == expires_before


def test_extending_a_deleted_session_is_refused() -> None:
    session = make_session(idle_timeout_s=60)
    session.delete(at(1))
    with pytest.raises(SessionNotActive) as caught:
        session.extend(at(2), 600)
    assert caught.value.data["status"] == "deleted"


def test_touching_a_closed_session_is_refused() -> None:
    session = closed_session()
    with pytest.raises(SessionNotActive):
        session.touch(at(11))
    assert session.last_activity_at == T0


def test_require_live_reports_a_due_session_as_expired() -> None:
    session = make_session(idle_timeout_s=60)
    session.require_live(at(59))
    with pytest.raises(SessionNotActive) as caught:
        session.require_live(at(60))
    assert caught.value.data == {"id": "ses_test", "status": "expired"}


def active_after_a_node_ahead() -> Session:
    """Last activity at 30 s, written by a node whose clock runs ahead of ours."""
    session = make_session(idle_timeout_s=600)
    session.touch(at(30))
    return session


def test_a_close_by_a_node_behind_never_ends_before_the_last_activity() -> None:
    session = active_after_a_node_ahead()
    record = session.close(at(5), CloseReason.CLIENT)
    assert session.closed_at == record.at == at(30)


def test_a_delete_by_a_node_behind_never_ends_before_the_last_activity() -> None:
    session = active_after_a_node_ahead()
    record = session.delete(at(5))
    assert session.closed_at == record.at == at(30)


def test_activity_seen_by_a_node_behind_never_moves_the_last_activity_back() -> None:
    session = active_after_a_node_ahead()
    session.touch(at(5))
    assert session.last_activity_at == at(30) and session.expires_at == at(630)
    record = session.extend(at(5), 60)
    assert session.last_activity_at == record.at == at(30)
    assert session.expires_at == at(90)
