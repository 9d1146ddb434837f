"""/v1/usage: billed minutes and counts per UTC day, as JSON or CSV."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any, Literal

from litestar import Response, get
from litestar.params import Parameter

from ...bootstrap import Container
from ...domain.model import Principal
from ...domain.scopes import USAGE_READ
from ..deps import tenant_of
from .present import usage_out
from .structs import UsageOut


def usage_csv(out: UsageOut) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["date", "opened", "ended", "billed_minutes"])
    for row in [*out.days, out.totals]:
        writer.writerow([row.date, row.opened, row.ended, row.billed_minutes])
    return buf.getvalue()


@get("/usage", opt={"scope": USAGE_READ}, tags=["usage"])
async def usage(
    c: Container,
    principal: Principal,
    date_from: Annotated[date | None, Parameter(query="from")] = None,
    date_to: Annotated[date | None, Parameter(query="to")] = None,
    subject_kind: str | None = None,
    format: Literal["json", "csv"] = "json",
) -> Response[Any]:
    """Query ``from``/``to`` (UTC days, inclusive; default: the last 30 days).

    A session's minutes, ceil(active seconds / 60), count on the day it ended."""
    today = datetime.now(UTC).date()
    day_to = date_to or today
    day_from = date_from or (day_to - timedelta(days=29))
    tenant = await c.tenants.get(tenant_of(principal))
    report = await c.usage.report(tenant.pk, day_from, day_to, subject_kind)
    out = usage_out(tenant.name, report, subject_kind)
    if format == "csv":
        return Response(content=usage_csv(out), media_type="text/csv; charset=utf-8")
    return Response(content=out)


ROUTES: list[Any] = [usage]
