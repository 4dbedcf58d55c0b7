"""Buttons of a form that is gone: old messages are answered, not edited, so their buttons stay
in the chat. A button names its draft (and version), and draft ids are never reused, so a
button of a discarded draft reaches no later draft: not the next one of the same assignment,
not one of another assignment, not a /draw started again."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select

from spotcheck.roles import Role
from storage.draft_models import FormDraft
from tests.e2e.conftest import STALE, BotHarness, OpenBot
from tests.e2e.inspection_walk import Task, accepted_task, question_of, with_button
from tests.e2e.test_assignments import JINGXIU, pushes

JSON = dict[str, Any]


async def drafts(bot: BotHarness) -> list[tuple[int, str, str, int, dict[str, Any]]]:
    rows = await bot.all(select(FormDraft).order_by(FormDraft.id))
    return [(d.id, d.kind, d.subject, d.version, dict(d.data)) for d in rows]


async def to_first_item(bot: BotHarness, task: Task, start: JSON | None = None) -> JSON:
    """开始检查 (on ``start``, default the last message) and the check-in; the first item's
    question, whose buttons are 未发现问题 / 发现问题 / 不涉及."""
    await bot.press(task.user, "开始检查", start)
    bot.fake.send_location(task.user, 38.8, 115.5)
    await bot.fake.until_idle()
    assert question_of(bot, task.user).startswith("检查事项「")
    question = bot.fake.last_message(task.user.id)
    assert question is not None
    return question


async def discard_draft(bot: BotHarness, task: Task) -> JSON:
    """/cancel and 放弃草稿; the confirmation message (with its buttons)."""
    await bot.send(task.user, "/cancel")
    confirmation = with_button(bot, task.user, "放弃草稿")
    await bot.press(task.user, "放弃草稿", confirmation)
    assert await drafts(bot) == []
    return confirmation


def alert(bot: BotHarness, press: JSON) -> tuple[object, object]:
    answer = bot.fake.callback_answer(press)
    assert answer is not None
    return answer.get("text"), answer.get("show_alert")


async def test_an_old_button_of_a_discarded_draft_changes_nothing_on_the_next_draft(
    open_bot: OpenBot, tmp_path: Path
) -> None:
    bot = await open_bot(storage={"evidence_dir": str(tmp_path / "evidence")})
    async with bot.running():
        task = await accepted_task(bot)
        old_item = await to_first_item(bot, task)
        old_confirmation = await discard_draft(bot, task)
        # the same inspector starts the same assignment again: a new draft, at the same
        # version and question as the discarded one was when its buttons were made
        await to_first_item(bot, task, with_button(bot, task.user, "开始检查"))
        before = await drafts(bot)
        [(draft_id, _, subject, _, _)] = before
        assert subject == str(task.assignment_id)
        item = await bot.press(task.user, "发现问题", old_item)
        discard = await bot.press(task.user, "放弃草稿", old_confirmation)
        keep = await bot.press(task.user, "继续填写", old_confirmation)
        after = await drafts(bot)
        # the new draft's own buttons still work
        await bot.press(task.user, "未发现问题", with_button(bot, task.user, "未发现问题"))
        [(same_id, _, _, version, data)] = await drafts(bot)

    assert after == before
    for press in (item, discard, keep):
        assert alert(bot, press) == (STALE, True)
    assert (same_id, version, data["item.0"]) == (draft_id, before[0][3] + 1, "ok")


async def test_an_old_button_of_one_assignments_draft_cannot_answer_anothers(
    open_bot: OpenBot, tmp_path: Path
) -> None:
    bot = await open_bot(storage={"evidence_dir": str(tmp_path / "evidence")})
    async with bot.running():
        task = await accepted_task(bot)
        old_item = await to_first_item(bot, task)
        await discard_draft(bot, task)
        others = [p for p in pushes(bot, task.user) if p is not task.push]
        assert others, "the inspector has a second task"
        await bot.press(task.user, "接受", others[0])
        await to_first_item(bot, task, with_button(bot, task.user, "开始检查"))
        before = await drafts(bot)
        [(_, _, subject, _, _)] = before
        assert subject != str(task.assignment_id)
        item = await bot.press(task.user, "发现问题", old_item)
        after = await drafts(bot)

    assert after == before
    assert not any(k.startswith("item.") for k in after[0][4])
    assert alert(bot, item) == (STALE, True)
    assert question_of(bot, task.user).startswith("检查事项「")  # asked nothing new


async def test_an_old_draw_button_after_cancel_and_a_new_draw_is_stale(bot: BotHarness) -> None:
    [admin] = (await bot.staff(Role.COUNTY_ADMIN, JINGXIU))[:1]
    async with bot.running():
        boss = await bot.bind(6201, admin.cert_no)
        await bot.send(boss, "/draw")
        old_quarter = bot.fake.last_message(boss.id)
        assert old_quarter is not None and old_quarter["text"].startswith("第 1 步")
        await bot.send(boss, "/cancel")
        assert await drafts(bot) == []
        await bot.send(boss, "/draw")
        new_quarter = bot.fake.last_message(boss.id)
        assert new_quarter is not None
        before = await drafts(bot)
        [(_, kind, _, version, data)] = before
        assert (kind, version, "quarter" in data) == ("draw", 1, False)
        label = bot.fake.buttons(old_quarter)[0][0]
        stale = await bot.press(boss, label, old_quarter)
        after = await drafts(bot)
        await bot.press(boss, label, new_quarter)
        [(_, _, _, moved, answered)] = await drafts(bot)

    assert after == before
    assert alert(bot, stale) == (STALE, True)
    assert (moved, "quarter" in answered) == (2, True)
