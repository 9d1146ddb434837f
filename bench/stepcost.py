"""Server CPU per step, measured one request at a time (no queueing, no concurrency).

Under load, client-side latency mixes a step's own cost with time spent queued behind other
requests. Here one virtual user runs the scenario sequentially and the server's scheduler
counters (all threads of all its processes) are read before and after every request, so each
sample is the CPU the server spent on that one request (plus any idle background work, which
the median discards).
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

from harness import proc_sched, tree_pids
from loadgen import (
    EVENTS_PER_SCENARIO,
    STEPS,
    Failed,
    RawClient,
    Stats,
    event_bodies,
    open_body,
    opened_id,
    percentile,
    timed,
)

SETTLE_S = 0.002


@dataclass
class StepCosts:
    """CPU µs the server spent per request, by step, and the wall time of each request."""

    cpu_us: dict[str, list[float]] = field(default_factory=dict)
    wall_us: dict[str, list[float]] = field(default_factory=dict)
    stats: Stats = field(default_factory=Stats)  # errors of this phase, if any

    def add(self, step: str, cpu_s: float, wall_s: float) -> None:
        self.cpu_us.setdefault(step, []).append(cpu_s * 1e6)
        self.wall_us.setdefault(step, []).append(wall_s * 1e6)


class ServerMeter:
    """Reads scheduler counters of a fixed set of server pids (found once, up front)."""

    def __init__(self, server_pid: int) -> None:
        self._pids = sorted(tree_pids(server_pid))

    def cpu_s(self) -> float:
        return sum(proc_sched(pid).cpu_s for pid in self._pids)


async def measure_steps(port: int, secret: str, server_pid: int, scenarios: int) -> StepCosts:
    headers = {"Authorization": f"Bearer {secret}", "Content-Type": "application/json"}
    client = RawClient(port, headers)
    meter, costs = ServerMeter(server_pid), StepCosts()

    async def step(name: str, path: str, body: bytes | None, method: str = "POST") -> bytes:
        await asyncio.sleep(SETTLE_S)  # let the previous request's tail finish on the server
        c0, t0 = meter.cpu_s(), time.perf_counter()
        data = await timed(costs.stats, client, name, method, path, body)
        costs.add(name, meter.cpu_s() - c0, time.perf_counter() - t0)
        return data

    appends = event_bodies()
    try:
        for _ in range(scenarios):
            await step("healthz", "/healthz", None, "GET")
            sid = opened_id(await step("open", "/v1/sessions", open_body(0)))
            for body in appends:
                await step("append", f"/v1/sessions/{sid}/events", body)
            await step("close", f"/v1/sessions/{sid}/close", None)
    except Failed:
        pass  # errors are counted in stats and show up as missing samples
    finally:
        await client.aclose()
    return costs


def _median(values: list[float]) -> float:
    return percentile(sorted(values), 50)


def step_cost_section(costs: StepCosts | None) -> list[str]:
    if costs is None:
        return []
    base = _median(costs.cpu_us.get("healthz", [])) or float("nan")
    lines = [
        "## Server CPU per request, by step (sequential: 1 user, no queueing)",
        "",
        "Scheduler CPU of every server thread, read before and after each request.",
        "",
        "| step | samples | median CPU µs | p90 CPU µs | median wall µs | CPU vs /healthz |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for step in ("healthz", *STEPS):
        cpu = sorted(costs.cpu_us.get(step, []))
        if not cpu:
            continue
        wall = _median(costs.wall_us[step])
        med = percentile(cpu, 50)
        lines.append(
            f"| {step} | {len(cpu):,} | {med:,.0f} | {percentile(cpu, 90):,.0f} "
            f"| {wall:,.0f} | {med / base:.1f}x |"
        )
    errors = sum(costs.stats.errors.values())
    lines += ["", f"Errors during this probe: {errors} {dict(costs.stats.errors) or ''}", ""]
    return lines


def scenario_split(costs: StepCosts | None) -> str:
    """How one scenario's server CPU divides over its steps (median cost x count)."""
    if costs is None or not all(costs.cpu_us.get(s) for s in STEPS):
        return "n/a"
    count = {"open": 1, "append": EVENTS_PER_SCENARIO, "close": 1}
    total = {s: _median(costs.cpu_us[s]) * count[s] for s in STEPS}
    whole = sum(total.values())
    parts = ", ".join(f"{s} {v / whole:.0%}" for s, v in total.items())
    return f"{whole / 1e3:.1f} ms of server CPU per scenario ({parts})"
