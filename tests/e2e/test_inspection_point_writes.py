"""An answer of the inspection form is written, committed, before the next question goes out;
on SQLite in the event loop when nothing is in its way, else (another writer holding or
awaiting the write gate, the file locked by another process) in its turn, off the loop, and
once."""

from __future__ import annotations

import asyncio
import sqlite3
from contextlib import closing

import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url

from storage.draft_models import FormDraft
from tests.e2e.conftest import BotHarness, OpenBot
from tests.e2e.inspection_walk import accepted_task


async def _sqlite_bot(open_bot: OpenBot, database_url: str) -> BotHarness:
    if not database_url.startswith("sqlite"):
        pytest.skip("the write gate and the point writes are SQLite's")
    return await open_bot()


async def _draft(bot: BotHarness) -> tuple[int, str]:
    [draft] = await bot.all(select(FormDraft))
    return draft.version, draft.question


async def _ticks(count: int) -> None:
    """The loop goes on serving others meanwhile: ``count`` turns of 10 ms."""
    for _ in range(count):
        await asyncio.sleep(0.01)


async def test_an_answer_while_another_writer_has_the_gate_waits_its_turn_and_is_written_once(
    open_bot: OpenBot, database_url: str
) -> None:
    bot = await _sqlite_bot(open_bot, database_url)
    async with bot.running():
        task = await accepted_task(bot)
        await bot.press(task.user, "开始检查")
        before = await _draft(bot)
        sent, entered, release = bot.fake.sent_count(), asyncio.Event(), asyncio.Event()

        async def writer() -> None:  # e.g. a draw, writing for a while
            async with bot.ctx.sessions() as session, session.begin():
                entered.set()
                await release.wait()

        holder = asyncio.create_task(writer())
        await entered.wait()
        bot.fake.send_location(task.user, 38.87, 115.46)
        await _ticks(20)
        assert bot.fake.sent_count() == sent  # not written yet, nothing said
        assert await _draft(bot) == before
        release.set()
        await holder
        await bot.fake.until_idle()
    assert before[1] == "checkin"
    version, question = await _draft(bot)
    assert (version, question) == (before[0] + 1, "item.0")
    assert bot.said(task.user.id)[-1].endswith("：检查结果？")  # the next question


async def test_an_answer_while_another_process_writes_waits_off_the_loop(
    open_bot: OpenBot, database_url: str
) -> None:
    bot = await _sqlite_bot(open_bot, database_url)
    async with bot.running():
        task = await accepted_task(bot)
        await bot.press(task.user, "开始检查")
        before = await _draft(bot)
        sent = bot.fake.sent_count()
        path = str(make_url(database_url).database)
        with closing(sqlite3.connect(path, timeout=0, isolation_level=None)) as other:
            other.execute("BEGIN IMMEDIATE")  # the command line importing, say
            bot.fake.send_location(task.user, 38.87, 115.46)
            started = asyncio.get_running_loop().time()
            await _ticks(20)
            assert asyncio.get_running_loop().time() - started < 2  # the loop was not stalled
            assert bot.fake.sent_count() == sent
            other.execute("COMMIT")
        await bot.fake.until_idle()
    version, question = await _draft(bot)
    assert (version, question) == (before[0] + 1, "item.0")
    assert bot.said(task.user.id)[-1].endswith("：检查结果？")  # the next question
