"""A form's answer is written in the event loop only when it cannot wait: an SQLite file in WAL
mode, the write gate free, the file not locked. Otherwise it is not run (None) and the caller
writes through the async engine. Either way the version check is a compare-and-set in SQL."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select, text

from bot.context import AppContext
from storage import draft_store
from storage.database import PointWrites, create_engine
from storage.draft_models import FormDraft
from storage.write_gate import WriteGate
from tests.conftest import make_config

NOW = datetime(2026, 11, 29, 2, 0, tzinfo=UTC)
WANG = 1001


@pytest.fixture
async def sqlite_ctx(tmp_path: Path, sqlite_template: Path) -> AsyncIterator[AppContext]:
    path = tmp_path / "point.db"
    path.write_bytes(sqlite_template.read_bytes())
    ctx = await AppContext.open(make_config(f"sqlite:///{path}"), migrate=False)
    yield ctx
    await ctx.close()


async def _draft(ctx: AppContext) -> draft_store.Draft:
    async with ctx.sessions() as session, session.begin():
        opened = await draft_store.open_draft(
            session, WANG, "inspection", {"items": []}, "checkin", NOW, subject="7"
        )
    return opened.draft


async def _stored(ctx: AppContext) -> tuple[int, str, dict[str, object]]:
    async with ctx.sessions() as session:
        row = (
            await session.execute(select(FormDraft.version, FormDraft.question, FormDraft.data))
        ).one()
    return row[0], row[1], row[2]


def _answer(draft: draft_store.Draft, version: int, question: str) -> dict[str, object]:
    data = {"items": [], "checkin": question}
    return draft_store.answer_params(draft.id, version, data, question, NOW)


async def test_an_answer_is_committed_in_the_loop_by_compare_and_set(
    sqlite_ctx: AppContext,
) -> None:
    draft = await _draft(sqlite_ctx)
    writes = sqlite_ctx.point_writes
    assert writes.rowcount(draft_store.SAVE_ANSWER, _answer(draft, 1, "item.1")) == 1
    # committed: another connection sees it at once
    assert await _stored(sqlite_ctx) == (2, "item.1", {"items": [], "checkin": "item.1"})
    # its moment converted as SQLAlchemy converts it: read back through the ORM, the same
    async with sqlite_ctx.sessions() as session:
        [reread] = await draft_store.of_user(session, WANG, "inspection")
    assert (reread.updated_at, reread.version) == (NOW, 2)
    # a stale version (a second tap, a button of before) changes nothing
    assert writes.rowcount(draft_store.SAVE_ANSWER, _answer(draft, 1, "item.2")) == 0
    assert await _stored(sqlite_ctx) == (2, "item.1", {"items": [], "checkin": "item.1"})


async def test_a_writer_holding_or_awaiting_the_gate_keeps_the_point_write_out(
    sqlite_ctx: AppContext,
) -> None:
    draft = await _draft(sqlite_ctx)
    writes = sqlite_ctx.point_writes
    answer = _answer(draft, 1, "item.1")

    async def hold(entered: asyncio.Event, release: asyncio.Event) -> None:
        async with sqlite_ctx.sessions() as session, session.begin():
            entered.set()
            await release.wait()

    first, second = (asyncio.Event(), asyncio.Event()), (asyncio.Event(), asyncio.Event())
    holder = asyncio.create_task(hold(*first))
    await first[0].wait()
    assert writes.rowcount(draft_store.SAVE_ANSWER, answer) is None  # held
    waiter = asyncio.create_task(hold(*second))
    await asyncio.sleep(0.01)
    assert not second[0].is_set()
    first[1].set()  # the holder commits: the waiter's turn, not the point write's
    await holder
    assert writes.rowcount(draft_store.SAVE_ANSWER, answer) is None
    await second[0].wait()
    assert writes.rowcount(draft_store.SAVE_ANSWER, answer) is None  # held by the waiter
    second[1].set()
    await waiter
    assert await _stored(sqlite_ctx) == (1, "checkin", {"items": []})
    assert writes.rowcount(draft_store.SAVE_ANSWER, answer) == 1


async def test_a_file_locked_by_another_process_is_not_waited_for_in_the_loop(
    sqlite_ctx: AppContext, tmp_path: Path
) -> None:
    draft = await _draft(sqlite_ctx)
    with closing(sqlite3.connect(tmp_path / "point.db", timeout=0)) as other:
        other.execute("BEGIN IMMEDIATE")  # the command line writing, say
        other.execute("UPDATE form_drafts SET question = 'other'")
        started = asyncio.get_running_loop().time()
        result = sqlite_ctx.point_writes.rowcount(
            draft_store.SAVE_ANSWER, _answer(draft, 1, "item.1")
        )
        assert result is None
        assert asyncio.get_running_loop().time() - started < 0.5
        other.rollback()
    assert await _stored(sqlite_ctx) == (1, "checkin", {"items": []})
    assert (
        sqlite_ctx.point_writes.rowcount(draft_store.SAVE_ANSWER, _answer(draft, 1, "item.1")) == 1
    )


async def test_a_file_not_in_wal_mode_or_without_a_gate_is_written_through_the_async_engine(
    tmp_path: Path,
) -> None:
    path = tmp_path / "journal.db"
    with closing(sqlite3.connect(path)) as connection, connection:
        connection.execute("PRAGMA journal_mode=DELETE")
        connection.execute("CREATE TABLE t (x INTEGER)")
    engine = create_engine(f"sqlite:///{path}")
    async with engine.begin() as connection:  # the engine's own connections set WAL
        await connection.execute(text("PRAGMA journal_mode=DELETE"))
    statement = text("UPDATE t SET x = 1")
    assert PointWrites(engine, None).rowcount(statement, {}) is None
    writes = PointWrites(engine, WriteGate())
    assert writes.rowcount(statement, {}) is None
    assert writes._sync is None  # checked once: the async engine from then on
    await engine.dispose()
