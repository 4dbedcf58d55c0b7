"""A database that refuses the outbox's bookkeeping, and a stop during a long flood wait: the
sender keeps each chat's order, settles the row in the same run, and stops at once."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.exc import OperationalError

from bot.services import outbox
from spotcheck.classes import SupervisionClass
from spotcheck.roles import Role
from tests.e2e.conftest import BotHarness
from tests.e2e.test_outbox import JINGXIU, enqueue, rows

pytestmark = [pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")]


@contextmanager
def database_refuses(
    bot: BotHarness, statement: str, *words: str, until: Callable[[], bool] | None = None
) -> Iterator[list[str]]:
    """The next statement starting with ``statement`` and holding ``words`` fails in the
    driver's place, as a locked SQLite or a dropped connection would; yields what failed.
    With ``until``, every such statement fails until it says the database is back."""
    failed: list[str] = []

    def down() -> bool:
        return not failed if until is None else not until()

    def refuse(_conn: Any, _cursor: Any, sql: str, *_: Any) -> None:
        if down() and sql.startswith(statement) and all(w in sql for w in words):
            failed.append(sql)
            raise OperationalError(sql, None, Exception("database is locked"))

    engine = bot.ctx.engine.sync_engine
    event.listen(engine, "before_cursor_execute", refuse)
    try:
        yield failed
    finally:
        event.remove(engine, "before_cursor_execute", refuse)


async def test_a_refused_sent_update_keeps_the_chats_order_and_settles_in_the_same_run(
    bot: BotHarness,
) -> None:
    [inspector, *_] = await bot.staff(Role.INSPECTOR, JINGXIU)
    async with bot.running():
        user = await bot.bind(7700, inspector.cert_no)
        with database_refuses(bot, "UPDATE outbox", "sent_at") as failed:
            first, second = await enqueue(bot, (user.id, "第一条"), (user.id, "第二条"))
            bot.sender.wake()
            await bot.settle()
        assert len(failed) == 1
        assert bot.said(user.id)[1:] == ["第一条", "第二条"]
        settled = {r.id: (r.state, r.attempts) for r in await rows(bot)}
        assert settled[first] == settled[second] == ("sent", 1)

    async with bot.running():  # a restart sends nothing again
        await asyncio.sleep(0.05)
        await bot.settle()
    assert bot.said(user.id)[1:] == ["第一条", "第二条"]


@pytest.mark.parametrize(
    ("text", "outcome"),
    [("只发一次的消息", "sent_at"), ("长消息的一行\n" * 600, "payload")],
    ids=["sent", "a part of a long text"],
)
async def test_an_outcome_the_database_refused_until_the_stop_is_written_then_not_sent_again(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch, text: str, outcome: str
) -> None:
    """The database refuses to record what Telegram accepted until the bot is stopping, so
    no drain can write it: the sender's last try at stop does, and the restart repeats
    nothing."""
    [inspector, *_] = await bot.staff(Role.INSPECTOR, JINGXIU)
    stopping = asyncio.Event()
    async with bot.running():
        user = await bot.bind(7703, inspector.cert_no)
        stop = bot.sender.stop

        def stop_as_the_database_comes_back() -> None:
            stopping.set()
            stop()

        monkeypatch.setattr(bot.sender, "stop", stop_as_the_database_comes_back)
        with database_refuses(bot, "UPDATE outbox", outcome, until=stopping.is_set) as failed:
            await enqueue(bot, (user.id, text))
            bot.sender.wake()
            await bot.fake.wait_for(lambda: bool(failed))

    async with bot.running():  # the restart
        await bot.settle()
    parts = outbox.parts({"kind": "message", "text": text})
    assert len(parts) == (2 if outcome == "payload" else 1)
    assert bot.said(user.id)[1:] == [part["text"] for part in parts]


async def test_a_record_unreadable_for_a_moment_is_sent_again_before_the_next_message(
    bot: BotHarness,
) -> None:
    """An error that is not Telegram's, raised while the row is `sending`: the row backs off,
    the chat waits for it, and it goes out in the same run."""
    [inspector, *_] = await bot.staff(Role.INSPECTOR, JINGXIU)
    async with bot.running():
        user = await bot.bind(7701, inspector.cert_no)
    record_id = await bot.draw_county(JINGXIU, SupervisionClass.KEY)  # the bot is down
    async with bot.ctx.sessions() as session, session.begin():
        session.add(outbox.record_document(user.id, record_id, f"#{record_id}"))
        session.add(outbox.message(user.id, "记录之后的消息"))
    with database_refuses(bot, "SELECT draw_records") as failed:
        async with bot.running():
            await bot.settle()
    assert len(failed) == 1
    after_record = bot.fake.sent_to(user.id)[-2:]
    assert after_record[0]["caption"] == f"#{record_id}"
    assert after_record[1]["text"] == "记录之后的消息"
    [row] = [r for r in await rows(bot) if r.payload["kind"] == "record"]
    assert (row.state, row.attempts) == ("sent", 2)
    assert (row.last_error or "").startswith("OperationalError")


async def test_stop_during_a_long_flood_wait_returns_at_once(bot: BotHarness) -> None:
    [inspector, *_] = await bot.staff(Role.INSPECTOR, JINGXIU)
    running = bot.running()
    await running.__aenter__()
    user = await bot.bind(7702, inspector.cert_no)
    bot.fake.fail_next("sendMessage", 429, retry_after=30)
    [row_id] = await enqueue(bot, (user.id, "等待中的消息"))
    bot.sender.wake()
    await bot.fake.wait_for(lambda: bot.fake.rate_limited + _answered(bot, 429) > 0)
    limited_at = bot.fake.clock()

    await asyncio.wait_for(running.__aexit__(None, None, None), timeout=20)
    assert bot.fake.clock() - limited_at < 30  # stopped before Telegram's window ended
    [row] = [r for r in await rows(bot) if r.id == row_id]
    assert (row.state, row.attempts) == ("pending", 1)

    async with bot.running():  # the next start sends it
        await bot.settle()
    assert bot.said(user.id)[1:] == ["等待中的消息"]


def _answered(bot: BotHarness, status: int) -> int:
    return sum(1 for c in bot.fake.calls_to("sendMessage") if c.status == status)
