"""On SQLite, this process's write transactions take turns first come, first served, instead of
SQLite's sleep-and-retry, which let a writer that had waited long keep losing to newcomers."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.context import AppContext
from tests.conftest import make_config


@pytest.fixture
async def sqlite_ctx(tmp_path: Path, sqlite_template: Path) -> AsyncIterator[AppContext]:
    path = tmp_path / "gate.db"
    path.write_bytes(sqlite_template.read_bytes())
    ctx = await AppContext.open(make_config(f"sqlite:///{path}"), migrate=False)
    async with ctx.engine.begin() as connection:
        await connection.execute(text("CREATE TABLE turns (who TEXT)"))
    yield ctx
    await ctx.close()


async def test_a_writer_that_waited_longest_goes_first(sqlite_ctx: AppContext) -> None:
    finished: list[str] = []
    release = asyncio.Event()

    async def write(who: str, hold: asyncio.Event | None = None) -> None:
        async with sqlite_ctx.sessions() as session, session.begin():
            await session.execute(text("INSERT INTO turns VALUES (:who)"), {"who": who})
            if hold is not None:
                await hold.wait()
        finished.append(who)

    first = asyncio.create_task(write("first", release))
    await asyncio.sleep(0.05)
    patient = asyncio.create_task(write("patient"))
    await asyncio.sleep(0.4)  # long enough for SQLite's retries to be 100 ms apart
    newcomers = [asyncio.create_task(write(f"newcomer {n}")) for n in range(10)]
    await asyncio.sleep(0.05)
    release.set()
    await asyncio.gather(first, patient, *newcomers)

    assert finished[:2] == ["first", "patient"]
    assert sorted(finished[2:]) == sorted(f"newcomer {n}" for n in range(10))


async def test_a_transaction_opened_inside_another_of_the_same_task_does_not_wait_for_it(
    sqlite_ctx: AppContext,
) -> None:
    async with sqlite_ctx.sessions() as outer, outer.begin():
        await outer.execute(text("SELECT 1"))
        async with sqlite_ctx.sessions() as inner, inner.begin():
            assert await inner.scalar(text("SELECT 2")) == 2
