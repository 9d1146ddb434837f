"""``sessionary db copy``: a SQLite database into an empty PostgreSQL database migrated to the
same revision, every table of ``tables.metadata`` with its keys as they are.

Keys and stream positions are copied, not renumbered: sessions keep their ``last_seq`` (event
numbers continue from it), webhooks their cursors, lifecycle records their ids and ``tx`` (0 from
SQLite, below every PostgreSQL transaction id, so new records follow the copied ones). Each
sequence is then set past the highest id ever handed out, SQLite's ``sqlite_sequence`` included
(lifecycle ids are never reused after retention removed the newest).

Each batch commits on its own and tables are filled in foreign-key order, each in key order, so
after an interruption the target holds a prefix of every table: a second run finds its own
marker table (``sessionary_copy``, dropped at the end) and goes on from each table's highest
key. A target with rows but without the marker is refused. Counts and checksums are compared at
the end from rows read back through SQLAlchemy on both sides."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Engine,
    MetaData,
    Table,
    Text,
    create_engine,
    func,
    insert,
    inspect,
    literal,
    select,
    text,
)
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from . import copy_rows as rows
from .migrate import current, head, upgrade
from .pg_engine import pg_engine
from .pgurl import PgUrlError, connect_kwargs
from .tables import metadata, schema_compat

# Every table of the schema but the migrations' own record (schema_compat), which the target's
# migrations wrote as they ran, like alembic_version.
DATA_TABLES = [t for t in metadata.sorted_tables if t is not schema_compat]
# The copy's own bookkeeping in the target; not part of the schema, so not in ``metadata``.
MARKER = Table(
    "sessionary_copy",
    MetaData(),
    Column("source", Text, nullable=False),
    Column("started_at", BigInteger, nullable=False),
)


class CopyRefused(Exception):
    """The copy cannot start; the message tells the operator why and what to do."""


class CopyMismatch(Exception):
    """A table's rows differ between source and target after the copy."""

    def __init__(self, tables: Sequence[str]) -> None:
        super().__init__(f"source and target differ in: {', '.join(tables)}")
        self.tables = list(tables)


@dataclass(slots=True)
class TableCopy:
    name: str
    rows: int = 0  # in the source
    copied: int = 0  # by this run (less than rows when it resumed)
    seconds: float = 0.0
    checksum: str = ""
    target_checksum: str = ""
    target_rows: int = 0

    @property
    def rate(self) -> float:
        return self.copied / self.seconds if self.seconds > 0 else 0.0

    @property
    def matches(self) -> bool:
        return (self.rows, self.checksum) == (self.target_rows, self.target_checksum)


@dataclass(slots=True)
class CopyOptions:
    batch_size: int = 5000
    method: str = "copy"  # or "insert": asyncpg's executemany (bench/copy_rate.py compares)
    on_rows: Callable[[str, int, int], None] = lambda table, done, total: None
    on_verify: Callable[[str, int, int], None] = lambda table, done, total: None
    # Tests interrupt a copy here: called after each committed batch with the batch count.
    after_batch: Callable[[str, int], None] = lambda table, batches: None
    batches: int = field(default=0)


def sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not url.startswith("sqlite") or not database or database == ":memory:":
        raise CopyRefused("the source must be a SQLite file (SESSIONARY_DATABASE_URL)")
    return Path(database).resolve()


def prepare(source_url: str, target_url: str, *, migrate: bool = False) -> str:
    """Check (before any row moves) that source and target are at this version's schema
    revision; with ``migrate``, first bring an empty target there. Answers the revision."""
    path = sqlite_path(source_url)
    if not path.is_file():
        raise CopyRefused(f"no SQLite database at {path}")
    try:
        connect_kwargs(target_url)
    except PgUrlError as exc:  # its message masks the password
        raise CopyRefused(f"--to: {exc}") from exc
    source_rev, code_rev = current(source_url), head()
    if source_rev is None or source_rev != code_rev:
        raise CopyRefused(
            f"the source is at schema revision {source_rev}, this sessionary at {code_rev}: "
            "run `sessionary db upgrade` on the source first"
        )
    target_rev = current(target_url)
    if target_rev is None and migrate:
        upgrade(target_url, code_rev)
        target_rev = current(target_url)
    if target_rev != source_rev:
        raise CopyRefused(
            f"the target is at schema revision {target_rev or '(none)'}, the source at "
            f"{source_rev}: migrate the target first (SESSIONARY_DATABASE_URL=<target> "
            "sessionary db upgrade), or pass --migrate"
        )
    return code_rev


async def copy_database(
    source_url: str, target_url: str, options: CopyOptions | None = None
) -> list[TableCopy]:
    """Copy, set the sequences, verify (raising ``CopyMismatch``), then drop the marker."""
    options = options or CopyOptions()
    marker = str(sqlite_path(source_url))
    source = create_engine(source_url, connect_args={"check_same_thread": False})
    # No statement cache: the URL may go through PgBouncer in transaction mode, and the copy's
    # few statements are large ones, so preparing each again costs nothing measurable.
    target = pg_engine(target_url, statement_cache=False, pool_size=2)
    try:
        await _claim(target, marker)
        results = [await _copy_table(source, target, t, options) for t in DATA_TABLES]
        await _advance_sequences(source, target)
        for result in results:
            await _verify(source, target, metadata.tables[result.name], result, options)
        if mismatched := [r.name for r in results if not r.matches]:
            raise CopyMismatch(mismatched)
        async with target.begin() as conn:
            await conn.run_sync(MARKER.drop)
        return results
    finally:
        source.dispose()
        await target.dispose()


async def _claim(target: AsyncEngine, marker: str) -> None:
    async with target.begin() as conn:
        if await conn.run_sync(lambda c: inspect(c).has_table(MARKER.name)):
            found = (await conn.execute(select(MARKER.c.source))).scalar()
            if found != marker:
                raise CopyRefused(
                    f"the target holds an unfinished copy of another database ({found}); "
                    "drop and recreate the target database to start over"
                )
            return
        if filled := [t.name for t in DATA_TABLES if await _has_rows(conn, t)]:
            raise CopyRefused(
                f"the target is not empty ({', '.join(filled)} hold rows); "
                "copy only into an empty, migrated database"
            )
        await conn.run_sync(MARKER.create)
        started = time.time_ns() // 1000
        await conn.execute(insert(MARKER).values(source=marker, started_at=started))


async def _has_rows(conn: AsyncConnection, table: Table) -> bool:
    return (await conn.execute(select(literal(1)).select_from(table).limit(1))).first() is not None


def _count(source: Engine, table: Table) -> int:
    with source.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


async def _copy_table(
    source: Engine, target: AsyncEngine, table: Table, options: CopyOptions
) -> TableCopy:
    result = TableCopy(str(table.name), rows=await asyncio.to_thread(_count, source, table))
    started = time.perf_counter()
    async with target.connect() as conn:
        done = int((await conn.execute(select(func.count()).select_from(table))).scalar_one())
        last = (await conn.execute(rows.last_key(table))).first()
        options.on_rows(table.name, done, result.rows)
        await conn.commit()  # each COPY below then commits on its own: a batch is kept or not
        driver = (await conn.get_raw_connection()).driver_connection
        with source.connect() as reader:
            pump = _Pump(reader, driver, table, target.dialect, options)
            result.copied = await pump.run(last, done, result.rows)
    result.seconds = time.perf_counter() - started
    return result


class _Pump:
    """Batches from the source to the target; the next batch is read in a thread while the
    current one is written."""

    def __init__(
        self, reader: Connection, driver: Any, table: Table, dialect: Any, options: CopyOptions
    ) -> None:
        self._reader, self._driver, self._table = reader, driver, table
        self._processors = rows.bind_processors(table, dialect)
        self._options = options

    def _fetch(self, after: Sequence[Any] | None) -> list[Any]:
        return list(self._reader.execute(rows.page(self._table, after, self._options.batch_size)))

    async def run(self, last: Sequence[Any] | None, done: int, total: int) -> int:
        copied, options = 0, self._options
        batch = await asyncio.to_thread(self._fetch, last)
        while batch:
            after = rows.key_of(self._table, batch[-1])
            upcoming = asyncio.ensure_future(asyncio.to_thread(self._fetch, after))
            try:
                records = rows.converted(batch, self._processors)
                await _write(self._driver, self._table, records, options.method)
                copied += len(batch)
                options.on_rows(self._table.name, done + copied, total)
                options.batches += 1
                options.after_batch(self._table.name, options.batches)
            finally:  # never leave the reader busy in its thread
                await asyncio.wait([upcoming])
            batch = upcoming.result()
        return copied


async def _write(driver: Any, table: Table, records: list[tuple[Any, ...]], method: str) -> None:
    columns = [c.name for c in table.columns]
    if method == "copy":
        await driver.copy_records_to_table(table.name, records=records, columns=columns)
        return
    names = ", ".join(f'"{c}"' for c in columns)
    marks = ", ".join(f"${i}" for i in range(1, len(columns) + 1))
    await driver.executemany(f'INSERT INTO "{table.name}" ({names}) VALUES ({marks})', records)


def _sqlite_sequences(source: Engine) -> dict[str, int]:
    """The highest id each AUTOINCREMENT table ever handed out, deleted rows included."""
    with source.connect() as conn:
        if not inspect(conn).has_table("sqlite_sequence"):
            return {}
        found = conn.execute(text("SELECT name, seq FROM sqlite_sequence"))
        return {str(name): int(seq) for name, seq in found}


async def _advance_sequences(source: Engine, target: AsyncEngine) -> None:
    floors = await asyncio.to_thread(_sqlite_sequences, source)
    async with target.begin() as conn:
        for table in DATA_TABLES:
            column = table.autoincrement_column
            if column is None:
                continue
            found = await conn.execute(
                text("SELECT pg_get_serial_sequence(:t, :c)"), {"t": table.name, "c": column.name}
            )
            sequence = found.scalar()
            top = (await conn.execute(select(func.max(column)))).scalar() or 0
            top = max(int(top), floors.get(table.name, 0))
            if sequence is not None and top > 0:
                await conn.execute(text("SELECT setval(:s, :v)"), {"s": sequence, "v": top})
        # Planner statistics now, not when autovacuum gets round to the new tables: the
        # server's first queries after the switch must not plan against empty tables.
        await conn.execute(text("ANALYZE"))


def _source_checksum(source: Engine, table: Table, size: int = 5000) -> rows.Checksum:
    checksum = rows.Checksum()
    with source.connect() as conn:
        result = conn.execution_options(yield_per=size).execute(rows.ordered(table, "sqlite"))
        for part in result.partitions():
            checksum.add(part)
    return checksum


async def _target_checksum(
    target: AsyncEngine, table: Table, progress: Callable[[int], None], size: int = 5000
) -> rows.Checksum:
    checksum = rows.Checksum()
    async with target.connect() as conn:
        stmt = rows.ordered(table, "postgresql").execution_options(yield_per=size)
        result = await conn.stream(stmt)
        async for part in result.partitions():
            checksum.add(part)
            progress(checksum.rows)
    return checksum


async def _verify(
    source: Engine, target: AsyncEngine, table: Table, result: TableCopy, options: CopyOptions
) -> None:
    """Both sides at once: the source's in a thread, the target's on the loop."""
    options.on_verify(result.name, 0, result.rows)

    def progress(done: int) -> None:
        options.on_verify(result.name, done, result.rows)

    mine, theirs = await asyncio.gather(
        asyncio.to_thread(_source_checksum, source, table),
        _target_checksum(target, table, progress),
    )
    result.rows, result.checksum = mine.rows, mine.hexdigest()
    result.target_rows, result.target_checksum = theirs.rows, theirs.hexdigest()
