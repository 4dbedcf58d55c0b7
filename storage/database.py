"""Engines from the plain URLs users know; the project picks the async drivers."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeAlias, TypeVarTuple

import orjson
from sqlalchemy import Connection, Dialect, Engine, Select, event
from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy.engine import URL, make_url
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ClauseElement

from storage.write_gate import GATE, GatedSession, WriteGate

_Ts = TypeVarTuple("_Ts")
AnySelect: TypeAlias = Select[*tuple[Any, ...]]  # a SELECT of any columns

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


def database_missing(plain_url: str) -> bool:
    """Whether the URL names an SQLite file that is not there (opening it would create it)."""
    url = make_url(plain_url)
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return False
    return not Path(str(url.database)).exists()


def create_engine(plain_url: str) -> AsyncEngine:
    # Parameters stay out of error texts and log lines: they hold confidential assignments.
    common: dict[str, Any] = {"json_serializer": json_text, "hide_parameters": True}
    url = async_url(plain_url)
    if url.get_backend_name() == "sqlite":
        engine = create_async_engine(url, connect_args={"timeout": 30}, **common)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    return create_async_engine(url, pool_pre_ping=True, **common)


def json_text(value: object) -> str:
    """JSON columns as compact UTF-8 text, written by orjson: an import of 100,000 rows writes
    as many audit entries, and the standard library took most of a second over them. What
    orjson refuses (integers beyond 64 bits, keys that are not str) the standard library
    writes."""
    try:
        return orjson.dumps(value).decode()
    except TypeError:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _pragmas(*settings: str) -> Callable[[DBAPIConnection, object], None]:
    """A connect listener setting these SQLite pragmas on every new connection."""

    def set_on(dbapi_connection: DBAPIConnection, _record: object) -> None:
        cursor = dbapi_connection.cursor()
        for setting in settings:
            cursor.execute(f"PRAGMA {setting}")
        cursor.close()

    return set_on


# WAL lets the bot read while an import writes; foreign keys are off by default in SQLite.
_sqlite_pragmas = _pragmas("journal_mode=WAL", "foreign_keys=ON", "synchronous=NORMAL")


def session_factory(
    engine: AsyncEngine, gate: WriteGate | None = None
) -> async_sessionmaker[AsyncSession]:
    """Sessions; on SQLite their write transactions take turns at ``gate`` (a new one if None)."""
    if engine.url.get_backend_name() != "sqlite":
        return async_sessionmaker(engine, expire_on_commit=False)
    return async_sessionmaker(
        engine, expire_on_commit=False, class_=GatedSession, info={GATE: gate or WriteGate()}
    )


def _wal_file(url: URL) -> bool:
    """Whether the URL names an SQLite file (the journal mode is checked once connected)."""
    return url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:")


# How long a read in the event loop may wait for a lock before it moves to the async engine's
# thread: every other chat waits as long.
BUSY_IN_LOOP = 0.02


class _LoopConnection:
    """A plain sqlite3 connection held for the event loop's thread, on an SQLite file in WAL
    mode only (where a reader never waits and a writer waits at most its busy timeout): the
    point reads and the point writes each hold one."""

    _sync: Engine | None = None
    _held: Connection | None = None
    _prepared: dict[ClauseElement, _Prepared]

    def _run(self, held: Connection, statement: ClauseElement, params: Mapping[str, Any]) -> Any:
        """The statement run on the sqlite3 driver itself (a cursor): compiled once, its
        parameters converted as SQLAlchemy would (JSON, dates); driver errors come unwrapped."""
        prepared = self._prepared.get(statement) or self._prepare(statement, held.dialect)
        values = prepared.compiled.construct_params(params) or {}
        ordered = (values[name] for name in prepared.order)
        return _driver(held).execute(
            prepared.compiled.string,
            [v if f is None else f(v) for f, v in zip(prepared.binds, ordered, strict=True)],
        )

    def _prepare(self, statement: ClauseElement, dialect: Dialect) -> _Prepared:
        compiled = statement.compile(dialect=dialect)
        assert isinstance(compiled, SQLCompiler)  # a statement, not DDL
        order = tuple(compiled.positiontup or ())
        binds = tuple(
            compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect)
            for name in order
        )
        selected = getattr(statement, "selected_columns", ())
        converts = tuple(
            c.type.dialect_impl(dialect).result_processor(dialect, None) for c in selected
        )
        prepared = _Prepared(compiled, order, binds, converts if any(converts) else ())
        self._prepared[statement] = prepared
        return prepared

    def _hold_wal(self) -> Connection | None:
        """Connect and keep the connection; None — and the async engine from then on — when
        the file is not in WAL mode. A busy database raises (the caller decides)."""
        assert self._sync is not None
        held = self._sync.connect().execution_options(isolation_level="AUTOCOMMIT")
        try:
            mode = _driver(held).execute("PRAGMA journal_mode").fetchone()
        except sqlite3.OperationalError:
            held.close()
            raise
        if mode != ("wal",):
            held.close()
            self.dispose()
            return None
        self._held = held
        return held

    def dispose(self) -> None:
        """Close the sync side for good: later statements go through the async engine."""
        if self._held is not None:
            self._held.close()
            self._held = None
        if self._sync is not None:
            self._sync.dispose()
            self._sync = None


class PointReads(_LoopConnection):
    """Small reads by key on the hot path (who is writing, his tasks), run where they are
    cheapest. On an SQLite file in WAL mode that is the plain sqlite3 driver, in the event
    loop: a lookup by index takes tens of microseconds there, while each of the several hops
    to aiosqlite's thread costs more than that, and a WAL reader never waits for a writer.
    Anywhere else (PostgreSQL, an in-memory or shared-cache SQLite, a file not in WAL mode,
    where a read could wait on a writer's lock and stall the loop) the async engine.
    Only reads, and only by index: the connection is query_only, and in autocommit mode each
    read sees what was committed before it. On the sqlite3 path a statement is compiled once
    and run on the driver itself, its columns converted as SQLAlchemy would (dates, booleans);
    parameters must be plain values the driver takes (str, int), and statements are built once
    (module constants: each is prepared once, and kept); no expanding IN, and driver errors come
    unwrapped. Rows are tuples. Like the pool's connections, the held one stays on the file it
    opened: stop the bot before restoring a backup over the database.
    """

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._sync: Engine | None = None
        self._held: Connection | None = None
        self._prepared = {}
        url = engine.url
        if _wal_file(url):
            self._sync = create_sync_engine(
                url.set(drivername="sqlite+pysqlite"), connect_args={"timeout": BUSY_IN_LOOP}
            )
            event.listen(self._sync, "connect", _pragmas("query_only=ON"))

    async def all(
        self, statement: Select[*_Ts], params: Mapping[str, Any]
    ) -> Sequence[tuple[*_Ts]]:
        try:
            rows = self._in_loop(statement, params)
        except sqlite3.OperationalError as error:
            if error.sqlite_errorcode not in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
                raise
            # A WAL reader is kept waiting only by rare events (recovery after a crash, a
            # connection in exclusive locking mode): wait for them off the event loop.
            rows = None
        if rows is None:
            return await self._async_all(statement, params)
        return rows

    def _in_loop(
        self, statement: Select[*_Ts], params: Mapping[str, Any]
    ) -> list[tuple[*_Ts]] | None:
        """The rows read through the held connection; None where there is none."""
        held = self._held or self._hold()
        if held is None:
            return None
        prepared = self._prepared.get(statement) or self._prepare(statement, held.dialect)
        rows: list[tuple[Any, ...]] = self._run(held, statement, params).fetchall()
        if not prepared.converts:
            return rows
        return [
            tuple(
                v if f is None or v is None else f(v)
                for f, v in zip(prepared.converts, row, strict=True)
            )
            for row in rows
        ]

    async def _async_all(
        self, statement: Select[*_Ts], params: Mapping[str, Any]
    ) -> Sequence[tuple[*_Ts]]:
        async with self._engine.connect() as connection:
            return list((await connection.execute(statement, params)).all())

    def _hold(self) -> Connection | None:
        """One connection, one read at a time; busy raises: the next read tries again."""
        return None if self._sync is None else self._hold_wal()


class PointWrites(_LoopConnection):
    """One short write by key on the hot path (a form's answer: an UPDATE … WHERE id = ? AND
    version = ?), run and committed in the event loop on the plain sqlite3 driver when it can
    go at once: the async engine's connection, transaction and commit cost milliseconds of
    hops to aiosqlite's thread, the write itself tens of microseconds.

    It goes only where it can never wait: an SQLite file in WAL mode, the write gate `free`
    (no writer of this process holds it or waits for it: it neither collides with one nor jumps
    the queue), and with a busy timeout of 0, so a lock held elsewhere (the command line, a
    write not taking the gate) fails at once instead of stalling the loop. `rowcount` is then
    None and the caller writes through the async engine, as before. The statement runs in
    autocommit mode: it is committed when `rowcount` returns. This connection never
    checkpoints the WAL (that syncs the file): the async engine's next commit does.
    """

    def __init__(self, engine: AsyncEngine, gate: WriteGate | None) -> None:
        self._gate = gate
        self._sync: Engine | None = None
        self._held: Connection | None = None
        self._prepared = {}
        if gate is not None and _wal_file(engine.url):
            self._sync = create_sync_engine(
                engine.url.set(drivername="sqlite+pysqlite"),
                connect_args={"timeout": 0},
                json_serializer=json_text,
                hide_parameters=True,
            )
            event.listen(
                self._sync,
                "connect",
                _pragmas("foreign_keys=ON", "synchronous=NORMAL", "wal_autocheckpoint=0"),
            )

    def rowcount(self, statement: ClauseElement, params: Mapping[str, Any]) -> int | None:
        """The rows the statement changed, committed; None when it could not run at once (no
        such connection here, the gate taken or waited for, the database locked)."""
        if self._sync is None or self._gate is None or not self._gate.free:
            return None
        held = self._held or self._hold()
        if held is None:
            return None
        try:
            changed = self._run(held, statement, params).rowcount
        except sqlite3.OperationalError as error:
            # Nothing was written: in autocommit mode the statement failed as a whole.
            if error.sqlite_errorcode & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
                return None
            raise
        return int(changed)

    def _hold(self) -> Connection | None:
        """The connection; None when busy: the async engine writes this time, the next write
        tries again."""
        try:
            return self._hold_wal()
        except (OperationalError, sqlite3.OperationalError):
            return None


def _driver(held: Connection) -> sqlite3.Connection:
    """The sqlite3 connection under a held one (PointReads' own engine is pysqlite's)."""
    raw = held.connection.driver_connection
    assert isinstance(raw, sqlite3.Connection)
    return raw


@dataclass(frozen=True)
class _Prepared:
    compiled: SQLCompiler
    order: tuple[str, ...]  # the bind names in the order of the SQL's placeholders
    binds: tuple[Callable[[Any], Any] | None, ...]  # per placeholder, its value's conversion
    converts: tuple[Callable[[Any], Any] | None, ...]  # per column; () when none converts
