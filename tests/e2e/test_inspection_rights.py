"""Who may fill an inspection form, and buttons that must not act: someone else's draft, two
members at once, a second form, a discarded draft's buttons; /cancel asks first."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from bot import callback_data
from spotcheck.classes import SupervisionClass
from storage.draft_models import FormDraft
from storage.models import AuditLog
from tests.e2e.conftest import STALE, BotHarness, OpenBot
from tests.e2e.fake_telegram import TgUser
from tests.e2e.inspection_walk import accepted_task, question_of, with_button
from tests.e2e.test_assignments import JINGXIU, bind_county, pushes


async def drafts(bot: BotHarness) -> list[tuple[int, str, int, dict[str, object]]]:
    rows = await bot.all(select(FormDraft).order_by(FormDraft.id))
    return [(d.user_id, d.subject, d.version, d.data) for d in rows]


async def refusals(bot: BotHarness) -> list[str]:
    rows = await bot.all(select(AuditLog).where(AuditLog.action == "refused").order_by(AuditLog.id))
    return [r.entity_key for r in rows]


async def test_a_forged_button_on_someone_elses_draft_changes_nothing(
    open_bot: OpenBot, tmp_path: Path
) -> None:
    bot = await open_bot(storage={"evidence_dir": str(tmp_path / "evidence")})
    async with bot.running():
        task = await accepted_task(bot)
        await bot.press(task.user, "开始检查")
        bot.fake.send_location(task.user, 38.8, 115.5)
        await bot.fake.until_idle()
        before = await drafts(bot)
        [(_, _, version, _)] = before
        [draft] = await bot.all(select(FormDraft))
        stranger = bot.user(6003)  # bound, of the county, not filling this form
        forged = callback_data.form_step("inspection", draft.id, version, "item.0", "ok")
        answered = await bot.forge(stranger, forged)
        submitted = callback_data.form_step("inspection", draft.id, 1, "review", "submit")
        submit = await bot.forge(stranger, submitted)
        assert await drafts(bot) == before
    assert bot.fake.callback_answer(answered)["text"] == STALE  # type: ignore[index]
    assert bot.fake.callback_answer(submit)["show_alert"] is True  # type: ignore[index]
    assert await refusals(bot) == [forged, submitted]


async def test_two_members_starting_at_once_get_one_draft(
    open_bot: OpenBot, tmp_path: Path
) -> None:
    bot = await open_bot(storage={"evidence_dir": str(tmp_path / "evidence")})
    async with bot.running():
        people = await bind_county(bot)
        await bot.draw_county(JINGXIU, SupervisionClass.SPECIAL)
        await bot.settle()
        teams: dict[int, list[tuple[TgUser, dict[str, object]]]] = {}
        for user in people.values():
            for push in pushes(bot, user):
                assignment_id = int(str(bot.fake.buttons(push)[0][1]).split(":")[2])
                teams.setdefault(assignment_id, []).append((user, push))
        assignment_id, team = next((a, t) for a, t in teams.items() if len(t) >= 2)
        (first, first_push), (second, second_push) = team[:2]
        await bot.press(first, "接受", first_push)
        await bot.press(second, "接受", second_push)
        start = callback_data.start_inspection(assignment_id)
        for user in (first, second):  # both updates in before either is handled
            bot.fake.press(user, with_button(bot, user, "开始检查"), start)
        await bot.fake.until_idle()
    [(holder, subject, _, _)] = await drafts(bot)
    assert subject == str(assignment_id)
    filling, told = (first, second) if holder == first.id else (second, first)
    target = bot.said(told.id)[-1].split("」")[0].lstrip("「")
    assert bot.said(told.id)[-1] == (
        f"「{target}」的检查表正由 {filling.first_name} 填写：同一任务只能由一人填写。"
    )
    assert bot.said(filling.id)[-1].startswith("第 1 步 现场签到")


async def test_a_second_form_waits_for_the_first(open_bot: OpenBot, tmp_path: Path) -> None:
    bot = await open_bot(storage={"evidence_dir": str(tmp_path / "evidence")})
    async with bot.running():
        task = await accepted_task(bot)
        await bot.press(task.user, "开始检查")
        others = [p for p in pushes(bot, task.user) if p is not task.push]
        assert others, "the inspector has a second task"
        await bot.press(task.user, "接受", others[0])
        await bot.press(task.user, "开始检查")
        assert bot.said(task.user.id)[-1].startswith(
            f"您还有一份未完成的检查表（{task.target.name}）：请先填完并提交，或发送 /cancel"
        )
        await bot.press(task.user, "开始检查", with_button(bot, task.user, "开始检查"))
        await bot.press(task.user, "开始检查", task_card_start(bot, task.user))
    assert len(await drafts(bot)) == 1


def task_card_start(bot: BotHarness, user: TgUser) -> dict[str, object]:
    """The first 开始检查 the chat showed (the one under the first accepted task)."""
    for message in bot.fake.sent_to(user.id):
        if any(t == "开始检查" for t, _ in bot.fake.buttons(message)):
            return message
    raise AssertionError("no 开始检查")


async def test_cancel_asks_before_discarding_and_old_buttons_go_stale(
    open_bot: OpenBot, tmp_path: Path
) -> None:
    bot = await open_bot(storage={"evidence_dir": str(tmp_path / "evidence")})
    async with bot.running():
        task = await accepted_task(bot)
        await bot.press(task.user, "开始检查")
        bot.fake.send_location(task.user, 38.8, 115.5)
        await bot.fake.until_idle()
        item_question = bot.fake.last_message(task.user.id)
        await bot.send(task.user, "/cancel")
        assert bot.said(task.user.id)[-1] == (
            f"确定放弃「{task.target.name}」的检查表草稿吗？已填写的答案将被删除；"
            "已发送的照片作为证据保留。"
        )
        assert len(await drafts(bot)) == 1  # asking discards nothing
        await bot.press(task.user, "继续填写")
        assert question_of(bot, task.user).startswith("检查事项「")
        await bot.send(task.user, "/cancel")
        await bot.press(task.user, "放弃草稿")
        assert bot.said(task.user.id)[-1] == (
            f"已放弃「{task.target.name}」的检查表草稿（已发送的照片仍作为证据保留）。"
        )
        assert await drafts(bot) == []
        stale = await bot.press(task.user, "未发现问题", item_question)
        assert await drafts(bot) == []
        await bot.send(task.user, "/cancel")
    assert bot.fake.callback_answer(stale)["text"] == STALE  # type: ignore[index]
    assert bot.said(task.user.id)[-1] == "当前没有进行中的操作。"
