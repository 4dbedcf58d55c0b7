"""A result left waiting for review (issue 10 item 2): its reviewer is reminded after
``[review] remind_after_workdays`` working days of the official calendar, the county admins
told after twice as many, each once across restarts (the reminder ledger)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from storage.schedule_models import ReminderLedger
from tests.e2e.conftest import OpenBot
from tests.e2e.inspection_walk import with_button
from tests.e2e.test_follow_ups_in_chat import Clock, at, use_clock
from tests.e2e.test_review_chain import county_admin, evidence_bot, lead_and_member, submitted_by


async def test_a_wait_for_review_is_reminded_then_escalated_in_official_working_days(
    open_bot: OpenBot, tmp_path: Path
) -> None:
    bot = await evidence_bot(open_bot, tmp_path)
    async with bot.running():  # Monday 2024-02-05: submitted and confirmed, 待审核
        lead, member = await lead_and_member(bot)
        await submitted_by(bot, member)
        await bot.press(lead.user, "确认", with_button(bot, lead.user, "确认"))
        await bot.settle()
    admin = await county_admin(bot)
    name = lead.target.name
    seen: dict[str, list[str]] = {}
    # The Spring Festival of 2024: 10–17 February off, Sunday the 18th worked. Three working
    # days after the 5th is the 8th; six is the 19th (a Monday-to-Friday count says the 13th).
    for day, hour in ((7, 9), (8, 9), (8, 15), (13, 9), (18, 9), (19, 9), (19, 16), (20, 9)):
        use_clock(bot, Clock(at(2, day, hour)))
        async with bot.running():  # a restart each time: the start-up catch-up runs
            await bot.background.catch_up
            await bot.settle()
        seen[f"{day}/{hour}"] = [
            t for t in bot.said(lead.user.id) + bot.said(admin.id) if t.startswith("【")
        ]
    reminder = f"【待审核提醒】「{name}」的检查结果已等待审核 3 个工作日，请在审核卡片上点「通过」或「退回」。"
    escalation = (
        f"【审核逾期】竞秀区：「{name}」的检查结果已等待审核 6 个工作日，"
        f"审核人：{lead.user.first_name}。请督促审核。"
    )
    assert reminder not in seen["7/9"]
    assert seen["8/9"].count(reminder) == 1
    assert escalation not in seen["18/9"]  # five working days
    assert [t for t in bot.said(lead.user.id) if t.startswith("【待审核提醒】")] == [reminder]
    assert [t for t in bot.said(admin.id) if t.startswith("【审核逾期】")] == [escalation]
    assert escalation in seen["19/9"]
    keys = await bot.all(
        select(ReminderLedger.key)
        .where(ReminderLedger.kind == "review")
        .order_by(ReminderLedger.id)
    )
    assert [k.split(":")[1] for k in keys] == ["remind", "escalate"]
