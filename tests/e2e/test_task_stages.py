"""/tasks names each assignment's stage along the review chain: 检查中 while the form is open,
已提交, 待审核, 退回 (objected to or returned, until resubmitted), a resubmitted version's own
已提交, and 通过. The form is walked in chat; the chain's moves are the review store's (their
chat flow is tested with it)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

from spotcheck.inspection import ResultState
from storage import result_store, review_store
from storage.result_store import CheckinInput, ResultInput
from tests.e2e.conftest import BotHarness, OpenBot
from tests.e2e.inspection_walk import Task, accepted_task, walk_to_review, with_button

AT = datetime(2024, 2, 5, 3, 0, tzinfo=UTC)


def stage_of(bot: BotHarness, task: Task) -> str:
    """The stage /tasks showed last for this task (the result card and its photos, from the
    outbox, may arrive after the list)."""
    lists = [t for t in bot.said(task.user.id) if t.startswith("我的检查任务：")]
    text = lists[-1] if lists else ""
    found = re.search(rf"，(\S+) /task_{task.assignment_id}\b", text)
    assert found is not None, text
    return found.group(1)


async def move(bot: BotHarness, result_id: int, to: ResultState, reason: str = "") -> None:
    async with bot.ctx.sessions() as session, session.begin():
        assert await review_store.move(session, result_id, to, "13060001", AT, reason)


async def resubmit(bot: BotHarness, task: Task) -> int:
    async with bot.ctx.sessions() as session, session.begin():
        first = await result_store.result_of(session, task.assignment_id)
        assert first is not None
        return await result_store.save_result(
            session,
            ResultInput(
                assignment_id=task.assignment_id,
                category=first.category,
                findings=first.findings + "（补充）",
                items=tuple(
                    result_store.ItemInput(i.item_code, i.answer, i.note) for i in first.items
                ),
                checkin=CheckinInput(None, None, None, True, AT, "补签"),
                submitted_by=task.cert,
                checked_on=AT.date(),
            ),
        )


async def test_tasks_show_each_stage_of_the_review_chain(open_bot: OpenBot, tmp_path: Path) -> None:
    bot = await open_bot(storage={"evidence_dir": str(tmp_path / "evidence")})
    seen = []
    async with bot.running():
        task = await accepted_task(bot)
        await bot.send(task.user, "/tasks")
        seen.append(stage_of(bot, task))
        await bot.press(task.user, "开始检查", with_button(bot, task.user, "开始检查"))
        await bot.send(task.user, "/tasks")
        seen.append(stage_of(bot, task))
        await bot.send(task.user, "/resume")
        await walk_to_review(bot, task)
        await bot.press(task.user, "提交", with_button(bot, task.user, "提交"))
        await bot.settle()  # the result card goes out first
        await bot.send(task.user, "/tasks")
        seen.append(stage_of(bot, task))
        async with bot.ctx.sessions() as session:
            first = await review_store.latest_version(session, task.assignment_id)
        assert first is not None
        await move(bot, first.result_id, ResultState.PENDING_REVIEW)
        await bot.send(task.user, "/tasks")
        seen.append(stage_of(bot, task))
        await move(bot, first.result_id, ResultState.RETURNED, "照片不清晰")
        await bot.send(task.user, "/tasks")
        seen.append(stage_of(bot, task))
        second = await resubmit(bot, task)
        await bot.send(task.user, "/tasks")
        seen.append(stage_of(bot, task))
        await move(bot, second, ResultState.OBJECTED, "检查项目填错")
        await bot.send(task.user, "/tasks")
        seen.append(stage_of(bot, task))
        third = await resubmit(bot, task)
        await move(bot, third, ResultState.PENDING_REVIEW)
        await move(bot, third, ResultState.PASSED)
        await bot.send(task.user, "/tasks")
        seen.append(stage_of(bot, task))

    assert seen == ["已接受", "检查中", "已提交", "待审核", "退回", "已提交", "退回", "通过"]
