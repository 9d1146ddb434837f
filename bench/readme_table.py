"""Put a suite run's summary into README.md, between the latest-bench-table markers.

    .venv/bin/python bench/readme_table.py bench/results/<date>-suite "Latest run (...): ..."

One row per scenario and connection count, one column per configuration; each cell is req/s as
a fraction of the ceiling of the same configuration, then req/s (passings/s for RUFUS), p99 and
server CPU per request, and for close the multiple of the naive peer's close. The targets table
of the run's Markdown report follows it."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

README = Path(__file__).resolve().parent.parent / "README.md"
START, END = "<!-- latest-bench-table -->\n", "<!-- /latest-bench-table -->"


def cell(phase: dict[str, Any]) -> str:
    rufus = "RUFUS" in phase["scenario"]
    rate = f"{phase['items_per_s']:,.0f} passings/s" if rufus else f"{phase['rps']:,.0f}/s"
    text = (
        f"{phase['x_ceiling']:.3f} ({rate}, p99 {phase['p99_ms']:.1f} ms, "
        f"{phase['cpu_us_per_req']:,.0f} µs CPU)"
    )
    if phase.get("x_peer_close"):
        text += f", **{phase['x_peer_close']:.1f}x peer**"
    return text


def table(phases: list[dict[str, Any]]) -> list[str]:
    configs: list[str] = []
    rows: dict[str, dict[str, str]] = {}
    ceilings: dict[str, list[float]] = {}
    for p in phases:
        if p["config"] not in configs:
            configs.append(p["config"])
        if p["target"] == "ceiling":
            if p["connections"] == 64:
                ceilings.setdefault(p["config"], []).append(p["rps"])
            continue
        rows.setdefault(f"{p['scenario']} ({p['connections']})", {})[p["config"]] = cell(p)
    out = [f"| scenario (conns) | {' | '.join(configs)} |", "|---|" + "---:|" * len(configs)]
    for name, cells in rows.items():
        out.append(f"| {name} | " + " | ".join(cells.get(c, "-") for c in configs) + " |")
    means = [sum(ceilings[c]) / len(ceilings[c]) for c in configs]
    out.append("| ceiling, 64 conns (= 1.000) | " + " | ".join(f"{m:,.0f}/s" for m in means) + " |")
    return out


def targets(report: str) -> str:
    block = report[report.index("| target |") :]
    return block[: block.index("\n\n")]


def main(argv: list[str]) -> int:
    stem, label = Path(argv[0]), argv[1]
    run = json.loads(stem.with_suffix(".json").read_text())
    report = stem.with_suffix(".md").read_text()
    block = "\n".join(
        [label, "", *table(run["phases"]), "", "Issue #9 targets checked by that run:", ""]
    )
    block += "\n" + targets(report) + "\n"
    readme = README.read_text()
    start = readme.index(START) + len(START)
    README.write_text(readme[:start] + block + readme[readme.index(END) :])
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
