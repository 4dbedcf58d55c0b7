"""An inspection draft when its inspector leaves the team (issue 15's review): a recusal or a
`draw replace` discards the replaced inspector's draft and tells him, so he can neither go on
filling it nor add photos, and his replacement can start the form; every answer, 修改 and photo
re-checks that the caller is still on the team in force and has accepted."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select, update

from bot.services import assignments
from spotcheck.states import AssignmentState
from storage.bot_models import TelegramAccount
from storage.draft_models import FormDraft
from storage.draw_models import Assignment, AssignmentMember, DrawRecord
from storage.result_models import Evidence
from tests.e2e.conftest import NOT_YOURS, STALE, BotHarness, OpenBot
from tests.e2e.fake_telegram import TgUser
from tests.e2e.inspection_walk import (
    CHECKIN,
    Plan,
    Task,
    accepted_task,
    answer_next,
    question_of,
    with_button,
)
from tests.e2e.test_assignments import pushes
from tests.e2e.test_recusal_reason import REASON
from tests.evidence_images import jpeg

PHOTO_NOT_EXPECTED = "现在不需要照片：检查表问到「现场照片」时再发送。未保存。"


def withdrawn(target_name: str) -> str:
    return (
        f"您已不在「{target_name}」的检查组，您的检查表草稿已作废"
        "（已发送的照片仍作为证据保存），改由接替人员填写。"
    )


async def on_site(open_bot: OpenBot, tmp_path: Path) -> BotHarness:
    return await open_bot(storage={"evidence_dir": str(tmp_path / "evidence")})


async def checked_in(bot: BotHarness) -> tuple[Task, dict[str, object]]:
    """His accepted task, 开始检查 and the check-in done: (the task, the first item's question)."""
    task = await accepted_task(bot)
    await bot.press(task.user, "开始检查")
    bot.fake.send_location(task.user, 38.8, 115.5)
    await bot.fake.until_idle()
    item_asked = bot.fake.last_message(task.user.id)
    assert item_asked is not None
    return task, item_asked


async def replacement_of(bot: BotHarness, task: Task) -> TgUser:
    """The inspector who took his place on the team: its newest member."""
    [added, *_] = await bot.all(
        select(AssignmentMember.person_key)
        .where(AssignmentMember.assignment_id == task.assignment_id)
        .order_by(AssignmentMember.id.desc())
    )
    assert added != task.cert
    [account] = await bot.all(select(TelegramAccount).where(TelegramAccount.cert_no == added))
    return bot.user(account.user_id)


async def test_a_recused_inspectors_draft_is_discarded_and_he_cannot_go_on_filling_it(
    open_bot: OpenBot, tmp_path: Path
) -> None:
    bot = await on_site(open_bot, tmp_path)
    async with bot.running():
        task, item_asked = await checked_in(bot)
        await bot.press(task.user, "申请回避", task.push)  # on the task he is filling
        await bot.send(task.user, REASON)
        await bot.settle()
        told = bot.said(task.user.id)[-2:]
        left = await bot.all(select(FormDraft))
        pressed = await bot.press(task.user, "发现问题", item_asked)  # goes on anyway
        bot.fake.send_photo(task.user, jpeg(seed=3))
        await bot.fake.until_idle()
        photo_answer = bot.said(task.user.id)[-1]
        evidence = await bot.all(select(Evidence))

    assert told[0].startswith(f"回避申请已登记：{task.target.name} 改由 ")
    assert told[1] == withdrawn(task.target.name)
    assert left == []
    assert bot.fake.callback_answer(pressed)["text"] == STALE  # type: ignore[index]
    assert photo_answer == PHOTO_NOT_EXPECTED
    assert evidence == []


async def test_the_replacement_can_start_the_form_after_the_recusal(
    open_bot: OpenBot, tmp_path: Path
) -> None:
    bot = await on_site(open_bot, tmp_path)
    async with bot.running():
        task, _ = await checked_in(bot)
        await bot.press(task.user, "申请回避", task.push)
        await bot.send(task.user, REASON)
        await bot.settle()
        replacement = await replacement_of(bot, task)
        [push] = pushes(bot, replacement, head="【检查任务（替换）】")
        await bot.press(replacement, "接受", push)
        await bot.press(replacement, "开始检查")
        asked = question_of(bot, replacement)
        [draft] = await bot.all(select(FormDraft))

    assert asked.startswith(CHECKIN)
    assert (draft.user_id, draft.subject, draft.version) == (
        replacement.id,
        str(task.assignment_id),
        1,
    )


async def test_draw_replace_from_the_command_line_discards_the_replaced_inspectors_draft(
    open_bot: OpenBot, tmp_path: Path
) -> None:
    bot = await on_site(open_bot, tmp_path)
    async with bot.running():
        task, _ = await checked_in(bot)
        [record_id] = await bot.all(select(DrawRecord.id).order_by(DrawRecord.id.desc()).limit(1))
        await assignments.replace_member(
            bot.ctx, record_id, task.target.credit_code, task.cert, "调离执法岗位", "cli"
        )
        await bot.settle()
        left = await bot.all(select(FormDraft))

    assert left == []
    assert bot.said(task.user.id)[-1] == withdrawn(task.target.name)


async def test_answers_and_photos_are_refused_once_the_assignment_is_no_longer_in_force(
    open_bot: OpenBot, tmp_path: Path
) -> None:
    bot = await on_site(open_bot, tmp_path)
    async with bot.running():
        task, _ = await checked_in(bot)
        while not question_of(bot, task.user).startswith("请发送现场照片"):
            assert await answer_next(bot, task.user, task, Plan())
        async with bot.ctx.sessions() as session, session.begin():  # the plan was redrawn
            await session.execute(
                update(Assignment)
                .where(Assignment.id == task.assignment_id)
                .values(state=AssignmentState.SUPERSEDED)
            )
        bot.fake.send_photo(task.user, jpeg(seed=4))
        await bot.fake.until_idle()
        photo_answer = bot.said(task.user.id)[-1]
        done = await bot.press(task.user, "完成", with_button(bot, task.user, "完成"))
        [draft] = await bot.all(select(FormDraft))
        evidence = await bot.all(select(Evidence))

    assert photo_answer == NOT_YOURS
    assert bot.fake.callback_answer(done)["text"] == NOT_YOURS  # type: ignore[index]
    assert evidence == []
    assert draft.question == "photos"
