"""Point reads (who is writing, his tasks) take the sync SQLite driver only where a read can
never wait on a writer: a database file in WAL mode."""

from __future__ import annotations

import asyncio
import sqlite3
from contextlib import closing
from pathlib import Path

from sqlalchemy import column, select, table
from sqlalchemy.ext.asyncio import create_async_engine

from storage.database import PointReads, create_engine

PEOPLE = table("people", column("name"))
NAMES = select(PEOPLE.c.name)


def _database(path: Path, journal: str) -> None:
    with closing(sqlite3.connect(path)) as connection, connection:
        connection.execute(f"PRAGMA journal_mode={journal}")
        connection.execute("CREATE TABLE people (name TEXT)")
        connection.execute("INSERT INTO people VALUES ('王伟')")


async def test_a_wal_file_is_read_in_the_loop_and_sees_each_commit(tmp_path: Path) -> None:
    _database(tmp_path / "wal.db", "WAL")
    engine = create_engine(f"sqlite:///{tmp_path / 'wal.db'}")
    reads = PointReads(engine)
    assert [name for (name,) in await reads.all(NAMES, {})] == ["王伟"]
    async with engine.begin() as connection:
        await connection.execute(PEOPLE.insert().values(name="李娜"))
    assert [name for (name,) in await reads.all(NAMES, {})] == ["王伟", "李娜"]
    assert reads._held is not None  # the sync connection served both reads
    reads.dispose()
    await engine.dispose()


async def test_a_file_not_in_wal_mode_is_read_through_the_async_engine(tmp_path: Path) -> None:
    # In rollback-journal mode a reader waits on a writer's lock: never inside the event loop.
    _database(tmp_path / "journal.db", "DELETE")
    engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'journal.db'}")
    reads = PointReads(engine)
    assert [name for (name,) in await reads.all(NAMES, {})] == ["王伟"]
    assert reads._held is None and reads._sync is None
    assert [name for (name,) in await reads.all(NAMES, {})] == ["王伟"]
    await engine.dispose()


async def test_an_in_memory_database_is_read_through_the_async_engine() -> None:
    engine = create_engine("sqlite://")
    reads = PointReads(engine)
    async with engine.begin() as connection:
        await connection.exec_driver_sql("CREATE TABLE people (name TEXT)")
    assert await reads.all(NAMES, {}) == []
    assert reads._sync is None
    await engine.dispose()


async def test_a_read_kept_waiting_by_a_lock_waits_off_the_event_loop(tmp_path: Path) -> None:
    # A WAL reader waits only in rare cases, e.g. while another connection holds the file in
    # exclusive locking mode: the read then moves to the async engine's thread, and the loop
    # goes on serving others.
    path = tmp_path / "wal.db"
    _database(path, "WAL")
    engine = create_engine(f"sqlite:///{path}")
    reads = PointReads(engine)
    locker = sqlite3.connect(path)
    locker.execute("PRAGMA locking_mode=EXCLUSIVE")
    locker.execute("INSERT INTO people VALUES ('李娜')")
    locker.commit()  # the exclusive lock stays until the connection closes
    read = asyncio.create_task(reads.all(NAMES, {}))
    ticks = 0
    while ticks < 20:  # other work runs while the read waits
        await asyncio.sleep(0.01)
        ticks += 1
    assert not read.done()
    locker.close()
    assert [name for (name,) in await read] == ["王伟", "李娜"]
    reads.dispose()
    await engine.dispose()
