"""/readyz says not ready while the database refuses writes, and why; ready again when it takes
them. The check runs in the background on a fresh connection, never on a request path."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg
import httpx
import pytest
from sqlalchemy.engine import make_url

from sessionary.bootstrap import build
from sessionary.config import Settings
from sessionary.http.app import create_app


@asynccontextmanager
async def probed(database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    settings = Settings(
        database_url=database_url,
        sweep_interval_s=0,
        webhook_interval_s=0,
        environment="test",
        ready_write_check_s=0.1,
    )
    container = build(settings)
    app = create_app(container)
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with app.lifespan(), httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        yield c


async def readiness_becomes(client: httpx.AsyncClient, status: int) -> httpx.Response:
    for _ in range(600):  # up to a minute: a busy machine is slow, not wrong
        response = await client.get("/readyz")
        if response.status_code == status:
            return response
        await asyncio.sleep(0.1)
    raise AssertionError(f"/readyz stayed {response.status_code}: {response.text}")


@asynccontextmanager
async def refusing_writes(database_url: str) -> AsyncIterator[None]:
    """The SQLite file immutable (root ignores a read-only mode, not the immutable flag), or
    the PostgreSQL database read-only for new sessions."""
    if database_url.startswith("sqlite"):
        async with _immutable(str(make_url(database_url).database)):
            yield
        return
    url = make_url(database_url)
    admin = await asyncpg.connect(
        host=url.host, port=url.port, user="postgres", database="postgres"
    )
    alter = f'ALTER DATABASE "{url.database}"'
    try:
        await admin.execute(f"{alter} SET default_transaction_read_only = on")
        yield
    finally:
        await admin.execute(f"{alter} RESET default_transaction_read_only")
        await admin.close()


@asynccontextmanager
async def _immutable(path: str) -> AsyncIterator[None]:
    if shutil.which("chattr") is None:
        pytest.skip("chattr is not installed")
    if await asyncio.to_thread(_chattr, "+i", path) != 0:
        pytest.skip("this file system cannot make a file immutable")
    try:
        yield
    finally:
        assert await asyncio.to_thread(_chattr, "-i", path) == 0


def _chattr(flag: str, path: str) -> int:
    return subprocess.run(["chattr", flag, path], capture_output=True).returncode


async def test_readyz_is_503_naming_the_cause_while_the_database_refuses_writes(
    database_url: str,
) -> None:
    async with probed(database_url) as client:
        assert (await readiness_becomes(client, 200)).json()["checks"]["writable"] == "ok"
        async with refusing_writes(database_url):
            refused = await readiness_becomes(client, 503)
            assert refused.json()["status"] == "unavailable"
            assert "write" in refused.json()["reason"]
            assert refused.json()["failing"] == ["writable"]
            assert (await client.get("/healthz")).status_code == 200  # alive, only not ready
        assert (await readiness_becomes(client, 200)).json()["checks"]["writable"] == "ok"


async def test_readyz_is_503_when_the_disk_is_below_the_free_space_floor(
    sqlite_template_file: Path, tmp_path: Path
) -> None:
    shutil.copyfile(sqlite_template_file, tmp_path / "full.db")
    url = f"sqlite:///{tmp_path / 'full.db'}"
    settings = Settings(
        database_url=url,
        sweep_interval_s=0,
        webhook_interval_s=0,
        environment="test",
        ready_write_check_s=0.1,
        ready_min_free_bytes=2**62,  # more than any disk: it counts as full
    )
    app = create_app(build(settings))
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with app.lifespan(), httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        refused = await readiness_becomes(c, 503)
    assert refused.json()["reason"].startswith("disk full")
