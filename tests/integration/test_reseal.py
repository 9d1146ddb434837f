"""Resealing after a key rotation, on both backends: every sealed place is walked in batches,
only values not under the newest key are rewritten, a second run writes nothing, values no key
opens are counted and kept, and a value the server writes meanwhile is never overwritten."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from pydantic import SecretStr
from sqlalchemy import select, update

from sessionary.bootstrap import Container, build
from sessionary.config import Settings
from sessionary.dialects.casino.partners import create_partner
from sessionary.domain.model import TenantPolicy
from sessionary.domain.ports import SealedValue
from sessionary.services.idempotency import Claim, fingerprint
from sessionary.services.resealing import PlaceReport, Resealer
from sessionary.services.sealing import Sealer, check_sealed
from sessionary.storage.tables import credentials, webhooks
from tests.conftest import TEST_ACTOR
from tests.observability.helpers import execute
from tests.support import FakeClock

OLD = "old-sealing-key-0123456789abcdef0123456789"
NEW = "new-sealing-key-abcdef0123456789abcdef0123"
STRANGER = "a-key-nobody-configured-0123456789abcdef"
HOOK_URL = "https://93.184.215.14/in"
Keyed = Callable[[str], Awaitable[Container]]


@pytest.fixture
async def keyed(settings: Settings, clock: FakeClock) -> AsyncIterator[Keyed]:
    """Containers over the test's database, each with its own SESSIONARY_SECRET_KEY."""
    opened: list[Container] = []

    async def make(keys: str) -> Container:
        with_keys = settings.model_copy(update={"secret_key": SecretStr(keys)})
        opened.append(build(with_keys, clock=clock))
        return opened[-1]

    yield make
    for c in opened:
        await c.close()


async def seal_each_kind(c: Container, n: int, prefix: str = "") -> list[str]:
    """``n`` webhooks (each rotated once, so its previous secret is sealed too), casino
    partners and stored idempotent responses; the webhooks' current secrets."""
    tenant = await c.tenants.find("acme")
    secrets = []
    for i in range(n):
        created = await c.webhooks.create(tenant.pk, HOOK_URL, [], TEST_ACTOR)
        rotated = await c.webhooks.rotate_secret(tenant.pk, created.webhook.id, TEST_ACTOR)
        secrets.append(rotated.secret)
        await create_partner(c, "acme", TEST_ACTOR, f"{prefix}P{i}", f"{prefix}TOK-{i:04}")
        claim = await c.idempotency.begin(f"{prefix}scope/{i}", fingerprint("POST", "/x", b"{}"))
        assert isinstance(claim, Claim)
        await c.idempotency.complete(claim, 201, f'{{"n":{i}}}'.encode())
    return secrets


async def reseal(c: Container, keys: str, batch: int = 2) -> dict[str, PlaceReport]:
    resealer = Resealer(c.database.unit_of_work, Sealer(keys), batch)
    reports = await resealer.survey()
    for report in reports:
        await resealer.reseal(report)
    return {r.place: r for r in reports}


def counts(reports: dict[str, PlaceReport]) -> dict[str, tuple[int, int, int, int]]:
    return {
        place: (r.scanned, r.resealed, r.already_current, r.unopenable)
        for place, r in reports.items()
    }


PLACES = (
    "webhooks.secret_sealed",
    "webhooks.previous_secret_sealed",
    "credentials.attributes.secret_sealed",
    "idempotency.body",
)


async def test_reseal_moves_every_sealed_value_to_the_newest_key_and_a_second_run_writes_nothing(
    keyed: Keyed,
) -> None:
    old = await keyed(OLD)
    await old.tenants.create("acme", TenantPolicy(), TEST_ACTOR)
    await seal_each_kind(old, 5)
    server = await keyed(f"{NEW},{OLD}")
    await seal_each_kind(server, 1, prefix="n")  # sealed under the new key already
    with pytest.raises(Exception, match="cannot be opened"):
        await check_sealed(Sealer(NEW), await server.database.sealed_samples())

    first = await reseal(server, f"{NEW},{OLD}")
    assert counts(first) == {place: (6, 5, 1, 0) for place in PLACES}
    await check_sealed(Sealer(NEW), await server.database.sealed_samples())
    second = await reseal(server, f"{NEW},{OLD}", batch=500)
    assert counts(second) == {place: (6, 0, 6, 0) for place in PLACES}


async def test_a_value_no_key_opens_is_counted_and_left_as_it_was(keyed: Keyed) -> None:
    stranger = await keyed(STRANGER)
    await stranger.tenants.create("acme", TenantPolicy(), TEST_ACTOR)
    [secret] = await seal_each_kind(stranger, 1)
    server = await keyed(f"{NEW},{OLD}")
    reports = await reseal(server, f"{NEW},{OLD}")
    assert counts(reports) == {place: (1, 0, 0, 1) for place in PLACES}
    [hook] = await stranger.webhooks.list((await stranger.tenants.find("acme")).pk)
    assert stranger.webhooks.secret_of(hook) == secret


async def test_the_json_swap_sets_only_the_sealed_key_and_only_over_the_value_read(
    keyed: Keyed,
) -> None:
    c = await keyed(f"{NEW},{OLD}")
    await c.tenants.create("acme", TenantPolicy(), TEST_ACTOR)
    await create_partner(c, "acme", TEST_ACTOR, "S100", "TOK-0001", "testKey")
    place = "credentials.attributes.secret_sealed"
    async with c.database.unit_of_work() as uow:
        [value] = await uow.sealed.page(place, None, 10)
        stale = SealedValue(value.key, b"stale")
        assert await uow.sealed.swap(place, [(stale, b"new-token")]) == 0
        assert await uow.sealed.swap(place, [(value, b"new-token")]) == 1
        await uow.commit()
    stmt = select(credentials.c.attributes).where(credentials.c.pk == value.key)
    attributes = await _one(c, stmt)
    assert attributes == {"secure_login": "S100", "secret_sealed": "new-token"}


async def test_a_value_the_server_rewrites_between_the_read_and_the_write_is_kept(
    keyed: Keyed,
) -> None:
    old = await keyed(OLD)
    await old.tenants.create("acme", TenantPolicy(), TEST_ACTOR)
    await seal_each_kind(old, 1)
    server = await keyed(f"{NEW},{OLD}")
    written_meanwhile = server.sealer.seal("whsec_rotated")

    async def server_writes() -> None:
        await execute(server, update(webhooks).values(secret_sealed=written_meanwhile))

    resealer = Resealer(_before_writes(server, server_writes), Sealer(f"{NEW},{OLD}"))
    [report] = [r for r in await resealer.survey() if r.place == PLACES[0]]
    await resealer.reseal(report)
    assert (report.resealed, report.changed_meanwhile) == (0, 1)
    [hook] = await server.webhooks.list((await server.tenants.find("acme")).pk)
    assert hook.secret_sealed == written_meanwhile


async def test_reseal_while_the_server_seals_new_values_loses_none_of_them(
    keyed: Keyed, settings: Settings, clock: FakeClock
) -> None:
    """The server is another container on its own thread and event loop (its own connection),
    sealing new values under the new key while the reseal runs."""
    old = await keyed(OLD)
    await old.tenants.create("acme", TenantPolicy(), TEST_ACTOR)
    before = await seal_each_kind(old, 20)
    server = await keyed(f"{NEW},{OLD}")
    with_keys = settings.model_copy(update={"secret_key": SecretStr(f"{NEW},{OLD}")})
    started = threading.Event()
    writing = asyncio.create_task(asyncio.to_thread(_serve_writes, with_keys, clock, started))
    await asyncio.to_thread(started.wait, 30)
    reports = await reseal(server, f"{NEW},{OLD}", batch=2)
    during = await writing
    assert sum(r.unopenable + r.changed_meanwhile for r in reports.values()) == 0
    new_only = await keyed(NEW)
    await check_sealed(new_only.sealer, await new_only.database.sealed_samples(limit=1000))
    hooks = await new_only.webhooks.list((await new_only.tenants.find("acme")).pk)
    assert sorted(new_only.webhooks.secret_of(h) for h in hooks) == sorted(before + during)
    again = await reseal(new_only, NEW, batch=500)
    assert {r.resealed + r.unopenable for r in again.values()} == {0}
    assert {r.scanned for r in again.values()} == {35}


def _serve_writes(settings: Settings, clock: FakeClock, started: threading.Event) -> list[str]:
    async def main() -> list[str]:
        c = build(settings, clock=clock)
        try:
            secrets = await seal_each_kind(c, 2, prefix="first-")
            started.set()
            return secrets + await seal_each_kind(c, 13, prefix="live-")
        finally:
            await c.close()

    return asyncio.run(main())


def _before_writes(c: Container, first: Callable[[], Awaitable[None]]) -> Any:
    """A unit-of-work factory that runs ``first`` before its first writing unit of work."""
    pending = [first]

    def factory(*, write: bool = True) -> Any:
        return _Hooked(c, write, pending)

    return factory


class _Hooked:
    def __init__(self, c: Container, write: bool, pending: list[Callable[[], Awaitable[None]]]):
        self._inner = c.database.unit_of_work(write=write)
        self._write, self._pending = write, pending

    async def __aenter__(self) -> Any:
        if self._write and self._pending:
            await self._pending.pop()()
        return await self._inner.__aenter__()

    async def __aexit__(self, *exc: Any) -> None:
        await self._inner.__aexit__(*exc)


async def _one(c: Container, stmt: Any) -> Any:
    async with c.database.unit_of_work(write=False) as uow:
        ex: Any = uow.sessions._ex
        return (await ex.execute(stmt)).scalar_one()
