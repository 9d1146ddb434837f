"""The A/B report of ``suite.py --tree A=... --tree B=...``: server CPU per request and req/s of
every phase of each tree, their medians and the ratio B/A; then, per tree, each seed's close
against the native close of the same tree and the Pagos open against the native open (the
targets of issue 20: at most 1.5x)."""

from __future__ import annotations

import os
import statistics
from pathlib import Path
from typing import Any

Row = dict[str, Any]
TARGET = 1.5
NATIVE_CLOSE, NATIVE_OPEN = "native close", "native open"
PAGOS_BOTH, PAGOS_CLOSE = "Pagos open+close", "Pagos close"
# (label, scenario, connections, the native scenario it is held against at those connections)
SEED_RATIOS = (
    ("HiveMP DELETE / native close", "HiveMP DELETE /session", 64, NATIVE_CLOSE),
    ("RUFUS close / native close", "RUFUS close", 64, NATIVE_CLOSE),
    ("Pagos close / native close", PAGOS_CLOSE, 16, NATIVE_CLOSE),
    ("casino closesession / native close", "casino closesession", 64, NATIVE_CLOSE),
    ("casino closesession, no gameId / native close", "casino closesession (no gameId)", 64,
     NATIVE_CLOSE),
)  # fmt: skip


def runs(rows: list[Row], config: str, tree: str, scenario: str, conns: int) -> list[Row]:
    return [r for r in rows if r["config"] == config and r["tree"] == tree
            and r["scenario"] == scenario and r["connections"] == conns]  # fmt: skip


def median_cpu(found: list[Row]) -> float | None:
    return statistics.median(r["cpu_us_per_req"] for r in found) if found else None


def median_rps(found: list[Row]) -> float | None:
    return statistics.median(r["rps"] for r in found) if found else None


def rate(r: Row) -> str:
    """req/s, or passings/s for RUFUS batches (the figure their target is about)."""
    if r["items_unit"] == "passings":
        return f"{r['items_per_s']:,.0f} passings/s"
    return f"{r['rps']:,.0f}/s"


def cells(found: list[Row]) -> str:
    return ", ".join(f"{r['cpu_us_per_req']:,.0f} ({rate(r)})" for r in found) or "-"


def ratio(new: float | None, old: float | None) -> str:
    return f"{new / old:.2f}" if new and old else "-"


def phases_table(rows: list[Row], config: str, trees: list[str]) -> str:
    a, b = trees[0], trees[-1]
    head = (f"| scenario | conns | {a}: µs/req (req/s) per run | {b}: µs/req (req/s) per run "
            f"| {a} median µs | {b} median µs | CPU {b}/{a} | req/s {b}/{a} | errors |\n"
            "|---|---:|---|---|---:|---:|---:|---:|---:|\n")  # fmt: skip
    keys = dict.fromkeys((r["scenario"], r["connections"]) for r in rows
                         if r["config"] == config and r["tree"])  # fmt: skip
    lines = []
    for scenario, conns in keys:
        old, new = runs(rows, config, a, scenario, conns), runs(rows, config, b, scenario, conns)
        errors = sum(r["errors"] for r in old + new)
        lines.append(
            f"| {scenario} | {conns} | {cells(old)} | {cells(new)} "
            f"| {median_cpu(old) or 0:,.0f} | {median_cpu(new) or 0:,.0f} "
            f"| {ratio(median_cpu(new), median_cpu(old))} "
            f"| {ratio(median_rps(new), median_rps(old))} | {errors or ''} |"
        )
    return head + "\n".join(lines) + "\n"


def pagos_open_us(rows: list[Row], config: str, tree: str) -> float | None:
    """Pagos open, derived: "Pagos open+close" alternates an open and a close on every
    connection, so its CPU per request is their mean; open = 2 x mean - close alone."""
    both = median_cpu(runs(rows, config, tree, PAGOS_BOTH, 16))
    close = median_cpu(runs(rows, config, tree, PAGOS_CLOSE, 16))
    return 2 * both - close if both and close else None


def seed_table(rows: list[Row], config: str, trees: list[str]) -> str:
    head = ("| ratio (server CPU per request, medians, same tree) | " + " | ".join(trees)
            + " | target |\n|---|" + "---:|" * len(trees) + "---|\n")  # fmt: skip
    lines = []
    for label, scenario, conns, native in SEED_RATIOS:
        vals = [ratio(median_cpu(runs(rows, config, t, scenario, conns)),
                      median_cpu(runs(rows, config, t, native, conns))) for t in trees]  # fmt: skip
        lines.append(f"| {label} (c{conns}) | " + " | ".join(vals) + f" | ≤ {TARGET:g} |")
    opens = [ratio(pagos_open_us(rows, config, t),
                   median_cpu(runs(rows, config, t, NATIVE_OPEN, 16))) for t in trees]  # fmt: skip
    lines.append("| Pagos open (derived) / native open (c16) | " + " | ".join(opens)
                 + f" | ≤ {TARGET:g} |")  # fmt: skip
    return head + "\n".join(lines) + "\n"


def spread(rows: list[Row], config: str, trees: list[str]) -> str:
    """The largest max/min of one tree's repeated runs of one phase: the run's own noise."""
    worst: tuple[float, str] = (1.0, "")
    for r in rows:
        if r["config"] != config or not r["tree"]:
            continue
        same = runs(rows, config, r["tree"], r["scenario"], r["connections"])
        cpu = [x["cpu_us_per_req"] for x in same if x["cpu_us_per_req"]]
        if len(cpu) > 1 and max(cpu) / min(cpu) > worst[0]:
            worst = (max(cpu) / min(cpu), f"{r['scenario']} c{r['connections']} [{r['tree']}]")
    return f"{worst[0]:.2f}x ({worst[1]})" if worst[1] else "one run per tree"


def load(rows: list[Row], config: str) -> str:
    """How busy the whole machine was during the phases (wrk, PostgreSQL and neighbours too)."""
    busy = [r["machine_cores"] for r in rows if r["config"] == config and r.get("machine_cores")]
    if not busy:
        return "machine load not recorded"
    return (f"machine busy during the phases: median {statistics.median(busy):.2f} of "
            f"{os.cpu_count()} cores "
            f"(min {min(busy):.2f}, max {max(busy):.2f})")  # fmt: skip


def errors_section(rows: list[Row]) -> str:
    failed = [r for r in rows if r["errors"]]
    if not failed:
        return (
            "No errors: every measured request succeeded (non-2xx, timeouts, socket errors, "
            "2xx bodies reporting a failure and reused pool ids are all counted).\n"
        )
    return (
        "## Errors\n\n"
        + "\n".join(
            f"- {r['config']}, {r['scenario']} c{r['connections']} [{r['tree']}]: {r['errors']} "
            f"({', '.join(f'{k} {n}' for k, n in r['error_kinds'].items() if n)}): "
            + "; ".join(f"`{s[:160]}`" for s in r["error_samples"])
            for r in failed
        )
        + "\n"
    )


def markdown(rows: list[Row], meta: dict[str, Any]) -> str:
    trees = meta["trees"]
    parts = [
        f"# A/B — {meta['started']}\n",
        f"`{meta['argv']}`\n",
        "Trees: "
        + "; ".join(f"**{t}** = {meta['sources'][t]}" for t in trees)
        + f". PostgreSQL: {meta['pg_version']}. wrk 2 threads, {meta['seconds']:g} s phases, "
        f"each phase {meta['repeat']}x per tree in the order ABBA. Cells: the server process "
        "tree's CPU per request (µs) and req/s; ratios are of medians.\n",
    ]
    for config in dict.fromkeys(r["config"] for r in rows):
        ceil = [f"{r['rps']:,.0f}" for r in rows
                if r["config"] == config and r["target"] == "ceiling"]  # fmt: skip
        parts.append(f"## {config}\n\nCeiling (bare Starlette) req/s: {', '.join(ceil) or '-'};"
                     f" {load(rows, config)}; largest spread of one tree's runs: "
                     f"{spread(rows, config, trees)}.\n")  # fmt: skip
        parts.append(phases_table(rows, config, trees))
        parts.append(seed_table(rows, config, trees))
    parts.append(errors_section(rows))
    return "\n".join(parts)


def render_ab(stem: Path, rows: list[Row], meta: dict[str, Any]) -> Path:
    md = stem.with_suffix(".md")
    md.write_text(markdown(rows, meta))
    return md
