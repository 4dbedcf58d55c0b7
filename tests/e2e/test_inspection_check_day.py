"""The day and moment of the check (issue 15's review): the check day is the day of the
check-in, whenever the form was opened or submitted; `checked_on`, the quick deadlines and the
deadline check all use it, and the check-in's moment is kept. A forwarded location is no
check-in."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import select

from storage import result_store
from storage.draft_models import FormDraft
from storage.draw_models import Assignment
from storage.result_models import Checkin, FollowUp
from tests.e2e.conftest import BotHarness, OpenBot
from tests.e2e.inspection_walk import (
    CHECKIN,
    Plan,
    accepted_task,
    answer_next,
    question_of,
    walk_to_review,
)

OPENED = datetime(2024, 2, 5, 12, 0, tzinfo=UTC)  # Monday 20:00 in Shanghai, at the office
ON_SITE = datetime(2024, 2, 6, 1, 30, tzinfo=UTC)  # Tuesday 09:30, at the gate
SUBMITTED = datetime(2024, 2, 7, 2, 0, tzinfo=UTC)  # Wednesday 10:00, back at the office


def set_clock(bot: BotHarness, moment: datetime) -> None:
    bot.app.bot_data.schedule.clock = lambda: moment


async def on_site(open_bot: OpenBot, tmp_path: Path) -> BotHarness:
    return await open_bot(storage={"evidence_dir": str(tmp_path / "evidence")})


async def test_the_check_day_is_the_day_of_the_check_in_not_of_opening_or_submitting(
    open_bot: OpenBot, tmp_path: Path
) -> None:
    bot = await on_site(open_bot, tmp_path)
    async with bot.running():
        task = await accepted_task(bot)
        set_clock(bot, OPENED)
        await bot.press(task.user, "开始检查")
        set_clock(bot, ON_SITE)
        assert question_of(bot, task.user).startswith(CHECKIN)
        await answer_next(bot, task.user, task, Plan())  # the check-in
        await walk_to_review(bot, task)  # 责令整改 within 15天
        set_clock(bot, SUBMITTED)
        await bot.press(task.user, "提交")
        await bot.settle()
        [assignment] = await bot.all(select(Assignment).where(Assignment.id == task.assignment_id))
        [checkin] = await bot.all(select(Checkin))
        deadlines = [f.deadline for f in await bot.all(select(FollowUp)) if f.kind == "rectify"]
        async with bot.ctx.sessions() as session:
            view = await result_store.result_of(session, task.assignment_id)
        said = bot.said(task.user.id)

    assert assignment.checked_on == date(2024, 2, 6)
    assert deadlines == [date(2024, 2, 21)]  # 15 days from the check day
    assert checkin.checked_in_at.replace(tzinfo=UTC) == ON_SITE
    assert view is not None
    assert view.to_json_dict()["checkin"]["checked_in_at"] == "2024-02-06T01:30:00+00:00"
    assert "签到时间：2024-02-06 09:30" in next(t for t in said if t.startswith("【检查结果】"))


async def test_a_deadline_typed_before_the_check_in_day_is_refused(
    open_bot: OpenBot, tmp_path: Path
) -> None:
    """Opened on Monday, checked in on Tuesday: a deadline of Tuesday is not after the check."""
    bot = await on_site(open_bot, tmp_path)
    plan = Plan(follow_ups=("责令整改",))
    async with bot.running():
        task = await accepted_task(bot)
        set_clock(bot, OPENED)
        await bot.press(task.user, "开始检查")
        set_clock(bot, ON_SITE)
        while not question_of(bot, task.user).startswith("请选择整改期限"):
            assert await answer_next(bot, task.user, task, plan)
        await bot.send(task.user, "2024-02-06")
        refused = bot.said(task.user.id)[-1]
        await bot.send(task.user, "2024-02-07")
        [draft] = await bot.all(select(FormDraft))

    assert refused == "整改期限应在检查日之后。"
    assert (draft.data["check_day"], draft.data["deadline"]) == ("2024-02-06", "2024-02-07")


async def test_a_forwarded_location_is_no_check_in(open_bot: OpenBot, tmp_path: Path) -> None:
    bot = await on_site(open_bot, tmp_path)
    async with bot.running():
        task = await accepted_task(bot)
        await bot.press(task.user, "开始检查")
        lat, lon = float(task.target.latitude or 0), float(task.target.longitude or 0)
        colleague = bot.user(6003)
        bot.fake.send_location(task.user, lat, lon, forwarded_from=colleague)  # an old pin
        await bot.fake.until_idle()
        refused = bot.said(task.user.id)[-1]
        keyboard = bot.fake.reply_keyboard(task.user.id)
        [waiting] = await bot.all(select(FormDraft))
        bot.fake.send_location(task.user, lat, lon)  # 发送当前位置, on site
        await bot.fake.until_idle()
        [checked] = await bot.all(select(FormDraft))

    assert refused == "转发的位置不能作为现场签到。请在现场点下方「发送当前位置」。"
    assert keyboard == [["发送当前位置"], ["无法定位"]]
    assert (waiting.question, "checkin" in waiting.data) == ("checkin", False)
    assert checked.data["checkin"] == {"lat": lat, "lon": lon}
