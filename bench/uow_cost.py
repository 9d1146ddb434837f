"""What a PostgreSQL unit of work costs the server around one driver statement, in process, next
to asyncpg's own pool and a connection held throughout (bench/PROFILE.md section 12).

    .venv/bin/python bench/uow_cost.py [--n 3000]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import asyncpg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.pgcluster import PgCluster

from sessionary.storage.database import PostgresDatabase


async def timed(name: str, n: int, step: Callable[[], Awaitable[None]]) -> None:
    for _ in range(200):
        await step()
    cpu, wall = time.process_time(), time.perf_counter()
    for _ in range(n):
        await step()
    cpu, wall = (time.process_time() - cpu) / n * 1e6, (time.perf_counter() - wall) / n * 1e6
    print(f"{name:42} {cpu:7.1f} us CPU {wall:7.1f} us wall")


async def main(url: str, n: int) -> None:
    db = PostgresDatabase(url)
    pool = await asyncpg.create_pool(url, min_size=4, max_size=4)
    held = await pool.acquire()

    async def unit(write: bool, statement: bool) -> None:
        async with db.unit_of_work(write=write) as uow:
            if statement:
                await (await uow.sessions._ex.driver()).fetchrow("SELECT 1")
            await uow.commit()

    async def pooled() -> None:
        async with pool.acquire() as conn:
            await conn.fetchrow("SELECT 1")

    async def on_held() -> None:
        await held.fetchrow("SELECT 1")

    try:
        for _ in range(2):
            await timed("unit of work (write), nothing in it", n, lambda: unit(True, False))
            await timed("unit of work (write) + driver SELECT 1", n, lambda: unit(True, True))
            await timed("unit of work (read) + driver SELECT 1", n, lambda: unit(False, True))
            await timed("asyncpg pool (default reset) + SELECT 1", n, pooled)
            await timed("one held connection, SELECT 1", n, on_held)
    finally:
        await pool.release(held)
        await pool.close()
        await db.dispose()


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--n", type=int, default=3000)
    args = p.parse_args()
    cluster = PgCluster()
    cluster.start()
    try:
        asyncio.run(main(cluster.create_database("uowcost"), args.n))
    finally:
        cluster.stop()
