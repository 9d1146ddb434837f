"""Markdown report of a passings run: raw numbers, ratios per batch size, interpretation."""

from __future__ import annotations

import math
import os
import platform
import statistics
from dataclasses import dataclass

from loadgen import percentile
from passings_load import BATCHES, step_name
from report import Measured, Round, _cpu_model, _shares, errors_section, rounds_of


@dataclass
class PassingsRun:
    argv: str
    backend: str
    workers: int
    devices: int
    seconds: float
    baseline_seconds: float
    warmup_s: float
    rounds: int
    versions: dict[str, str]
    source: str
    tuning: dict[str, str]
    server_log: str
    sent: int  # num_passing values handed out, including warm-up and failed requests
    table_state: dict[str, str]  # PostgreSQL only: events rows / statistics after a batch phase
    analyzed: bool  # PostgreSQL only: ANALYZE events ran after the warm-up


def passings(m: Measured) -> int:
    return m.phase.stats.scenarios  # passings_user counts inserted passings there


def passings_s(m: Measured) -> float:
    return passings(m) / m.phase.elapsed_s


def us_per(cpu_s: float, count: int) -> float:
    return float("nan") if count == 0 else cpu_s / count * 1e6


def healthz_us(r: Round) -> float:
    """Server CPU per /healthz request, mean of the two bracketing baselines."""
    return statistics.mean(
        us_per(m.server.cpu_s, m.phase.stats.requests) for m in (r.before, r.after)
    )


def server_us_per_passing(m: Measured) -> float:
    return us_per(m.server.cpu_s, passings(m))


def db_us_per_passing(m: Measured) -> float:
    return float("nan") if m.db is None else us_per(m.db.cpu_s, passings(m))


def by_batch(rounds: list[Round]) -> dict[int, list[Round]]:
    return {n: [r for r in rounds if r.scenario.phase.name == step_name(n)] for n in BATCHES}


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def fmt(value: float, spec: str = ",.1f") -> str:
    return "n/a" if math.isnan(value) else format(value, spec)


def head_section(info: PassingsRun) -> list[str]:
    load = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    versions = ", ".join(f"{k} {v}" for k, v in info.versions.items())
    tuning = ", ".join(f"{k}={v}" for k, v in sorted(info.tuning.items())) or "none (defaults)"
    return [
        f"# RUFUS passings ingestion on {info.backend}",
        "",
        "## Machine",
        "",
        f"- nproc: {os.cpu_count()}; {platform.machine()}, {platform.system()}"
        f" {platform.release()}",
        f"- CPU: {_cpu_model()}",
        f"- Python {platform.python_version()}; {versions}",
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
        f"- server settings passed from the environment: {tuning}",
        f"- virtual users: {info.devices}, each with its own keep-alive connection, device and"
        " active session (no two users share a session row); raw asyncio client, closed loop",
        "- scenario: POST /rufus/v0/passings with batches of "
        + ", ".join(f"{n:,}" for n in BATCHES)
        + " passings (bib, num_passing, timestamp); num_passing unique and increasing per session",
        "- baseline: GET /healthz with the same number of users and connections",
        *pg_stats_line(info),
        f"- phases: {info.baseline_seconds:g} s baseline, then for each of {info.rounds} round(s)"
        f" and each batch size a {info.seconds:g} s batch phase followed by a baseline; a"
        f" {info.warmup_s:g} s batch-100 warm-up first",
        f"- errors: non-2xx, timeouts, or a 201 with duplicate_count > 0 or inserted_count"
        f" below the batch size; {info.sent:,} num_passing values were sent in all",
        "",
    ]


def pg_stats_line(info: PassingsRun) -> list[str]:
    if info.backend != "postgresql":
        return []
    how = (
        "ANALYZE events ran after the warm-up (steady state)"
        if info.analyzed
        else "left to autovacuum, as on a fresh database (see the last throughput column)"
    )
    return [f"- PostgreSQL statistics of the events table: {how}"]


def throughput_section(phases: list[Measured], table_state: dict[str, str]) -> list[str]:
    state_head, state_rule = ("| events table after phase ", "|---") if table_state else ("", "")
    lines = [
        "## Throughput (raw numbers)",
        "",
        "µs columns are CPU per completed request or per inserted passing; *cores* are CPU"
        " seconds per wall second; *server CPU wait* is time the server's threads were runnable"
        " but had no core.",
        "",
        "| phase | elapsed s | requests | req/s | passings/s | errors | client µs/req "
        "| server µs/req | server µs/passing | db µs/passing | server cores | server CPU wait "
        f"| db cores | machine busy cores {state_head}|",
        f"|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:{state_rule}|",
    ]
    for m in phases:
        state = f" {table_state.get(m.label, '-')} |" if table_state else ""
        lines.append(phase_row(m) + state)
    return [*lines, ""]


def phase_row(m: Measured) -> str:
    st, batch = m.phase.stats, m.phase.name != "baseline"
    per_p = fmt(server_us_per_passing(m)) if batch else "-"
    db_p = fmt(db_us_per_passing(m)) if batch and m.db is not None else "-"
    db_cores = "n/a" if m.db is None else m.per_s(m.db.cpu_s)
    return (
        f"| {m.label} | {m.phase.elapsed_s:.2f} | {st.requests:,} | {m.req_s:,.0f} "
        f"| {f'{passings_s(m):,.0f}' if batch else '-'} | {sum(st.errors.values())} "
        f"| {m.us_per_req(m.client)} | {m.us_per_req(m.server)} | {per_p} | {db_p} "
        f"| {m.per_s(m.server.cpu_s)} | {m.per_s(m.server.wait_s)} | {db_cores} "
        f"| {m.per_s(m.machine_busy_s)} |"
    )


def ratio_section(rounds: list[Round]) -> list[str]:
    lines = [
        "## Ratios against the same-run baseline",
        "",
        "Baseline = mean /healthz req/s of the two phases around the batch phase. *req ratio* ="
        " passings requests/s over baseline req/s; *passings ratio* = passings/s over baseline"
        " req/s (how many passings are stored in the time the server answers one /healthz);"
        " *CPU per passing vs /healthz* = server CPU per passing over server CPU per /healthz.",
        "",
        "| phase | baseline req/s | req/s | passings/s | req ratio | **passings ratio** "
        "| baseline drift (after/before) | CPU per request vs /healthz "
        "| CPU per passing vs /healthz |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rounds:
        s, base = r.scenario, healthz_us(r)
        per_p = server_us_per_passing(s)
        lines.append(
            f"| {s.label} | {r.baseline_req_s:,.0f} | {s.req_s:,.1f} | {passings_s(s):,.0f} "
            f"| {r.ratio:.4f} | **{passings_s(s) / r.baseline_req_s:.3f}** "
            f"| {r.after.req_s / r.before.req_s:.3f} | {r.cpu_ratio} | {per_p / base:.3f}x |"
        )
    return [*lines, ""]


def pooled(rounds: list[Round]) -> list[float]:
    return sorted(v for r in rounds for vs in r.scenario.phase.stats.latencies.values() for v in vs)


def summary_section(rounds: list[Round]) -> list[str]:
    lines = [
        "## Summary per batch size (median over rounds; latency pooled over rounds)",
        "",
        "| batch | passings/s | req/s | passings ratio | req ratio | p50 ms | p95 ms | p99 ms "
        "| server µs/req | server µs/passing | db µs/passing | errors |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for n, rs in by_batch(rounds).items():
        if not rs:
            continue
        sc = [r.scenario for r in rs]
        lat = pooled(rs)
        ms = " | ".join(f"{percentile(lat, q) * 1e3:,.1f}" for q in (50, 95, 99))
        errors = sum(sum(m.phase.stats.errors.values()) for m in sc)
        lines.append(
            f"| {n:,} | {_median([passings_s(m) for m in sc]):,.0f} "
            f"| {_median([m.req_s for m in sc]):,.1f} "
            f"| {_median([passings_s(r.scenario) / r.baseline_req_s for r in rs]):.3f} "
            f"| {_median([r.ratio for r in rs]):.4f} | {ms} "
            f"| {_median([us_per(m.server.cpu_s, m.phase.stats.requests) for m in sc]):,.0f} "
            f"| {_median([server_us_per_passing(m) for m in sc]):,.1f} "
            f"| {fmt(_median([db_us_per_passing(m) for m in sc]))} | {errors} |"
        )
    return [*lines, ""]


def latency_section(phases: list[Measured]) -> list[str]:
    lines = [
        "## Latency per phase (ms, client-side, includes queueing)",
        "",
        "| phase | count | p50 | p95 | p99 | max | worst second (requests) |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for m in phases:
        v = sorted(x for vs in m.phase.stats.latencies.values() for x in vs)
        cells = " | ".join(f"{percentile(v, q) * 1e3:,.2f}" for q in (50, 95, 99, 100))
        full = [c for s, (c, _) in m.phase.stats.timeline.items() if s < int(m.phase.elapsed_s)]
        worst = f"{min(full):,.0f}" if full else "-"
        lines.append(f"| {m.label} | {len(v):,} | {cells} | {worst} |")
    return [*lines, ""]


def split(rounds: list[Round]) -> tuple[float, float] | None:
    """Server CPU per request = fixed + n x per-passing, from the batch-1 and batch-5000 medians."""
    groups = by_batch(rounds)
    lo, hi = min(BATCHES), max(BATCHES)
    if not groups[lo] or not groups[hi]:
        return None

    def cpu_req(rs: list[Round]) -> float:
        return _median(
            [us_per(r.scenario.server.cpu_s, r.scenario.phase.stats.requests) for r in rs]
        )

    a, b = cpu_req(groups[lo]), cpu_req(groups[hi])
    marginal = (b - a) / (hi - lo)
    return a - marginal * lo, marginal


def interpretation(rounds: list[Round]) -> list[str]:
    lines = ["## Interpretation (generated)", ""]
    fit = split(rounds)
    base = _median([healthz_us(r) for r in rounds])
    if fit is None:
        return [*lines, "Not enough batch phases to split fixed and per-passing cost.", ""]
    fixed, marginal = fit
    lines.append(
        f"- Server CPU per request fits *fixed + n x per-passing* with fixed ≈ {fixed:,.0f} µs"
        f" (≈ {fixed / base:.0f}x a /healthz request at {base:,.0f} µs) and per-passing ≈"
        f" {marginal:,.1f} µs (from the batch-1 and batch-{max(BATCHES):,} medians)."
    )
    for n in BATCHES:
        share = fixed / (fixed + marginal * n)
        lines.append(
            f"- Batch {n:,}: ≈ {fixed / n + marginal:,.1f} µs of server CPU per passing;"
            f" {share:.0%} of it is per-request overhead (HTTP, auth, session lock and update,"
            f" commit), {1 - share:.0%} per-passing work (decode, validate, dedupe, insert)."
        )
    lines += unstable(rounds)
    for n, rs in by_batch(rounds).items():
        if rs:
            mid = sorted(rs, key=lambda r: passings_s(r.scenario))[(len(rs) - 1) // 2]
            lines.append(f"- Cores during batch {n:,} (median round): {_shares(mid.scenario)}.")
    return [*lines, ""]


def unstable(rounds: list[Round]) -> list[str]:
    """Flag batch sizes whose server or database CPU per passing differs > 1.5x across rounds."""
    out = []
    for n, rs in by_batch(rounds).items():
        for what, cost in (("server", server_us_per_passing), ("database", db_us_per_passing)):
            values = [v for v in (cost(r.scenario) for r in rs) if not math.isnan(v)]
            if len(values) > 1 and max(values) > 1.5 * min(values):
                shown = ", ".join(f"{v:,.1f}" for v in values)
                out.append(
                    f"- **Varies across rounds:** {what} CPU per passing at batch {n:,}"
                    f" ({shown} µs, > 1.5x): neighbours, or a change in the database (PostgreSQL:"
                    " see the events-table column); prefer the cheaper round or run again."
                )
    return out


def render(info: PassingsRun, phases: list[Measured]) -> str:
    rounds = rounds_of(phases)
    lines = head_section(info) + summary_section(rounds)
    lines += throughput_section(phases, info.table_state)
    lines += ratio_section(rounds) + latency_section(phases)
    lines += errors_section(phases, info.server_log) + interpretation(rounds)
    return "\n".join(lines)
