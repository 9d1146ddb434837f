"""pyproject's runtime dependencies are exactly what src/ imports, and the hash-pinned locks
agree: the runtime lock has no development package, and a package has one version in all."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DEV_ONLY = {"pytest", "ruff", "mypy", "playwright", "hypothesis", "schemathesis", "uvicorn"}
PIN = re.compile(r"^([A-Za-z0-9_.-]+)==([^\s;]+)", re.MULTILINE)


def _imported() -> set[str]:
    found: set[str] = set()
    for path in (REPO / "src" / "sessionary").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                found.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add(node.module.split(".")[0])
    return {m for m in found if m not in sys.stdlib_module_names and m != "sessionary"}


def _declared() -> set[str]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    names = {re.split(r"[\[<>=!~ ]", d, maxsplit=1)[0].lower() for d in project["dependencies"]}
    return {n.replace("-", "_") for n in names}  # each is imported under its own name


def _pins(lock: str) -> dict[str, str]:
    text = (REPO / "requirements" / lock).read_text()
    return {name.lower().replace("_", "-"): version for name, version in PIN.findall(text)}


# Modules imported only when an optional extra is installed (and asked for), by extra.
OPTIONAL = {"opentelemetry": "otel"}


def test_the_runtime_dependencies_are_what_the_package_imports() -> None:
    assert _declared() == _imported() - set(OPTIONAL)


def test_each_optional_import_has_its_extra() -> None:
    extras = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    assert set(OPTIONAL) <= _imported()
    assert all(extra in extras["optional-dependencies"] for extra in OPTIONAL.values())


def test_the_runtime_lock_holds_no_development_package() -> None:
    assert DEV_ONLY & set(_pins("runtime.txt")) == set()
    assert set(_pins("dev.txt")) >= DEV_ONLY - {"uvicorn"}  # spelled as the locks spell them


def test_every_locked_package_has_one_version_in_all_locks() -> None:
    runtime, dev, bench = _pins("runtime.txt"), _pins("dev.txt"), _pins("bench.txt")
    assert {n: v for n, v in runtime.items() if dev.get(n) != v} == {}
    assert {n: v for n, v in dev.items() if bench.get(n) != v} == {}


def test_every_pin_in_the_locks_carries_a_hash() -> None:
    for lock in ("runtime.txt", "dev.txt", "bench.txt", "lock-tool.txt"):
        entries = re.split(r"\n(?=[A-Za-z0-9])", (REPO / "requirements" / lock).read_text())
        pinned = [e for e in entries if PIN.match(e)]
        assert pinned and all("--hash=sha256:" in e for e in pinned), lock
