"""The import direction of design.md §3 (http -> services -> domain <- storage), checked on the
source: every import statement of every module under src/sessionary, at any depth (inside
functions and ``TYPE_CHECKING`` blocks too), relative imports resolved to absolute names."""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

import sessionary

ROOT = Path(sessionary.__file__).parent
PACKAGE = "sessionary"

# (layer, what it must not import, why)
FORBIDDEN = [
    ("http", "storage", "routes reach storage only through services and domain ports"),
    ("console", "storage", "the console reads through the read model and writes via services"),
    ("observability", "storage", "the metrics read through the read model"),
    ("services", "storage", "use cases see storage only as the domain's ports"),
    ("services", "http", "use cases know nothing of the protocols that call them"),
    ("services", "console", "use cases know nothing of the console"),
]


@dataclass(frozen=True, slots=True)
class Import:
    module: str  # the importing module, e.g. sessionary.http.deps
    target: str  # an absolute module (or module.name) it imports
    line: int


def module_name(path: Path, root: Path = ROOT) -> str:
    parts = [PACKAGE, *path.relative_to(root).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(source: str, module: str, is_package: bool) -> Iterator[Import]:
    """Every name an import statement may bind, as an absolute dotted name: for
    ``from a import b`` both ``a`` and ``a.b`` (``b`` may be a submodule)."""
    package = module.split(".") if is_package else module.split(".")[:-1]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(module, alias.name, node.lineno)
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            origin = ".".join([*base, *([node.module] if node.module else [])])
            yield Import(module, origin, node.lineno)
            for alias in node.names:
                yield Import(module, f"{origin}.{alias.name}", node.lineno)


def all_imports() -> list[Import]:
    found: list[Import] = []
    for path in sorted(ROOT.rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        found.extend(imports_of(source, module_name(path), path.name == "__init__.py"))
    return found


def within(name: str, layer: str) -> bool:
    prefix = f"{PACKAGE}.{layer}"
    return name == prefix or name.startswith(prefix + ".")


def crossings(imports: list[Import], layer: str, forbidden: str) -> list[str]:
    return sorted(
        {
            f"{i.module}:{i.line} imports {i.target}"
            for i in imports
            if within(i.module, layer) and within(i.target, forbidden)
        }
    )


def outside_domain(imports: list[Import]) -> list[str]:
    """Domain imports that are neither the standard library nor the domain itself."""
    allowed = sys.stdlib_module_names | {"__future__"}
    return sorted(
        {
            f"{i.module}:{i.line} imports {i.target}"
            for i in imports
            if within(i.module, "domain")
            and not within(i.target, "domain")
            and i.target.split(".")[0] not in allowed
        }
    )


IMPORTS = all_imports()


@pytest.mark.parametrize(("layer", "forbidden", "why"), FORBIDDEN)
def test_no_layer_imports_against_the_direction_of_design_section_3(
    layer: str, forbidden: str, why: str
) -> None:
    assert crossings(IMPORTS, layer, forbidden) == [], why


def test_the_domain_imports_only_the_standard_library_and_itself() -> None:
    assert outside_domain(IMPORTS) == []


def test_the_walk_sees_every_layer_it_polices() -> None:
    modules = {i.module for i in IMPORTS}
    for layer in ("http", "console", "observability", "services", "domain", "storage"):
        assert any(within(m, layer) for m in modules), layer


@pytest.mark.parametrize(
    "statement",
    [
        "from ...storage.errors import StorageUnavailable",
        "from ... import storage",
        "from sessionary.storage import tables",
        "import sessionary.storage.database",
        "def f():\n    from ...storage.read_model import SqlReadModel",
    ],
)
def test_an_import_of_storage_from_http_is_caught_however_it_is_spelled(statement: str) -> None:
    found = list(imports_of(statement, "sessionary.http.native.errors", is_package=False))
    assert crossings(found, "http", "storage") != []


def test_a_relative_import_from_a_package_init_resolves_against_the_package_itself() -> None:
    found = list(imports_of("from .errors import x", "sessionary.http.native", is_package=True))
    assert "sessionary.http.native.errors" in {i.target for i in found}


@pytest.mark.parametrize(
    ("statement", "caught"),
    [
        ("import sqlalchemy", True),
        ("from litestar import Request", True),
        ("from ..services.clock import SystemClock", True),
        ("from dataclasses import dataclass", False),
        ("from .model import Micros", False),
    ],
)
def test_the_domain_rule_tells_third_party_and_other_layers_from_the_standard_library(
    statement: str, caught: bool
) -> None:
    found = list(imports_of(statement, "sessionary.domain.ports", is_package=False))
    assert bool(outside_domain(found)) is caught


STORAGE_HANDLES = {"database", "unit_of_work", "uow", "engine"}


def storage_handles(source: str) -> list[str]:
    """Attribute reads like ``c.database`` or ``x.unit_of_work``: a way around the import
    rule (the container holds the database, which ``Services`` leaves out on purpose)."""
    return sorted(
        {
            f"{node.lineno}: .{node.attr}"
            for node in ast.walk(ast.parse(source))
            if isinstance(node, ast.Attribute) and node.attr in STORAGE_HANDLES
        }
    )


@pytest.mark.parametrize("layer", ["http", "console", "observability"])
def test_no_route_or_page_reaches_the_database_through_the_container(layer: str) -> None:
    found = {
        module_name(path): handles
        for path in sorted((ROOT / layer).rglob("*.py"))
        if (handles := storage_handles(path.read_text(encoding="utf-8")))
    }
    assert found == {}


def test_reaching_the_database_through_the_container_is_caught() -> None:
    source = "async def readyz(c):\n    return await c.database.ping()"
    assert storage_handles(source) == ["2: .database"]
