"""BASELINE, NOT SESSIONARY: the "obvious" peer from issue #9, kept for comparison only.

FastAPI + SQLAlchemy async ORM (asyncpg or aiosqlite), written the straightforward way: an
API-key lookup per request, ORM objects, one audit row per change, a commit per request.
``python fastapi_orm.py URL N`` creates its tables, an API key and N open sessions (their ids
on stdout); ``granian --interface asgi fastapi_orm:app`` serves it with PEER_DATABASE_URL set.
"""

from __future__ import annotations

import hashlib
import os
import sys
import uuid
from datetime import UTC, datetime
from typing import Any

from fastapi import Depends, FastAPI, Header, HTTPException
from pydantic import BaseModel
from sqlalchemy import ForeignKey, String, insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

KEY = "peer-bench-key"  # the benchmark's only credential; stored as a digest like a real one


class Base(DeclarativeBase):
    pass


class ApiKey(Base):
    __tablename__ = "peer_keys"
    digest: Mapped[str] = mapped_column(String(64), primary_key=True)


class Session(Base):
    __tablename__ = "peer_sessions"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    subject: Mapped[str] = mapped_column(String(200), index=True)
    status: Mapped[str] = mapped_column(String(16))
    opened_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]


class Audit(Base):
    __tablename__ = "peer_audit"
    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("peer_sessions.id"))
    action: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime]


def _async_url(url: str) -> str:
    return url.replace("postgresql://", "postgresql+asyncpg://").replace(
        "sqlite:///", "sqlite+aiosqlite:///"
    )


engine = create_async_engine(_async_url(os.environ.get("PEER_DATABASE_URL", "sqlite:///p.db")))
Db = async_sessionmaker(engine, expire_on_commit=False)
app = FastAPI()


class Subject(BaseModel):
    kind: str
    id: str


class OpenIn(BaseModel):
    subject: Subject


class SessionOut(BaseModel):
    id: str
    subject: str
    status: str
    opened_at: datetime
    closed_at: datetime | None


async def db() -> Any:
    async with Db() as s:
        yield s


async def authorized(authorization: str = Header(""), s: AsyncSession = Depends(db)) -> None:
    digest = hashlib.sha256(authorization.removeprefix("Bearer ").encode()).hexdigest()
    if await s.get(ApiKey, digest) is None:
        raise HTTPException(401, "bad key")


@app.post("/sessions", status_code=201, dependencies=[Depends(authorized)])
async def open_session(body: OpenIn, s: AsyncSession = Depends(db)) -> SessionOut:
    row = Session(
        id=str(uuid.uuid4()),
        subject=f"{body.subject.kind}:{body.subject.id}",
        status="active",
        opened_at=datetime.now(UTC).replace(tzinfo=None),
    )
    s.add(row)
    s.add(Audit(session_id=row.id, action="open", at=row.opened_at))
    await s.commit()
    return SessionOut.model_validate(row, from_attributes=True)


@app.post("/sessions/{sid}/close", dependencies=[Depends(authorized)])
async def close_session(sid: str, s: AsyncSession = Depends(db)) -> SessionOut:
    row = (await s.execute(select(Session).where(Session.id == sid).with_for_update())).scalar()
    if row is None or row.status != "active":
        raise HTTPException(409 if row else 404, "not active")
    row.status, row.closed_at = "closed", datetime.now(UTC).replace(tzinfo=None)
    s.add(Audit(session_id=sid, action="close", at=row.closed_at))
    await s.commit()
    return SessionOut.model_validate(row, from_attributes=True)


async def prepare(url: str, sessions: int) -> list[str]:
    """Tables, the key and ``sessions`` open sessions (setup, not part of the baseline)."""
    eng = create_async_engine(_async_url(url))
    if url.startswith("sqlite"):  # WAL, as anyone tuning SQLite would: kinder to the peer
        async with eng.connect() as conn:
            await conn.exec_driver_sql("PRAGMA journal_mode=WAL")
    async with eng.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
        await conn.execute(insert(ApiKey), [{"digest": hashlib.sha256(KEY.encode()).hexdigest()}])
        now = datetime.now(UTC).replace(tzinfo=None)
        ids = [str(uuid.uuid4()) for _ in range(sessions)]
        rows = [
            {"id": i, "subject": f"user:u-{n % 1000}", "status": "active", "opened_at": now}
            for n, i in enumerate(ids)
        ]
        await conn.execute(insert(Session), rows)
    await eng.dispose()
    return ids


if __name__ == "__main__":
    import asyncio

    print("\n".join(asyncio.run(prepare(sys.argv[1], int(sys.argv[2])))))
