"""What 申请回避 takes as its reason (issue 16, items 4 and 7): the next new text, within
[limits] recusal_wait_minutes, no longer than free_text_chars; never a command, and nothing a
command was followed by."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from storage.bot_models import OutboxMessage
from storage.draft_models import FormDraft
from storage.draw_models import Conflict, DrawRecord
from storage.models import utcnow
from tests.e2e.conftest import BotHarness
from tests.e2e.fake_telegram import TgUser
from tests.e2e.test_ask_in_chat import RATIO_ANSWER_START, RATIO_QUESTION
from tests.e2e.test_assignments import drawn_with_a_push

REASON = "与该企业法定代表人系近亲属"


async def _recusal_asked(bot: BotHarness) -> tuple[TgUser, str]:
    """A county drawn and pushed; someone pressed 申请回避 on his first task: (him, target)."""
    _, user, push, _ = await drawn_with_a_push(bot)
    await bot.press(user, "申请回避", push)
    asked = bot.fake.last_text(user.id) or ""
    assert asked.startswith("申请回避：")
    return user, asked.removeprefix("申请回避：").split("。")[0]


async def _asked_minutes_ago(bot: BotHarness, minutes: int) -> None:
    async with bot.ctx.sessions() as session, session.begin():
        await session.execute(
            update(FormDraft).values(updated_at=utcnow() - timedelta(minutes=minutes))
        )


async def _nothing_recorded(bot: BotHarness) -> None:
    assert await bot.all(select(Conflict)) == []
    assert [r.kind for r in await bot.all(select(DrawRecord))] == ["draw"]


async def test_a_reason_over_the_limit_is_refused_and_the_request_still_waits(
    bot: BotHarness,
) -> None:
    async with bot.running():
        user, target_name = await _recusal_asked(bot)
        queued = len(await bot.all(select(OutboxMessage)))
        await bot.send(user, "近" * 4080)
        refused = bot.fake.last_text(user.id)
        await _nothing_recorded(bot)
        assert len(await bot.all(select(OutboxMessage))) == queued  # no notice queued
        [form] = await bot.all(select(FormDraft))
        assert form.kind == "recusal"
        await bot.send(user, REASON)
        await bot.settle()

    assert refused == "内容过长（4080 字），最多 500 字。未作任何处理，请精简后重新发送。"
    assert (bot.fake.last_text(user.id) or "").startswith(f"回避申请已登记：{target_name} 改由 ")
    [conflict] = await bot.all(select(Conflict))
    assert conflict.reason == REASON


async def test_a_command_drops_the_waiting_request_and_later_text_is_a_question(
    bot: BotHarness,
) -> None:
    async with bot.running():
        user, target_name = await _recusal_asked(bot)
        await bot.send(user, "/tasks")
        after_tasks = bot.fake.texts(user.id)[-2:]
        await bot.send(user, RATIO_QUESTION)

    assert after_tasks[0] == (
        f"回避申请（{target_name}）已取消：收到了命令而不是回避原因。"
        "如仍需回避，请在任务上重新点「申请回避」。"
    )
    assert after_tasks[1].startswith("我的检查任务：")  # the command still runs
    assert (bot.fake.last_text(user.id) or "").startswith(RATIO_ANSWER_START)
    assert await bot.all(select(FormDraft)) == []
    await _nothing_recorded(bot)


async def test_cancel_still_says_it_cancelled_the_request(bot: BotHarness) -> None:
    async with bot.running():
        user, _ = await _recusal_asked(bot)
        await bot.send(user, "/cancel")

    assert bot.fake.last_text(user.id) == "已取消。"
    assert await bot.all(select(FormDraft)) == []
    await _nothing_recorded(bot)


async def test_a_request_lapses_after_the_wait_and_the_text_is_answered_as_a_question(
    bot: BotHarness,
) -> None:
    async with bot.running():
        user, target_name = await _recusal_asked(bot)
        await _asked_minutes_ago(bot, 31)
        await bot.send(user, RATIO_QUESTION)

    lapsed, answer = bot.fake.texts(user.id)[-2:]
    assert lapsed == (
        f"回避申请（{target_name}）超过 30 分钟未收到原因，已自动取消，这条消息不作为回避原因。"
        "如仍需回避，请在任务上重新点「申请回避」。"
    )
    assert answer.startswith(RATIO_ANSWER_START)
    assert await bot.all(select(FormDraft)) == []
    await _nothing_recorded(bot)


async def test_within_the_wait_the_reason_is_taken(open_bot) -> None:  # type: ignore[no-untyped-def]
    bot: BotHarness = await open_bot(limits={"recusal_wait_minutes": 45})
    async with bot.running():
        user, _ = await _recusal_asked(bot)
        asked = bot.fake.texts(user.id)[-1]
        await _asked_minutes_ago(bot, 44)
        await bot.send(user, REASON)
        await bot.settle()

    assert "请在 45 分钟内直接回复回避原因" in asked
    [conflict] = await bot.all(select(Conflict))
    assert conflict.reason == REASON
