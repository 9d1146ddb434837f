"""Markdown report of one run: machine, settings, raw numbers, ratios, interpretation."""

from __future__ import annotations

import os
import platform
import re
import statistics
from dataclasses import dataclass
from pathlib import Path

from harness import Sched
from loadgen import STEPS, PhaseResult, percentile
from stepcost import StepCosts, scenario_split, step_cost_section

LOG_PATTERN = re.compile(r"traceback|error|locked|busy|exception|warning", re.IGNORECASE)


@dataclass
class Measured:
    """A load phase plus what the scheduler saw of server, database, client and machine."""

    label: str
    phase: PhaseResult
    server: Sched
    db: Sched | None
    client: Sched
    machine_busy_s: float

    @property
    def req_s(self) -> float:
        return self.phase.stats.requests / self.phase.elapsed_s

    @property
    def scenarios_s(self) -> float:
        return self.phase.stats.scenarios / self.phase.elapsed_s

    def us_per_req(self, sched: Sched | None) -> str:
        n = self.phase.stats.requests
        return "n/a" if sched is None or n == 0 else f"{sched.cpu_s / n * 1e6:,.0f}"

    def per_s(self, seconds: float) -> str:
        return f"{seconds / self.phase.elapsed_s:.2f}"


@dataclass
class RunInfo:
    argv: str
    backend: str
    workers: int
    users: int
    seconds: float
    warmup_s: float
    rounds: int
    client: str
    step_costs: StepCosts | None
    versions: dict[str, str]
    source: str
    tuning: dict[str, str]
    server_log: str


@dataclass
class Round:
    """A scenario phase between the two baseline phases that bracket it."""

    before: Measured
    scenario: Measured
    after: Measured

    @property
    def baseline_req_s(self) -> float:
        return statistics.mean((self.before.req_s, self.after.req_s))

    @property
    def ratio(self) -> float:
        return self.scenario.req_s / self.baseline_req_s

    @property
    def cpu_ratio(self) -> str:
        """Server CPU per scenario request over server CPU per /healthz request."""
        per = [m.server.cpu_s / max(m.phase.stats.requests, 1) for m in (self.before, self.after)]
        base = statistics.mean(per)
        mine = self.scenario.server.cpu_s / max(self.scenario.phase.stats.requests, 1)
        return "n/a" if base <= 0 else f"{mine / base:.1f}x"


def rounds_of(phases: list[Measured]) -> list[Round]:
    """Phases run as baseline, scenario, baseline, scenario, ..., baseline."""
    return [Round(phases[i - 1], phases[i], phases[i + 1]) for i in range(1, len(phases) - 1, 2)]


def median_round(rounds: list[Round]) -> Round:
    return sorted(rounds, key=lambda r: r.ratio)[(len(rounds) - 1) // 2]


def machine_section(info: RunInfo) -> list[str]:
    load = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    lines = [
        "## Machine",
        "",
        f"- nproc: {os.cpu_count()}; {platform.machine()}, {platform.system()} "
        f"{platform.release()}",
        f"- CPU: {_cpu_model()}",
        f"- Python {platform.python_version()}; "
        + ", ".join(f"{k} {v}" for k, v in info.versions.items()),
        f"- load average at report time (1/5/15 min): {load}",
        f"- code under test: {info.source}",
        "",
        "## Command",
        "",
        f"    {info.argv}",
        "",
        "## Settings",
        "",
        f"- backend: {info.backend}; granian workers: {info.workers}",
        "- server settings passed from the environment: "
        + (", ".join(f"{k}={v}" for k, v in sorted(info.tuning.items())) or "none (defaults)"),
        f"- virtual users (connections): {info.users}; client: {info.client}",
        f"- duration per phase: {info.seconds:g} s after a {info.warmup_s:g} s scenario warm-up",
        f"- rounds: {info.rounds}; phases run as baseline (GET /healthz), scenario, baseline,"
        " ... so every scenario phase is bracketed by two baseline phases",
        "- scenario: POST /v1/sessions -> 10 x POST /v1/sessions/{id}/events (1 event each)"
        " -> POST /v1/sessions/{id}/close; one subject per virtual user",
        "",
    ]
    return lines


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def throughput_section(phases: list[Measured]) -> list[str]:
    lines = [
        "## Throughput (raw numbers)",
        "",
        "CPU columns are µs of CPU per completed request; *cores* columns are CPU seconds per"
        " wall second; *server CPU wait* is time the server's threads were runnable but had no"
        " core (contention with the load generator, the database and neighbours).",
        "",
        "| phase | elapsed s | requests | req/s | scenarios/s | errors | client µs/req "
        "| server µs/req | db µs/req | server cores | server CPU wait | db cores "
        "| machine busy cores |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for m in phases:
        st = m.phase.stats
        scen = f"{m.scenarios_s:,.1f}" if m.phase.name == "scenario" else "-"
        db_cores = "n/a" if m.db is None else m.per_s(m.db.cpu_s)
        lines.append(
            f"| {m.label} | {m.phase.elapsed_s:.2f} | {st.requests:,} | {m.req_s:,.0f} "
            f"| {scen} | {sum(st.errors.values())} | {m.us_per_req(m.client)} "
            f"| {m.us_per_req(m.server)} | {m.us_per_req(m.db)} | {m.per_s(m.server.cpu_s)} "
            f"| {m.per_s(m.server.wait_s)} | {db_cores} | {m.per_s(m.machine_busy_s)} |"
        )
    lines.append("")
    return lines


def ratio_section(rounds: list[Round]) -> list[str]:
    lines = [
        "## Ratios against the same-run baseline",
        "",
        "Baseline = mean req/s of the two /healthz phases around the scenario phase.",
        "",
        "| round | baseline req/s | scenario req/s | scenarios/s | **ratio** "
        "| scenarios/s per baseline req/s | baseline drift (after/before) "
        "| server CPU per request vs /healthz |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for i, r in enumerate(rounds, start=1):
        lines.append(
            f"| {i} | {r.baseline_req_s:,.0f} | {r.scenario.req_s:,.0f} "
            f"| {r.scenario.scenarios_s:,.1f} | **{r.ratio:.3f}** "
            f"| {r.scenario.scenarios_s / r.baseline_req_s:.4f} "
            f"| {r.after.req_s / r.before.req_s:.3f} | {r.cpu_ratio} |"
        )
    if len(rounds) > 1:
        lines += [
            "",
            f"Median ratio over {len(rounds)} rounds: **{median_round(rounds).ratio:.3f}**",
        ]
    lines.append("")
    return lines


def latency_section(phases: list[Measured]) -> list[str]:
    lines = [
        "## Latency per step (ms, client-side, includes queueing)",
        "",
        "| phase | step | count | p50 | p95 | p99 | max |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for m in phases:
        for step, values in _steps(m):
            v = sorted(values)
            cells = " | ".join(f"{percentile(v, q) * 1e3:.2f}" for q in (50, 95, 99, 100))
            lines.append(f"| {m.label} | {step} | {len(v):,} | {cells} |")
    lines.append("")
    return lines


def _steps(m: Measured) -> list[tuple[str, list[float]]]:
    lat = m.phase.stats.latencies
    order = [*STEPS, "healthz"]
    return [(s, lat[s]) for s in order if s in lat]


def errors_section(phases: list[Measured], server_log: str) -> list[str]:
    lines = ["## Errors", ""]
    total = 0
    for m in phases:
        for key, count in sorted(m.phase.stats.errors.items()):
            lines.append(f"- {m.label}: {key} x {count}")
            total += count
        lines.extend(f"  - sample: `{s}`" for s in m.phase.stats.error_samples)
    if total == 0:
        lines.append("- none: every request answered 2xx")
    hits = [ln for ln in server_log.splitlines() if LOG_PATTERN.search(ln)]
    lines += ["", f"Server log lines matching {LOG_PATTERN.pattern!r}: {len(hits)}"]
    if hits:
        lines += ["", "```", *hits[:15], "```"]
    lines.append("")
    return lines


def timeline_section(rounds: list[Round]) -> list[str]:
    """Per-second completions and worst latency of each scenario phase: stalls show here."""
    lines = [
        "## Scenario timeline (per second of each scenario phase)",
        "",
        "| round | second | requests completed | worst latency ms |",
        "|---:|---:|---:|---:|",
    ]
    for i, r in enumerate(rounds, start=1):
        for sec, (count, worst) in sorted(r.scenario.phase.stats.timeline.items()):
            lines.append(f"| {i} | {sec} | {count:,.0f} | {worst * 1e3:.1f} |")
    lines.append("")
    return lines


def interpretation(r: Round, costs: StepCosts | None) -> list[str]:
    scenario = r.scenario
    lat = {s: sorted(v) for s, v in _steps(scenario)}
    p50 = {s: percentile(v, 50) for s, v in lat.items()}
    if not p50:
        return ["## Interpretation", "", "No successful scenario requests.", ""]
    slowest = max(p50, key=lambda s: p50[s])
    counts = {s: len(v) for s, v in lat.items()}
    busiest = max(lat, key=lambda s: counts[s] * p50[s])
    return [
        "## Interpretation (generated, from the median round)",
        "",
        f"- The scenario runs at {r.ratio:.1%} of the bare-route request rate; each scenario"
        f" request costs the server {r.cpu_ratio} the CPU of a /healthz request.",
        f"- Slowest single step by p50: **{slowest}** ({p50[slowest] * 1e3:.2f} ms; "
        + ", ".join(f"{s} {v * 1e3:.2f} ms" for s, v in p50.items())
        + ").",
        f"- Most total time (count x p50): **{busiest}** - {counts[busiest]:,} of "
        f"{scenario.phase.stats.requests:,} requests.",
        f"- Sequential probe: {scenario_split(costs)}.",
        f"- Where the machine's {scenario.per_s(scenario.machine_busy_s)} busy cores went during"
        f" the scenario: {_shares(scenario)}.",
        "",
    ]


def _shares(m: Measured) -> str:
    db = 0.0 if m.db is None else m.db.cpu_s
    parts = {"server": m.server.cpu_s, "database": db, "load generator": m.client.cpu_s}
    parts["other (kernel, neighbours)"] = max(m.machine_busy_s - sum(parts.values()), 0.0)
    return ", ".join(f"{name} {m.per_s(v)}" for name, v in parts.items())


def render(info: RunInfo, phases: list[Measured]) -> str:
    rounds = rounds_of(phases)
    lines = [f"# open -> 10 events -> close on {info.backend}", "", *machine_section(info)]
    lines += throughput_section(phases) + ratio_section(rounds) + latency_section(phases)
    lines += step_cost_section(info.step_costs) + timeline_section(rounds)
    lines += errors_section(phases, info.server_log)
    lines += interpretation(median_round(rounds), info.step_costs)
    return "\n".join(lines)
