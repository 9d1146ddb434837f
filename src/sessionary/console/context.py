"""What every console handler is given: the container, sign-in and the read views, plus the
signed-in operator (or a redirect to the sign-in page)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar.datastructures import Cookie
from litestar.di import Provide

from ..domain.errors import InvalidInput
from ..http.request_id import request_id
from ..services.registry import Services
from .queries import ConsoleReads
from .render import PREFIX, AnyRequest
from .signin import COOKIE, ConsoleAuth, Operator


@dataclass(slots=True)
class Console:
    c: Services
    auth: ConsoleAuth
    reads: ConsoleReads

    def cookie(self, value: str, *, clear: bool = False) -> Cookie:
        """The sign-in cookie: HttpOnly, SameSite=Strict, /admin only, Secure unless turned off."""
        return Cookie(
            key=COOKIE,
            value="" if clear else value,
            path=PREFIX,
            httponly=True,
            samesite="strict",
            secure=self.c.settings.console_cookie_secure,
            max_age=0 if clear else None,
        )


def provide_console(request: AnyRequest) -> Console:
    state = request.app.state
    console: Console | None = state.get("console")
    if console is None:
        container: Services = state.container
        console = Console(
            container,
            ConsoleAuth(container),
            ConsoleReads(container.read_model, container.clock),
        )
        state["console"] = console
    return console


async def provide_operator(request: AnyRequest, console: Console) -> Operator:
    return await console.auth.load(request.cookies.get(COOKIE), request_id(request))


@dataclass(slots=True, frozen=True)
class Form:
    """A posted form's text fields (the console takes no files)."""

    fields: dict[str, list[str]]

    def get(self, key: str) -> str:
        values = self.fields.get(key)
        return values[0].strip() if values else ""

    def all(self, key: str) -> list[str]:
        return [v.strip() for v in self.fields.get(key, []) if v.strip()]


async def read_form(request: AnyRequest) -> Form:
    form = await request.form()
    fields: dict[str, list[str]] = {}
    for key, value in form.multi_items():
        if not isinstance(value, str):
            raise InvalidInput("this form takes no files", field=key)
        fields.setdefault(key, []).append(value)
    return Form(fields)


DEPENDENCIES: dict[str, Any] = {
    "console": Provide(provide_console, sync_to_thread=False),
    "operator": Provide(provide_operator),
}
