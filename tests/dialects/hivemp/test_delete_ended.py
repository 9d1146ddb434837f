"""DELETE /session deletes only a live session, in one unit of work: an ended one (closed, or
past its expiry before the sweeper recorded it) answers 404 and stays exactly as it was; GET
with a session key reuses the session its authentication just read."""

from __future__ import annotations

from typing import Any

import pytest

from sessionary.bootstrap import Container
from sessionary.domain.model import Actor, NewEvent, Tenant
from sessionary.domain.session import CloseReason
from sessionary.services.sessions import SessionService

from ...support import FakeClock
from .helpers import Hive, JsonObject, assert_error, assert_ok

ACTOR = Actor(credential_pk=None, label="test")


async def stored(container: Container, tenant: Tenant, session_id: str) -> dict[str, Any]:
    """The session row as stored, its lifecycle types, its events and its audit actions."""
    async with container.database.unit_of_work(write=False) as uow:
        s = await uow.sessions.get(tenant.pk, session_id)
        assert s is not None
        records = [r.type for r in await uow.lifecycle.for_session(s.pk)]
        events = await uow.events.list(s.pk, 0, None, 10)
        audit = [a.action for a in await uow.audit.list(tenant.pk, 100)]
        await uow.commit()
    return {
        "status": s.status.value,
        "version": s.version,
        "records": records,
        "events": len(events),
        "deletes": audit.count("session.delete"),
    }


def refuse_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any SessionService.get fails the test: the route must not read before it acts."""

    async def no_read(*args: object, **kwargs: object) -> None:
        raise AssertionError("the route read the session first")

    monkeypatch.setattr(SessionService, "get", no_read)


async def test_an_admin_delete_of_a_closed_session_is_404_and_keeps_it_and_its_events(
    hive: Hive, container: Container, tenant: Tenant, session: JsonObject, admin_key: str
) -> None:
    sid = session["id"]
    await container.events.append(tenant.pk, sid, [NewEvent("kill", {"n": 1})], "hivemp")
    await container.sessions.close(tenant.pk, sid, ACTOR, CloseReason.CLIENT)
    before = await stored(container, tenant, sid)
    data = assert_error(await hive.call("DELETE", admin_key, sid), 404, 1004)
    assert data["invalidSessionId"] == sid
    assert data["objectType"] == "UserSession"
    assert await stored(container, tenant, sid) == before
    assert before["status"] == "closed" and before["events"] == 1 and before["deletes"] == 0


async def test_an_admin_delete_of_a_session_past_its_expiry_is_404_and_records_nothing(
    hive: Hive,
    container: Container,
    tenant: Tenant,
    session: JsonObject,
    admin_key: str,
    clock: FakeClock,
) -> None:
    sid = session["id"]
    before = await stored(container, tenant, sid)
    clock.advance(3600)  # due; the sweeper has not recorded the expiry yet
    data = assert_error(await hive.call("DELETE", admin_key, sid), 404, 1004)
    assert data["invalidSessionId"] == sid
    after = await stored(container, tenant, sid)
    assert after == before
    assert after["status"] == "active" and after["records"] == ["opened"]


async def test_an_admin_delete_of_a_live_session_deletes_it_without_reading_it_first(
    hive: Hive,
    container: Container,
    tenant: Tenant,
    session: JsonObject,
    admin_key: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    refuse_reads(monkeypatch)
    response = await hive.call("DELETE", admin_key, session["id"])
    assert response.status_code == 200 and response.content == b"true"
    monkeypatch.undo()
    after = await stored(container, tenant, session["id"])
    assert after["status"] == "deleted" and after["records"] == ["opened", "deleted"]
    assert after["deletes"] == 1


async def test_get_with_a_session_key_answers_from_the_session_its_authentication_read(
    hive: Hive, session: JsonObject, session_key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    refuse_reads(monkeypatch)
    for session_id in (None, session["id"]):
        body = assert_ok(await hive.call("GET", session_key, session_id))
        assert body["id"] == session["id"]
