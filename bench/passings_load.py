"""Load for the RUFUS passings scenario: one device and one active session per virtual user.

Every virtual user owns its device's session and posts batches of passings with unique,
increasing ``num_passing`` values (carried across phases), so no two users contend on one
session row and no passing is ever a legitimate duplicate.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

import msgspec

from loadgen import (
    HARD_STOP_GRACE_S,
    Client,
    Failed,
    PhaseResult,
    RawClient,
    Stats,
    healthz_user,
    timed,
)

PREFIX = "/rufus/v0"
BATCHES = (1, 100, 5000)
DAY_MS = 86_400_000


class PassingOut(msgspec.Struct):
    bib: str
    num_passing: int
    timestamp: str


class PassingsOut(msgspec.Struct):
    token_session: str
    passings_list: list[PassingOut]


class Inserted(msgspec.Struct):
    inserted_count: int
    duplicate_count: int = 0


class DeviceOut(msgspec.Struct):
    deviceid: str


class SessionOut(msgspec.Struct):
    token_session: str


_encode = msgspec.json.Encoder().encode
_decode_inserted = msgspec.json.Decoder(Inserted).decode


@dataclass
class Device:
    """A virtual user's device, its active session and the next num_passing to send."""

    deviceid: str
    token: str
    next_num: int = 1


def stamp(n: int) -> str:
    """An increasing timestamp: passing ``n`` happens ``n`` ms after 2023-01-22T00:00:00Z."""
    ms = n % DAY_MS
    sec, milli = divmod(ms, 1000)
    mins, s = divmod(sec, 60)
    h, m = divmod(mins, 60)
    return f"2023-01-22T{h:02d}:{m:02d}:{s:02d}.{milli:03d}Z"


def passings_body(dev: Device, size: int) -> bytes:
    """The next ``size`` passings of ``dev``; consumes their num_passing values."""
    first = dev.next_num
    dev.next_num += size
    items = [PassingOut(str(n % 997), n, stamp(n)) for n in range(first, first + size)]
    return _encode(PassingsOut(dev.token, items))


def rufus_headers(api_key: str) -> dict[str, str]:
    return {"x-api-key": api_key, "Content-Type": "application/json"}


async def provision_devices(port: int, api_key: str, count: int) -> list[Device]:
    """Bind ``count`` devices and open one session on each (sequential, not measured)."""
    client, stats = RawClient(port, rufus_headers(api_key)), Stats()
    devices: list[Device] = []
    try:
        for i in range(count):
            body = _encode({"model": "BENCH", "serial_number": f"BENCH-{i:04d}"})
            raw = await timed(stats, client, "device", "POST", f"{PREFIX}/devices", body)
            deviceid = msgspec.json.decode(raw, type=DeviceOut).deviceid
            body = _encode({"deviceid": deviceid, "alias": f"bench-{i}"})
            raw = await timed(stats, client, "session", "POST", f"{PREFIX}/sessions", body)
            devices.append(
                Device(deviceid, msgspec.json.decode(raw, type=SessionOut).token_session)
            )
    except Failed:
        raise RuntimeError(f"device/session setup failed: {stats.error_samples}") from None
    finally:
        await client.aclose()
    return devices


def step_name(size: int) -> str:
    return f"batch {size}"


def check_inserted(stats: Stats, step: str, size: int, raw: bytes) -> None:
    """A 201 still counts as an error if any passing was a duplicate or not inserted."""
    try:
        out = _decode_inserted(raw)
    except msgspec.DecodeError:
        stats.fail(step, "bad body", raw.decode(errors="replace"))
        return
    if out.duplicate_count > 0:
        stats.fail(step, "duplicates", raw.decode(errors="replace"))
    elif out.inserted_count != size:
        stats.fail(step, "short insert", raw.decode(errors="replace"))
    stats.scenarios += out.inserted_count  # Stats.scenarios counts passings inserted


async def passings_user(
    dev: Device, size: int, client: Client, stats: Stats, deadline: float
) -> None:
    """POST batches of ``size`` to the device's own session until the deadline."""
    step, path = step_name(size), f"{PREFIX}/passings"
    while time.monotonic() < deadline:
        body = passings_body(dev, size)
        try:
            raw = await timed(stats, client, step, "POST", path, body)
        except Failed:
            continue
        check_inserted(stats, step, size, raw)


UserLoop = Callable[[Client, Stats, float], Coroutine[Any, Any, None]]


def passings_loops(devices: list[Device], size: int) -> list[UserLoop]:
    def loop(dev: Device) -> UserLoop:
        return lambda c, s, d: passings_user(dev, size, c, s, d)

    return [loop(dev) for dev in devices]


def healthz_loops(users: int) -> list[UserLoop]:
    def loop(vu: int) -> UserLoop:
        return lambda c, s, d: healthz_user(vu, c, s, d)

    return [loop(vu) for vu in range(users)]


async def run_loops(
    name: str, port: int, api_key: str, loops: list[UserLoop], seconds: float
) -> PhaseResult:
    """One keep-alive connection per loop for ``seconds``; hard stop a grace period later."""
    clients = [RawClient(port, rufus_headers(api_key)) for _ in loops]
    stats = Stats()
    t0 = time.perf_counter()
    deadline = time.monotonic() + seconds
    tasks = [
        asyncio.create_task(f(c, stats, deadline)) for f, c in zip(loops, clients, strict=True)
    ]
    try:
        done, pending = await asyncio.wait(tasks, timeout=seconds + HARD_STOP_GRACE_S)
        if pending:
            raise TimeoutError(f"{len(pending)} virtual users still busy at the hard stop")
        for task in done:
            task.result()  # a bug in a virtual user must not pass silently
    finally:
        elapsed = time.perf_counter() - t0
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for c in clients:
            with contextlib.suppress(OSError):
                await c.aclose()
    return PhaseResult(name, stats, elapsed)
