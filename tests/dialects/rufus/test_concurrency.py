"""Racing requests keep the §6/§7 rules: one active session per device, each num_passing once."""

from __future__ import annotations

import asyncio

from .helpers import Rufus, passing


async def test_racing_session_inserts_leave_exactly_one_active_session(
    rufus: Rufus, kr: str, kw: str, device: str
) -> None:
    started = await asyncio.gather(
        *(rufus.post("/sessions", kw, {"deviceid": device}) for _ in range(6))
    )
    assert [r.status_code for r in started] == [201] * 6
    tokens = {rufus.inner(r)["token_session"] for r in started}
    listed = await rufus.result(f"/sessions/device/{device}", kr)
    assert {s["token_session"] for s in listed} == tokens
    assert sum(s["active"] for s in listed) == 1
    active = await rufus.result(f"/sessions/device/{device}/active", kr)
    assert len(active) == 1 and active[0]["token_session"] in tokens


async def test_racing_batches_with_the_same_numbers_store_each_number_once(
    rufus: Rufus, kr: str, kw: str, t1: str
) -> None:
    batch = [passing(n) for n in range(1, 21)]
    sent = await asyncio.gather(*(rufus.insert(kw, t1, batch) for _ in range(5)))
    assert [r.status_code for r in sent] == [201] * 5
    bodies = [rufus.inner(r) for r in sent]
    assert sum(b["inserted_count"] for b in bodies) == 20
    assert sum(b["duplicate_count"] for b in bodies) == 80
    assert await rufus.nums(t1, kr) == list(range(1, 21))
    assert (await rufus.session(t1, kr))["passings"] == 20
