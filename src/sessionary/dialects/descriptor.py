"""What a dialect plug-in exports: one ``Dialect``, which the app, the CLI and the console
iterate (supertokens' ``recipe_list``). No Litestar or Typer import here: the heavy parts of a
dialect are behind its callables, so reading the registry stays cheap."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol

if TYPE_CHECKING:
    import typer
    from litestar import Litestar, Router

    from ..config import Settings
    from ..domain.model import Actor, Tenant
    from ..http.errors import Renderer
    from ..services.registry import Services


@dataclass(frozen=True, slots=True)
class Mount:
    """A router and the renderer for every error under its prefix."""

    prefix: str
    router: Router
    render: Renderer


class FormValues(Protocol):
    """A posted console form (``console.context.Form``)."""

    def get(self, key: str) -> str: ...


@dataclass(frozen=True, slots=True)
class KeyField:
    """One input of a console "create" card; ``element_id`` is the HTML id of the input."""

    name: str
    label: str
    element_id: str
    kind: Literal["text", "select", "check"] = "text"
    options: tuple[str, ...] = ()
    max_length: int = 200


@dataclass(frozen=True, slots=True)
class Issued:
    """A created credential: its id (when it has one worth showing) and the values shown once."""

    key_id: str | None
    shown: list[tuple[str, str]]


IssueKey = Callable[["Services", "Tenant", FormValues, "Actor"], Awaitable[Issued]]


@dataclass(frozen=True, slots=True)
class KeyKind:
    """A kind of credential the console's keys page can create for a tenant."""

    kind: str
    label: str
    fields: tuple[KeyField, ...]
    issue: IssueKey


@dataclass(frozen=True, slots=True, kw_only=True)
class Dialect:
    """A wire dialect. ``settings_fields`` is the slice of ``Settings`` it owns (read from
    ``SESSIONARY_<FIELD>``); a plug-in outside the core reads its own pydantic-settings model in
    ``mount``. ``wrap`` sees the finished app, for what routing cannot express (path folding).
    ``provisioning`` names the use cases that create its credentials and subjects."""

    name: str
    mount: Callable[[Settings], Sequence[Mount]]
    settings_fields: tuple[str, ...] = ()
    native_routes: Callable[[], Sequence[Any]] | None = None
    wrap: Callable[[Litestar, Settings], None] | None = None
    cli: Callable[[], typer.Typer] | None = None
    keys: tuple[KeyKind, ...] = ()
    provisioning: Mapping[str, Callable[..., Awaitable[Any]]] = field(default_factory=dict)
