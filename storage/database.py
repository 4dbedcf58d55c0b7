"""Engines from the plain URLs users know; the project picks the async drivers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Engine, Executable, Row, event
from sqlalchemy import create_engine as create_sync_engine
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


class PointReads:
    """Small reads by key on the hot path (who is writing, his tasks), run where they are
    cheapest. On an SQLite file that is the plain sqlite3 driver, in the event loop: a lookup
    by index takes tens of microseconds there, while each of the several hops to aiosqlite's
    thread costs more than that. Elsewhere (PostgreSQL, an in-memory SQLite) the async engine.
    Only reads, and only by index: the connection is query_only, and in autocommit mode each
    read sees what was committed before it.
    """

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._sync: Engine | None = None
        self._held: Connection | None = None
        url = engine.url
        if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
            # A reader in WAL mode waits for nobody; the timeout only covers recovery.
            self._sync = create_sync_engine(
                url.set(drivername="sqlite+pysqlite"), connect_args={"timeout": 5}
            )
            event.listen(self._sync, "connect", _read_only)

    async def all(self, statement: Executable, params: Mapping[str, Any]) -> Sequence[Row[Any]]:
        if self._sync is not None:
            if self._held is None or self._held.closed:
                # One connection, used only from the event loop's thread, one read at a time.
                self._held = self._sync.connect().execution_options(isolation_level="AUTOCOMMIT")
            return self._held.execute(statement, params).all()
        async with self._engine.connect() as connection:
            return (await connection.execute(statement, params)).all()

    def dispose(self) -> None:
        if self._held is not None:
            self._held.close()
            self._held = None
        if self._sync is not None:
            self._sync.dispose()


def _read_only(dbapi_connection: object, _record: object) -> None:
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA query_only=ON")
    cursor.close()
