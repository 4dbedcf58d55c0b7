"""Engines from the plain URLs users know; the project picks the async drivers."""

from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

_ASYNC_DRIVERS = {
    "sqlite": "sqlite+aiosqlite",
    "postgresql": "postgresql+asyncpg",
    "postgres": "postgresql+asyncpg",
}


class UnsupportedDatabase(ValueError):
    pass


def async_url(plain: str) -> URL:
    """`sqlite:///x.db` → aiosqlite, `postgresql://…` → asyncpg; explicit drivers pass through."""
    url = make_url(plain)
    backend = url.get_backend_name()
    if url.drivername in _ASYNC_DRIVERS:
        return url.set(drivername=_ASYNC_DRIVERS[url.drivername])
    if backend in ("sqlite", "postgresql"):
        return url
    raise UnsupportedDatabase(url.drivername)


def create_engine(plain_url: str) -> AsyncEngine:
    url = async_url(plain_url)
    if url.get_backend_name() == "sqlite":
        engine = create_async_engine(url, connect_args={"timeout": 30})
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    return create_async_engine(url, pool_pre_ping=True)


def _sqlite_pragmas(dbapi_connection: object, _record: object) -> None:
    # WAL lets the bot read while an import writes; foreign keys are off by default in SQLite.
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)
