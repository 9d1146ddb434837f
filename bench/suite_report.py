"""The suite's report: JSON (every phase), a Markdown table per configuration with ratios to the
ceiling and the peer, the issue's targets checked, and a PNG chart (matplotlib, Agg)."""

from __future__ import annotations

import json
import os
import platform
import sqlite3
import statistics
from importlib.metadata import version
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"
CEILING, PEER_CLOSE, CLOSE = (
    "ceiling (bare Starlette JSON)",
    "peer close (FastAPI + ORM)",
    "native close",
)
P99_SCENARIOS = ("native open", "native close", "native get", "append 1 event")
Row = dict[str, Any]


def machine() -> dict[str, str]:
    cpu = next((ln.split(":", 1)[1].strip() for ln in Path("/proc/cpuinfo").read_text().splitlines()
                if ln.startswith("model name")), "unknown")  # fmt: skip
    mem_kb = int(Path("/proc/meminfo").read_text().split()[1])
    return {"cpus": str(os.cpu_count()), "cpu_model": cpu, "ram": f"{mem_kb / 1024**2:.1f} GiB",
            "kernel": platform.release()}  # fmt: skip


def versions(pg_version: str) -> dict[str, str]:
    out = {"python": platform.python_version(), "sqlite": sqlite3.sqlite_version,
           "postgresql": pg_version}  # fmt: skip
    for name in ("granian", "litestar", "msgspec", "sqlalchemy", "asyncpg", "starlette",
                 "fastapi", "aiosqlite"):  # fmt: skip
        out[name] = version(name)
    return out


def ceiling_rps(rows: list[Row], config: str, conns: int) -> float:
    found = [r["rps"] for r in rows if r["config"] == config and r["scenario"] == CEILING
             and r["connections"] == conns]  # fmt: skip
    return statistics.mean(found) if found else 0.0


def peer_rps(rows: list[Row], config: str, conns: int) -> float:
    found = [r["rps"] for r in rows if r["config"] == config and r["scenario"] == PEER_CLOSE
             and r["connections"] == conns]  # fmt: skip
    return found[0] if found else 0.0


def with_ratios(rows: list[Row]) -> list[Row]:
    for r in rows:
        ceil = ceiling_rps(rows, r["config"], r["connections"])
        r["x_ceiling"] = r["rps"] / ceil if ceil else None
        peer = peer_rps(rows, r["config"], r["connections"])
        r["x_peer_close"] = r["rps"] / peer if peer and r["scenario"] == CLOSE else None
    return rows


def _fmt(value: float | None, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def table(rows: list[Row], config: str) -> str:
    head = ("| scenario | conns | req/s | items/s | p50 ms | p99 ms | p99.9 ms | errors | "
            "server CPU µs/req | peak RSS/proc MB | x ceiling | x peer close |\n"
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")  # fmt: skip
    lines = []
    for r in rows:
        if r["config"] != config:
            continue
        items = (
            "" if r["items_unit"] == "requests" else f"{r['items_per_s']:,.0f} {r['items_unit']}"
        )
        lines.append(
            f"| {r['scenario']} | {r['connections']} | {r['rps']:,.0f} | {items} | "
            f"{r['p50_ms']:.1f} | {r['p99_ms']:.1f} | {r['p999_ms']:.1f} | {r['errors']} | "
            f"{r['cpu_us_per_req']:,.0f} | {r['peak_rss_mb']:.0f} | "
            f"{_fmt(r['x_ceiling'], '.3f')} | {_fmt(r['x_peer_close'], '.1f')}x |".replace(
                "| -x |", "| - |"
            )
        )
    return head + "\n".join(lines) + "\n"


def pick(rows: list[Row], config: str, scenario: str, conns: int) -> Row | None:
    return next((r for r in rows if r["config"] == config and r["scenario"] == scenario
                 and r["connections"] == conns), None)  # fmt: skip


def targets(rows: list[Row]) -> list[tuple[str, str, str]]:
    """(target, measured, verdict) for the issue's "Done means" that one suite run can check."""
    out: list[tuple[str, str, str]] = []

    def add(label: str, value: float | None, ok: bool, shown: str) -> None:
        out.append((label, shown if value is not None else "not measured",
                    "-" if value is None else ("holds" if ok else "**misses**")))  # fmt: skip

    for config, need in (("postgresql 2w", 3.0), ("sqlite 1w", 10.0)):
        r = pick(rows, config, CLOSE, 64)
        v = r["x_peer_close"] if r else None
        shown = (
            f"{v:.1f}x ({r['rps']:,.0f} vs {peer_rps(rows, config, 64):,.0f}/s)" if r and v else ""
        )
        add(f"{config}, 64 conns: close ≥ {need:g}x peer", v, bool(v and v >= need), shown)
    r = pick(rows, "sqlite 1w", CLOSE, 64)
    v = r["x_ceiling"] if r else None
    add("sqlite 1w: close ≥ 0.30 x ceiling", v, bool(v and v >= 0.30), f"{v:.3f}" if v else "")
    for config in sorted({r["config"] for r in rows}):
        worst = [pick(rows, config, s, 16) for s in P99_SCENARIOS]
        got = [w for w in worst if w]
        if got:
            top = max(got, key=lambda w: w["p99_ms"])
            add(f"{config}: p99 at 16 conns ≤ 15 ms (open/close/get/append)", top["p99_ms"],
                top["p99_ms"] <= 15, f"worst {top['scenario']} {top['p99_ms']:.1f} ms")  # fmt: skip
    for config in sorted({r["config"] for r in rows if r["config"].startswith("postgresql")}):
        r = pick(rows, config, "RUFUS passings x5000", 16)
        v = r["items_per_s"] if r else None
        add(f"{config}: RUFUS ≥ 100,000 passings/s in 5,000-batches", v,
            bool(v and v >= 100_000), f"{v:,.0f}/s" if v else "")  # fmt: skip
    mine = [r for r in rows if r["target"] == "sessionary"]
    if mine:
        top = max(mine, key=lambda r: r["peak_rss_mb"])
        add("peak RSS per worker ≤ 150 MB", top["peak_rss_mb"], top["peak_rss_mb"] <= 150,
            f"max {top['peak_rss_mb']:.0f} MB ({top['config']}, {top['scenario']})")  # fmt: skip
    return out


def markdown(rows: list[Row], meta: dict[str, Any]) -> str:
    m, v = meta["machine"], meta["versions"]
    parts = [
        f"# Benchmark suite — {meta['started']}\n",
        f"`{meta['argv']}` — {meta['source']}; wrk 2 threads, {meta['seconds']:g} s per phase, "
        "loopback. Ratios are against the ceiling (a bare Starlette JSON route on granian with "
        "the same workers) and the naive peer (bench/peers/fastapi_orm.py), measured in the "
        "same run; absolute numbers on this shared machine drift up to 1.5x.\n",
        f"Machine: {m['cpus']} CPUs ({m['cpu_model']}), {m['ram']} RAM, Linux {m['kernel']}. "
        "Versions: " + ", ".join(f"{k} {val}" for k, val in v.items()) + ".\n",
        "## Targets of issue #9 checked by this run\n",
        "| target | measured | verdict |\n|---|---|---|\n"
        + "\n".join(f"| {a} | {b} | {c} |" for a, b, c in targets(rows))
        + "\n",
    ]
    for config in dict.fromkeys(r["config"] for r in rows):
        parts.append(f"## {config}\n\n" + table(rows, config))
    failed = [r for r in rows if r["errors"]]
    if failed:
        parts.append(
            "## Errors (first answers of each failing phase)\n\n"
            + "\n".join(
                f"- {r['config']}, {r['scenario']} c{r['connections']}: {r['errors']} "
                f"({', '.join(f'{k} {n}' for k, n in r['error_kinds'].items() if n)}): "
                + "; ".join(f"`{s[:160]}`" for s in r["error_samples"])
                for r in failed
            )
            + "\n"
        )
    parts.append("Items: sessions opened/closed, events appended, passings inserted. "
                 "Errors: non-2xx, timeouts, socket errors and 2xx bodies reporting failure "
                 "(Pagos `Success:false`, casino `error≠0`, RUFUS short inserts). Server CPU "
                 "is the whole server process tree's scheduler time over requests; peak RSS "
                 "is the largest VmHWM of one process of the tree during the phase.\n")  # fmt: skip
    return "\n".join(parts)


def chart(rows: list[Row], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    configs = list(dict.fromkeys(r["config"] for r in rows))
    labels = list(dict.fromkeys(f"{r['scenario']} c{r['connections']}" for r in rows
                                if r["target"] != "ceiling"))  # fmt: skip
    fig, ax = plt.subplots(figsize=(10, 0.45 * len(labels) + 1.5))
    height = 0.8 / max(1, len(configs))
    for i, config in enumerate(configs):
        vals = []
        for label in labels:
            r = next((r for r in rows if r["config"] == config
                      and f"{r['scenario']} c{r['connections']}" == label), None)  # fmt: skip
            vals.append(r["x_ceiling"] or 0 if r else 0)
        ax.barh([y + i * height for y in range(len(labels))], vals, height, label=config)
    ax.set_yticks([y + 0.4 - height / 2 for y in range(len(labels))], labels, fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("req/s as a fraction of the ceiling (same run, same workers)")
    ax.legend(fontsize=8)
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def render_all(stem: Path, rows: list[Row], **meta: Any) -> Path:
    meta = {**meta, "machine": machine(), "versions": versions(meta.pop("pg_version"))}
    rows = with_ratios(rows)
    stem.parent.mkdir(parents=True, exist_ok=True)
    stem.with_suffix(".json").write_text(json.dumps({"meta": meta, "phases": rows}, indent=1))
    md = stem.with_suffix(".md")
    md.write_text(markdown(rows, meta))
    chart(rows, stem.with_suffix(".png"))
    return md
