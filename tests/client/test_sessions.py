"""Sessions through ``Client`` and ``AsyncClient`` against a real server process."""

from __future__ import annotations

import anyio
import msgspec
import pytest

from sessionary.client import AsyncClient, Client, NotFound, SessionNotActive


def test_a_session_opens_reads_extends_and_closes_once(sync_client: Client) -> None:
    opened = sync_client.open_session(
        "user", "u-1", scope="game", alias="first", idle_timeout_s=900, state={"level": 3}
    )
    assert opened.status == "active" and opened.subject.kind == "user"
    assert (opened.scope, opened.alias, opened.state) == ("game", "first", {"level": 3})
    got = sync_client.get_session(opened.id)
    # a metered live session bills by the server's clock: a second may pass on a slow machine
    assert msgspec.structs.replace(got, billed_minutes=opened.billed_minutes) == opened
    assert got.billed_minutes <= 1
    extended = sync_client.extend_session(opened.id, ttl_s=60)
    assert extended.expires_at is not None and extended.expires_at < (opened.expires_at or "")
    closed = sync_client.close_session(opened.id, reason="admin")
    assert (closed.status, closed.close_reason) == ("closed", "admin")
    with pytest.raises(SessionNotActive) as info:
        sync_client.close_session(opened.id)
    assert info.value.status == 409 and info.value.extra["session_status"] == "closed"


def test_a_deleted_session_answers_not_found(sync_client: Client) -> None:
    opened = sync_client.open_session("user", "u-1")
    assert sync_client.delete_session(opened.id).status == "deleted"
    with pytest.raises(NotFound) as info:
        sync_client.get_session(opened.id)
    assert info.value.code == "session-not-found" and info.value.request_id


def test_closing_a_subject_closes_only_its_live_sessions_in_the_scope(sync_client: Client) -> None:
    a = sync_client.open_session("device", "d-1", scope="lane-1")
    b = sync_client.open_session("device", "d-1", scope="lane-2")
    other = sync_client.open_session("device", "d-2", scope="lane-1")
    closed = sync_client.close_subject_sessions("device", "d-1", scope="lane-1")
    assert [s.id for s in closed] == [a.id]
    assert sync_client.close_subject_sessions("device", "d-1") == [sync_client.get_session(b.id)]
    assert sync_client.get_session(other.id).status == "active"


def test_supersede_closes_the_subjects_other_session(sync_client: Client) -> None:
    first = sync_client.open_session("user", "u-1", scope="s")
    second = sync_client.open_session("user", "u-1", scope="s", supersede=True)
    assert sync_client.get_session(first.id).close_reason == "superseded"
    assert sync_client.get_session(second.id).status == "active"


def test_list_filters_and_hands_back_a_cursor(sync_client: Client) -> None:
    ids = [sync_client.open_session("user", f"u-{i % 2}").id for i in range(5)]
    sync_client.close_session(ids[0])
    page = sync_client.list_sessions(status="active", limit=2)
    assert [s.id for s in page.items] == ids[:0:-1][:2] and page.next_cursor
    rest = sync_client.list_sessions(status="active", cursor=page.next_cursor)
    assert [s.id for s in rest.items] == ids[:0:-1][2:] and rest.next_cursor is None
    assert [s.id for s in sync_client.iter_sessions(subject_id="u-0", page_size=1)] == [
        ids[4],
        ids[2],
        ids[0],
    ]


async def test_iterating_2500_sessions_follows_every_cursor(async_client: AsyncClient) -> None:
    limiter = anyio.CapacityLimiter(16)
    opened: set[str] = set()

    async def open_one(i: int) -> None:
        async with limiter:
            opened.add((await async_client.open_session("bulk", f"b-{i}")).id)

    async with anyio.create_task_group() as tg:
        for i in range(2500):
            tg.start_soon(open_one, i)
    seen = [s.id async for s in async_client.iter_sessions(subject_kind="bulk")]
    assert len(seen) == 2500 and set(seen) == opened
    small_pages = [s.id async for s in async_client.iter_sessions(page_size=137)]
    assert small_pages == seen


async def test_the_async_client_runs_the_whole_lifecycle(async_client: AsyncClient) -> None:
    opened = await async_client.open_session("user", "u-1", metered=False, idle_timeout_s=60)
    assert (await async_client.get_session(opened.id)).id == opened.id
    assert (await async_client.extend_session(opened.id)).status == "active"
    assert [s.id async for s in async_client.iter_sessions()] == [opened.id]
    assert (await async_client.close_session(opened.id)).status == "closed"
    assert (await async_client.delete_session(opened.id)).status == "deleted"
    with pytest.raises(NotFound):
        await async_client.get_session(opened.id)
    other = await async_client.open_session("user", "u-2")
    closed = await async_client.close_subject_sessions("user", "u-2")
    assert [s.id for s in closed] == [other.id]
    page = await async_client.list_sessions(status="closed")
    assert [s.id for s in page.items] == [other.id]
