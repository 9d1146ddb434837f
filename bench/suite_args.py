"""The suite's command line: configurations, the --only selection, the --tree A/B trees."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

DEFAULT_CONFIGS = "sqlite:1,sqlite:2,postgresql:1,postgresql:2"


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description="The benchmark suite of issue #9 (bench/README.md).")
    p.add_argument("--seconds", type=float, default=8.0, help="length of each wrk phase")
    p.add_argument("--configs", default=DEFAULT_CONFIGS, help="backend:workers, comma-separated")
    p.add_argument("--close-ids", type=int, default=60_000,
                   help="native sessions to close (half as many HiveMP and RUFUS)")  # fmt: skip
    p.add_argument("--peer-ids", type=int, default=20_000, help="peer sessions for closing")
    p.add_argument("--only", default="",
                   help="run only scenarios containing this text, or one of a|b|...; '=name' "
                        "matches the whole name, a suffix '@16' one connection count")  # fmt: skip
    p.add_argument("--tree", action="append", default=[], metavar="LABEL=PATH",
                   help="serve PATH/src (this interpreter) as LABEL; twice for an A/B")  # fmt: skip
    p.add_argument("--repeat", type=int, default=1,
                   help="with --tree: runs of each phase per tree, order ABBA...")  # fmt: skip
    p.add_argument("--out", type=Path, default=None, help="report stem (default: results/...)")
    p.add_argument("--no-settle", action="store_true",
                   help="start each phase at once: no wait for the servers to go quiet, "
                        "no database checkpoint")  # fmt: skip
    args = p.parse_args(argv)
    try:
        args.config_list = [(b, int(w)) for b, w in (c.split(":") for c in args.configs.split(","))]
    except ValueError:
        p.error("--configs: backend:workers[,backend:workers...]")
    if any(b not in ("sqlite", "postgresql") or w < 1 for b, w in args.config_list):
        p.error("--configs: backend is sqlite or postgresql, workers >= 1")
    if args.seconds < 1 or min(args.close_ids, args.peer_ids) < 1000 or args.repeat < 1:
        p.error("--seconds >= 1; --close-ids and --peer-ids >= 1000; --repeat >= 1")
    args.trees = parse_trees(p, args.tree)
    return args


def parse_trees(p: argparse.ArgumentParser, given: list[str]) -> list[tuple[str, Path | None]]:
    """(label, tree) pairs; without --tree one unnamed tree: the interpreter's own install."""
    trees: list[tuple[str, Path | None]] = []
    for item in given:
        label, _, path = item.partition("=")
        tree = Path(path).resolve()
        if not re.fullmatch(r"[a-z][a-z0-9_]{0,15}", label) or not (tree / "src").is_dir():
            p.error(f"--tree {item}: LABEL=PATH, label [a-z][a-z0-9_]*, PATH/src a directory")
        trees.append((label, tree))
    if len({label for label, _ in trees}) != len(trees):
        p.error("--tree: labels must differ")
    return trees or [("", None)]


def selects(only: str, target: str, scenario: str, connections: int) -> bool:
    """Whether ``--only`` selects a phase (the ceiling always runs)."""
    if not only or target == "ceiling":
        return True
    for item in only.split("|"):
        name, _, conns = item.partition("@")
        hit = scenario == name[1:] if name.startswith("=") else name in scenario
        if hit and (not conns or int(conns) == connections):
            return True
    return False
