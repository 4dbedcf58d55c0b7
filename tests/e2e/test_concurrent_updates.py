"""Updates of different chats are handled side by side; one chat's in the order sent.

A second connection holds the lock an inspector's 接受 needs (SQLite's write lock; on
PostgreSQL the row lock of his place on the team), as a long draw or import would: his press
waits, everybody else is answered meanwhile, and his own later messages wait their turn."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import update

from bot.update_order import ChatOrderedProcessor
from spotcheck.roles import Role
from storage.draw_models import AssignmentMember
from tests.e2e.conftest import BotHarness
from tests.e2e.fake_telegram import TgUser
from tests.e2e.test_assignments import bind_county, drawn_with_a_push, pushes

LIANCHI = "130606"


@asynccontextmanager
async def write_lock_held(bot: BotHarness, assignment_id: int) -> AsyncIterator[None]:
    """Another connection writes the team's rows and keeps its transaction open until the
    block ends."""
    async with bot.ctx.engine.begin() as other:
        await other.execute(
            update(AssignmentMember)
            .where(AssignmentMember.assignment_id == assignment_id)
            .values(state=AssignmentMember.state)
        )
        yield


async def drawn(bot: BotHarness) -> tuple[TgUser, TgUser, Any, int]:
    """A county drawn and pushed: an inspector with a task, his push and its assignment id; and
    an inspector of another county, bound."""
    _, user, push, assignment_id = await drawn_with_a_push(bot)
    [elsewhere, *_] = await bot.staff(Role.INSPECTOR, LIANCHI)
    return user, await bot.bind(6900, elsewhere.cert_no), push, assignment_id


def press_accept(bot: BotHarness, user: TgUser, push: Any) -> None:
    """接受 on the push, without waiting for the bot."""
    [data] = [d for label, d in bot.fake.buttons(push) if label == "接受"]
    bot.fake.press(user, push, str(data))


@dataclass
class Told:
    """What the inspector who pressed was told while the lock was held and in all, what the
    other inspector was told, and the assignment pressed."""

    meanwhile: list[str]
    in_all: list[str]
    other: list[str]
    assignment_id: int


async def press_while_locked(bot: BotHarness, *then: str) -> Told:
    """An inspector presses 接受 (then sends ``then``) while another connection holds the lock
    the press needs; an inspector of another county asks /tasks; once he has his answer, the
    lock is released."""
    async with bot.running():
        user, other, push, assignment_id = await drawn(bot)
        said_before, other_before = len(bot.said(user.id)), len(bot.said(other.id))
        async with write_lock_held(bot, assignment_id):
            press_accept(bot, user, push)
            for text in then:
                bot.fake.send_text(user, text)
            bot.fake.send_text(other, "/tasks")
            await bot.fake.wait_for(lambda: len(bot.said(other.id)) > other_before)
            meanwhile = bot.said(user.id)[said_before:]
        await bot.fake.until_idle()
        processor = bot.app.update_processor
        assert isinstance(processor, ChatOrderedProcessor)
        assert processor.chats_in_flight == 0  # no lock outlives its chat's last update
    return Told(
        meanwhile, bot.said(user.id)[said_before:], bot.said(other.id)[other_before:], assignment_id
    )


async def test_a_press_waiting_for_a_lock_does_not_hold_up_another_inspectors_tasks(
    bot: BotHarness,
) -> None:
    told = await press_while_locked(bot)

    # the other inspector had his list while the press still waited for the lock
    assert told.other == ["您目前没有检查任务。"]
    assert told.meanwhile == []
    [accepted] = told.in_all
    assert accepted.startswith("已接受：")


async def test_one_inspectors_messages_are_handled_in_the_order_he_sent_them(
    bot: BotHarness,
) -> None:
    told = await press_while_locked(bot, "/tasks")  # sent after the press: answered after it

    assert told.meanwhile == []
    accepted, listed = told.in_all
    assert accepted.startswith("已接受：")
    [line] = [x for x in listed.split("\n") if x.endswith(f"/task_{told.assignment_id}")]
    assert "已接受" in line


async def test_an_update_delivered_twice_at_once_is_handled_once(bot: BotHarness) -> None:
    async with bot.running():
        people = await bind_county(bot)
        user = next(iter(people.values()))
        said_before = len(bot.said(user.id))
        bot.fake.send_text(user, "/tasks")
        bot.fake.duplicate_last_update()  # both copies in one getUpdates answer
        bot.fake.send_text(user, "/tasks")
        bot.fake.duplicate_last_update()
        await bot.fake.until_idle()

    assert len(bot.said(user.id)) == said_before + 2
    assert pushes(bot, user) == []
