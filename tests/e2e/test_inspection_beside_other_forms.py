"""The inspection form beside the other chat forms (issue 15's review): a typed text answers the
form whose text question was asked last, the inspection's as much as a 申请回避's or a /draw's;
the check-in keyboard's 无法定位 is the inspection's whatever else waits."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from storage.draft_models import FormDraft
from storage.draw_models import Conflict
from storage.models import utcnow
from tests.e2e.conftest import BotHarness, OpenBot
from tests.e2e.inspection_walk import Task, accepted_task
from tests.e2e.test_assignments import pushes
from tests.e2e.test_recusal_reason import REASON

NOTE = "废气处理设施未运行"
NOTE_ASKED = "「排污许可制度执行情况的检查」发现的问题（简要说明，必填）："


async def on_site(open_bot: OpenBot, tmp_path: Path) -> BotHarness:
    return await open_bot(storage={"evidence_dir": str(tmp_path / "evidence")})


def wall_clock(bot: BotHarness) -> None:
    """The bot's clock set to the real one, as in production: the recusal and /draw forms stamp
    their drafts with it, the inspection with the bot's clock (which tests otherwise fix)."""
    bot.app.bot_data.schedule.clock = utcnow


async def checked_in(bot: BotHarness) -> tuple[Task, dict[str, object]]:
    """His accepted task, 开始检查 and the check-in done: (the task, the first item's question)."""
    task = await accepted_task(bot)
    wall_clock(bot)
    await bot.press(task.user, "开始检查")
    bot.fake.send_location(task.user, 38.8, 115.5)
    await bot.fake.until_idle()
    item_asked = bot.fake.last_message(task.user.id)
    assert item_asked is not None
    return task, item_asked


def other_push(bot: BotHarness, task: Task) -> dict[str, object]:
    return next(p for p in pushes(bot, task.user) if p is not task.push)


async def drafts(bot: BotHarness) -> list[tuple[str, str]]:
    rows = await bot.all(select(FormDraft).order_by(FormDraft.id))
    return [(d.kind, d.question) for d in rows]


async def test_a_note_typed_after_a_recusal_was_asked_answers_the_inspection_that_asked_last(
    open_bot: OpenBot, tmp_path: Path
) -> None:
    bot = await on_site(open_bot, tmp_path)
    async with bot.running():
        task, item_asked = await checked_in(bot)
        await bot.press(task.user, "申请回避", other_push(bot, task))  # asked for a reason …
        await bot.press(task.user, "发现问题", item_asked)  # … but goes on with the inspection
        asked = bot.said(task.user.id)[-1]
        await bot.send(task.user, NOTE)  # the note: its question came last
        next_asked = bot.said(task.user.id)[-1]
        await bot.settle()
        conflicts = await bot.all(select(Conflict))
        [inspection] = await bot.all(select(FormDraft).where(FormDraft.kind == "inspection"))
        waiting = await drafts(bot)

    assert asked == NOTE_ASKED
    assert conflicts == []  # nothing filed as the reason of the 申请回避
    assert inspection.data["note.0"] == NOTE
    assert next_asked == "检查事项「大气污染防治设施运行情况的检查」：检查结果？"  # the next item
    assert ("recusal", "reason") in waiting  # the 申请回避 still waits for its reason


async def test_a_reason_typed_after_the_recusal_was_asked_goes_to_the_recusal(
    open_bot: OpenBot, tmp_path: Path
) -> None:
    bot = await on_site(open_bot, tmp_path)
    async with bot.running():
        task, item_asked = await checked_in(bot)
        await bot.press(task.user, "发现问题", item_asked)  # the note is asked …
        await bot.press(task.user, "申请回避", other_push(bot, task))  # … then the reason
        await bot.send(task.user, REASON)
        await bot.settle()
        [conflict] = await bot.all(select(Conflict))
        [inspection] = await bot.all(select(FormDraft).where(FormDraft.kind == "inspection"))

    assert conflict.reason == REASON
    assert (inspection.question, "note.0" in inspection.data) == ("note.0", False)


async def test_the_checkin_keyboards_unlocated_goes_to_the_inspection_while_a_recusal_waits(
    open_bot: OpenBot, tmp_path: Path
) -> None:
    bot = await on_site(open_bot, tmp_path)
    async with bot.running():
        task = await accepted_task(bot)
        wall_clock(bot)
        await bot.press(task.user, "开始检查")
        await bot.press(task.user, "申请回避", other_push(bot, task))
        bot.fake.tap_keyboard(task.user, "无法定位")  # the check-in's reply keyboard
        await bot.fake.until_idle()
        reason_asked = bot.said(task.user.id)[-1]
        await bot.send(task.user, "厂区内无信号")  # the inspection asked last: its reason
        await bot.settle()
        conflicts = await bot.all(select(Conflict))
        [inspection] = await bot.all(select(FormDraft).where(FormDraft.kind == "inspection"))
        waiting = await drafts(bot)

    assert reason_asked == "请简要说明无法定位的原因："
    assert conflicts == []
    assert (inspection.data["checkin"], inspection.data["checkin_reason"]) == (
        "none",
        "厂区内无信号",
    )
    assert ("recusal", "reason") in waiting
