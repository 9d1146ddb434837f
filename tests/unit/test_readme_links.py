"""README.md names only files that are in the repository: its relative links, and the paths it
quotes in backticks (``tests/...``, ``deploy/...``; inside the package, ``storage/...``)."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PACKAGE = REPO / "src" / "sessionary"
LINK = re.compile(r"\]\(([^)\s]+)\)")
# A quoted path: at least one slash, a known top folder or a file extension, no spaces.
QUOTED = re.compile(r"`([A-Za-z0-9_.-]+(?:/[A-Za-z0-9_.-]+)+/?)`")
TOP = ("src/", "tests/", "bench/", "scripts/", "examples/", "deploy/", "requirements/", ".ci/",
       "specs/", "docs/")


def _readme() -> str:
    return (REPO / "README.md").read_text()


def _exists(target: str) -> bool:
    path = target.split("#", 1)[0].rstrip("/")
    return any((base / path).exists() for base in (REPO, PACKAGE, PACKAGE.parent))


def test_every_relative_link_in_the_readme_points_at_a_file_in_the_repository() -> None:
    targets = [t for t in LINK.findall(_readme()) if not re.match(r"[a-z]+:|#", t)]
    assert [t for t in targets if not _exists(t)] == []


def test_every_path_the_readme_quotes_is_in_the_repository() -> None:
    quoted = [
        q for q in QUOTED.findall(_readme())
        if q.startswith(TOP) or re.search(r"\.(md|py|toml|txt|yaml|sh|service)$", q)
    ]
    assert quoted, "the pattern finds the README's paths"
    assert [q for q in quoted if not _exists(q)] == []
