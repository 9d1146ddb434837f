"""D1-D4: bind, unbind, list and read timing devices (spec §5)."""

from __future__ import annotations

import secrets
from typing import Annotated, Any

from litestar import Request, Response, delete, get, post
from litestar.params import Parameter

from ....domain.errors import SubjectNotFound
from ....domain.model import Principal
from ....services.registry import Services
from .common import actor, parse, tenant_of
from .errors import RufusError
from .reply import reply
from .translate import BOUND, DEVICE, DIALECT, device_attributes, device_detail, device_summary
from .wire import DeviceIn

AnyRequest = Request[Any, Any, Any]


@post("/devices", status_code=201)
async def bind_device(request: AnyRequest, c: Services, principal: Principal) -> Response[bytes]:
    """Re-binding a serial number binds a new device with a fresh id (spec §9.9)."""
    attributes = device_attributes(await parse(request, DeviceIn))
    deviceid = secrets.token_hex(32).upper()
    tenant = tenant_of(principal)
    await c.subjects.put(tenant, DEVICE, deviceid, attributes, actor(request, principal))
    return reply(request, 201, {"description": "Device binded succesfully", "deviceid": deviceid})


@delete("/devices/{deviceid:str}", status_code=200)
async def unbind_device(
    deviceid: str, request: AnyRequest, c: Services, principal: Principal
) -> Response[bytes]:
    """Deletes the device with all its sessions and passings."""
    try:
        await c.subjects.delete(
            tenant_of(principal), DEVICE, deviceid.upper(), actor(request, principal)
        )
    except SubjectNotFound:
        raise RufusError(404, "Device not found", deviceid=deviceid) from None
    body = {"description": "Device unbinded succesfully", "deviceid": deviceid}
    return reply(request, 200, body)


@get("/devices")
async def list_devices(
    request: AnyRequest,
    c: Services,
    principal: Principal,
    page: Annotated[int, Parameter(ge=1, le=2**31)] = 1,
    limit: Annotated[int, Parameter(ge=1, le=5000)] = 5000,
) -> Response[bytes]:
    tenant = tenant_of(principal)
    items, total = await c.subjects.page(tenant, DEVICE, (page - 1) * limit, limit, BOUND)
    totals = await c.subjects.totals(tenant, items, DIALECT)
    pagination = {
        "page": page,
        "limit": limit,
        "total": total,
        "total_pages": -(-total // limit),
    }
    result = [device_summary(d, totals.get(d.pk)) for d in items]
    return reply(
        request, 200, {"description": "Success", "result": result, "pagination": pagination}
    )


@get("/devices/{deviceid:str}")
async def get_device(
    deviceid: str, request: AnyRequest, c: Services, principal: Principal
) -> Response[bytes]:
    tenant = tenant_of(principal)
    try:
        device = await c.subjects.get(tenant, DEVICE, deviceid.upper())
    except SubjectNotFound:
        raise RufusError(404, "Device not found") from None
    if device.attributes.get(BOUND) is None:  # a "device" some other API made, not bound here
        raise RufusError(404, "Device not found")
    totals = await c.subjects.totals(tenant, [device], DIALECT)
    result = device_detail(device, totals.get(device.pk))
    return reply(request, 200, {"description": "Success", "result": result})


ROUTES: list[Any] = [bind_device, unbind_device, list_devices, get_device]
