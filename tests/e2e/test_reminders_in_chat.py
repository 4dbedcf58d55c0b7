"""Reporting reminders and digests through the real Application and the fake Bot API: the
Schedule's runs (catch-up at start, the morning run, the digests) with its clock set to a day in
a reporting window, the 已报送 button, an uploaded statistics table, /deadlines and /digest.

Time is injected once: the Schedule's clock (``bot.app.bot_data.schedule.clock``), which the
handlers read too. Set E2E_REMINDERS_TRANSCRIPT=path to append what the
fake Bot API received in the stories that say ``keep_transcript``.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from bot.services import draws
from bot.services.draws import DrawRequest
from scheduler.jobs import Schedule
from spotcheck.classes import SupervisionClass
from spotcheck.quota import Level
from spotcheck.regions import BAODING_COUNTIES
from spotcheck.roles import Role
from storage.draw_models import Assignment, AssignmentMember
from storage.schedule_models import ReminderLedger, Submission
from tests.e2e.conftest import SQLITE_ONLY, BotHarness
from tests.e2e.fake_telegram import TgUser

SHANGHAI = ZoneInfo("Asia/Shanghai")
JINGXIU, CITY = "130602", "130600"

OPENS_SUMMARY = (
    "【报送提醒】竞秀区：2024Q1 季度工作总结报送期已开始（2024-03-27 至 2024-03-29）。"
    "报送后请点“已报送”或直接上传文件。"
)
AHEAD_SUMMARY = (
    "【报送提醒】竞秀区：2024Q1 季度工作总结将于 2024-03-27 至 2024-03-29 报送，请提前准备。"
)
# The statistics reminder names the county's numbers: none checked yet; and its rows of the
# statistics table, as the exported workbook has them (the demo directory's minimums).
NO_CHECKS_2024Q1 = (
    "\n本区县 2024Q1 现场检查 0 家\n阶段：待接受 0 · 已接受 0 · 检查中 0 · 已提交 0 · 待审核 0 · 退回 0 · 通过 0\n后续处置：未完结 0，逾期 0"
    "\n本区县 2024Q1 统计表（与导出的 Excel 一致）："
    "\n特殊 已抽 0/应抽 7 · 已通过 0 · 完成率 0.0%"
    "\n重点 已抽 0/应抽 16 · 已通过 0 · 完成率 0.0%"
    "\n一般 已抽 0/应抽 4 · 已通过 0 · 完成率 0.0%"
)
AHEAD_STATISTICS = (
    "【报送提醒】竞秀区：2024Q1 季度统计表将于 2024-04-01 至 2024-04-03 报送，请提前准备。"
    + NO_CHECKS_2024Q1
)
OPENS_STATISTICS = (
    "【报送提醒】竞秀区：2024Q1 季度统计表报送期已开始（2024-04-01 至 2024-04-03）。"
    "报送后请点“已报送”或直接上传文件。" + NO_CHECKS_2024Q1
)
SUMMARY_REGISTERED = "已登记：2024Q1 季度工作总结已报送，相关提醒停止。"
STATISTICS_REGISTERED = "已登记：2024Q1 季度统计表已报送，相关提醒停止。"
LATE_SUMMARY = "【逾期】竞秀区 尚未报送 2024Q1 季度工作总结（报送期 2024-03-27 至 2024-03-29）。"
LATE_STATISTICS = "【逾期】竞秀区 尚未报送 2024Q1 季度统计表（报送期 2024-04-01 至 2024-04-03）。"


def at(year: int, month: int, day: int, hour: int = 9, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI).astimezone(UTC)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def keep_transcript(bot: BotHarness, title: str, start: int = 0) -> str:
    text = "\n".join(bot.transcript(start))
    if path := os.environ.get("E2E_REMINDERS_TRANSCRIPT"):
        with Path(path).open("a", encoding="utf-8") as out:
            out.write(f"## {title}\n{text}\n\n")
    return text


def schedule(bot: BotHarness) -> Schedule:
    return bot.app.bot_data.schedule


def use_clock(bot: BotHarness, clock: Clock, monkeypatch: pytest.MonkeyPatch) -> None:
    """The current Application's schedule and the reporting handlers read ``clock``."""
    schedule(bot).clock = clock


async def started(bot: BotHarness) -> None:
    """Wait for the catch-up run the bot starts with, and for what it queued to be sent."""
    await bot.background.catch_up
    await bot.settle()


async def admin_of(bot: BotHarness, region: str = JINGXIU, role: Role = Role.COUNTY_ADMIN) -> str:
    return str((await bot.staff(role, region))[0].cert_no)


def reminders(bot: BotHarness, chat_id: int) -> list[dict[str, Any]]:
    return [
        m
        for m in bot.fake.sent_to(chat_id)
        if m.get("text", "").startswith(("【报送提醒】", "【逾期】"))
    ]


def reminder_texts(bot: BotHarness, chat_id: int) -> list[str]:
    return [m["text"] for m in reminders(bot, chat_id)]


async def submitted_elsewhere(bot: BotHarness, duties: Iterable[str]) -> None:
    """Every county but 竞秀区 has sent these 2024Q1 duties."""
    async with bot.ctx.sessions() as session, session.begin():
        session.add_all(
            Submission(county=c, quarter="2024Q1", duty=d, submitted_by="test")
            for c in BAODING_COUNTIES
            if c != JINGXIU
            for d in duties
        )


async def submissions(bot: BotHarness) -> list[tuple[str, str, str, str | None, str | None]]:
    rows: list[Submission] = await bot.all(
        select(Submission).where(Submission.county == JINGXIU).order_by(Submission.id)
    )
    return [(s.county, s.quarter, s.duty, s.file_id, s.file_name) for s in rows]


# --- reminders and the 已报送 button ---------------------------------------------------------


async def test_reminder_arrives_with_a_button_and_pressing_it_stops_the_duty(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = Clock(at(2024, 3, 27, 9, 0))
    use_clock(bot, clock, monkeypatch)
    async with bot.running():
        await started(bot)
        user = await bot.bind(8101, await admin_of(bot))
        start = len(bot.fake.calls)
        assert await schedule(bot).morning() == 2
        await bot.settle()
        assert reminder_texts(bot, user.id) == [OPENS_SUMMARY, AHEAD_STATISTICS]
        opens = reminders(bot, user.id)[0]
        assert bot.fake.buttons(opens) == [("已报送", "1:sb:2024Q1:summary")]

        update = await bot.press(user, "已报送", opens)
        assert bot.fake.callback_answer(update) is not None  # the spinner stops
        assert bot.fake.last_text(user.id) == SUMMARY_REGISTERED
        assert await submissions(bot) == [(JINGXIU, "2024Q1", "summary", None, None)]

        # the due day's morning run: nothing more about the summary
        clock.now = at(2024, 3, 29, 9, 0)
        assert await schedule(bot).morning() == 0
        await bot.settle()
        assert reminder_texts(bot, user.id) == [OPENS_SUMMARY, AHEAD_STATISTICS]
        # pressing again only says so
        await bot.press(user, "已报送", opens)
        assert bot.fake.last_text(user.id) == "2024Q1 季度工作总结此前已登记为已报送。"
    assert await submissions(bot) == [(JINGXIU, "2024Q1", "summary", None, None)]
    text = keep_transcript(bot, "2024-03-27 09:00 morning run; 已报送; 03-29 run", start)
    assert f"sendMessage chat={user.id} '{OPENS_SUMMARY}' ['已报送']" in text


@SQLITE_ONLY
async def test_restart_catch_up_sends_what_is_still_relevant_once(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = Clock(at(2024, 3, 26, 9, 0))
    use_clock(bot, clock, monkeypatch)
    async with bot.running():
        await started(bot)
        user = await bot.bind(8102, await admin_of(bot))
        await schedule(bot).morning()
        await bot.settle()
    assert reminder_texts(bot, user.id) == [AHEAD_SUMMARY]
    # down over 03-27 09:00; started again at 11:00: the window opened meanwhile
    clock.now = at(2024, 3, 27, 11, 0)
    use_clock(bot, clock, monkeypatch)
    start = len(bot.fake.calls)
    async with bot.running():
        await started(bot)
    assert reminder_texts(bot, user.id) == [AHEAD_SUMMARY, OPENS_SUMMARY, AHEAD_STATISTICS]
    # and again at 12:00: nothing twice
    clock.now = at(2024, 3, 27, 12, 0)
    use_clock(bot, clock, monkeypatch)
    async with bot.running():
        await started(bot)
    assert len(reminder_texts(bot, user.id)) == 3
    keep_transcript(bot, "down over 2024-03-27 09:00, restarted at 11:00 and 12:00", start)
    kinds = await bot.all(select(ReminderLedger.kind).order_by(ReminderLedger.id))
    # three reminders, and the week's county digest missed on Monday, each once
    assert sorted(kinds) == ["county_digest", "report", "report", "report"]


@SQLITE_ONLY
async def test_late_county_is_escalated_to_the_city_admin(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_clock(bot, Clock(at(2024, 4, 8, 9, 0)), monkeypatch)
    await submitted_elsewhere(bot, ["summary", "statistics"])
    async with bot.running():
        await started(bot)  # nobody bound yet at start: nothing
        boss = await bot.bind(8201, await admin_of(bot, CITY, Role.ADMIN))
        county = await bot.bind(8202, await admin_of(bot))
        start = len(bot.fake.calls)
        assert await schedule(bot).morning() == 2
        await bot.settle()
    assert reminder_texts(bot, boss.id) == [LATE_SUMMARY, LATE_STATISTICS]
    assert all(bot.fake.buttons(m) == [] for m in reminders(bot, boss.id))
    assert reminder_texts(bot, county.id) == []  # lateness goes up, not back to the county
    keep_transcript(bot, "2024-04-08 09:00: 竞秀区 late with both duties", start)


# --- an uploaded file -----------------------------------------------------------------------


@SQLITE_ONLY
async def test_uploading_the_statistics_table_in_its_window_registers_it(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = Clock(at(2024, 4, 2, 10, 0))
    use_clock(bot, clock, monkeypatch)
    async with bot.running():
        await started(bot)
        user = await bot.bind(8301, await admin_of(bot))
        await schedule(bot).morning()
        await bot.settle()
        assert reminder_texts(bot, user.id) == [OPENS_STATISTICS]
        update = bot.fake.send_document(
            user,
            b"PK\x03\x04 statistics",
            "竞秀区2024Q1统计表.xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        await bot.fake.until_idle()
        # the summary is late as well, but the file is taken for the window that is open
        assert bot.fake.last_text(user.id) == STATISTICS_REGISTERED
        # the due day: no statistics reminder for 竞秀区
        clock.now = at(2024, 4, 3, 9, 0)
        await schedule(bot).morning()
        await bot.settle()
    file_id = update["message"]["document"]["file_id"]
    assert await submissions(bot) == [
        (JINGXIU, "2024Q1", "statistics", file_id, "竞秀区2024Q1统计表.xlsx")
    ]
    assert reminder_texts(bot, user.id) == [OPENS_STATISTICS]


@SQLITE_ONLY
async def test_a_document_or_button_from_an_inspector_is_not_a_submission(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_clock(bot, Clock(at(2024, 4, 2, 10, 0)), monkeypatch)
    inspector = str((await bot.staff(Role.INSPECTOR, JINGXIU))[0].cert_no)
    async with bot.running():
        await started(bot)
        user = await bot.bind(8302, inspector)
        bot.fake.send_document(user, b"x", "统计表.xlsx")
        await bot.fake.until_idle()
        assert bot.fake.last_text(user.id) != STATISTICS_REGISTERED
        # nor is a forged 已报送 button: refused in an alert
        update = await bot.forge(user, "1:sb:2024Q1:statistics")
        answer = bot.fake.callback_answer(update)
        assert answer is not None
        assert (answer.get("text"), answer.get("show_alert")) == (
            "只有区县管理员可以登记本区县的报送。",
            True,
        )
    assert await submissions(bot) == []


# --- /deadlines and /digest -----------------------------------------------------------------


@SQLITE_ONLY
async def test_deadlines_shows_the_countys_windows_with_their_state(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_clock(bot, Clock(at(2024, 3, 28, 10, 0)), monkeypatch)
    async with bot.running():
        await started(bot)
        county = await bot.bind(8401, await admin_of(bot))
        boss = await bot.bind(8402, await admin_of(bot, CITY, Role.ADMIN))
        await schedule(bot).morning()
        await bot.settle()
        await bot.press(county, "已报送", reminders(bot, county.id)[0])
        await bot.send(county, "/deadlines")
        assert bot.fake.last_text(county.id) == "\n".join(
            [
                "近期报送期限：",
                "2024Q1 季度工作总结：2024-03-27 至 2024-03-29（已报送）",
                "2024Q1 季度统计表：2024-04-01 至 2024-04-03（未报送）",
                "2024Q2 季度工作总结：2024-06-26 至 2024-06-28（未报送）",
                "2024Q2 季度统计表：2024-07-01 至 2024-07-03（未报送）",
            ]
        )
        await bot.send(boss, "/deadlines")  # the city: the dates, no county's state
        assert bot.fake.last_text(boss.id) == "\n".join(
            [
                "近期报送期限：",
                "2024Q1 季度工作总结：2024-03-27 至 2024-03-29",
                "2024Q1 季度统计表：2024-04-01 至 2024-04-03",
                "2024Q2 季度工作总结：2024-06-26 至 2024-06-28",
                "2024Q2 季度统计表：2024-07-01 至 2024-07-03",
            ]
        )


async def bind_county(bot: BotHarness) -> dict[str, TgUser]:
    staff = [
        *await bot.staff(Role.INSPECTOR, JINGXIU),
        *await bot.staff(Role.LEAD, JINGXIU),
        *await bot.staff(Role.COUNTY_ADMIN, JINGXIU),
    ]
    return {p.cert_no: await bot.bind(8500 + i, p.cert_no) for i, p in enumerate(staff)}


@SQLITE_ONLY
async def test_digests_arrive_for_the_lead_and_the_county_admin(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = Clock(at(2024, 3, 18, 8, 30))  # a Monday
    use_clock(bot, clock, monkeypatch)
    async with bot.running():
        await started(bot)
        people = await bind_county(bot)
        await draws.execute(
            bot.ctx,
            DrawRequest(
                "2024Q1",
                Level.COUNTY,
                "cli",
                region=JINGXIU,
                supervision_class=SupervisionClass.SPECIAL,
            ),
        )
        await bot.settle()
        start = len(bot.fake.calls)
        members: list[AssignmentMember] = await bot.all(
            select(AssignmentMember).where(AssignmentMember.person_kind == "inspector")
        )
        lead = sorted({m.person_key for m in members if m.is_lead})[0]
        groups = {m.assignment_id for m in members if m.is_lead and m.person_key == lead}
        in_groups = [m for m in members if m.assignment_id in groups]
        digest = (
            f"【组长日报】您带的检查组 {len(groups)} 个\n接受 ░░░░░░░░░░ 0/{len(in_groups)} 人次\n"
            f"阶段：待接受 {len(groups)} · 已接受 0 · 检查中 0 · 已提交 0 · 待审核 0 · 退回 0 · 通过 0\n"
            "后续处置：未完结 0，逾期 0"
        )
        # on demand
        await bot.send(people[lead], "/digest")
        assert bot.fake.last_text(people[lead].id) == digest
        # each morning, from the schedule, only when something changed
        assert await schedule(bot).lead_digests() >= 1
        await bot.settle()
        assert bot.fake.last_text(people[lead].id) == digest
        clock.now = at(2024, 3, 19, 8, 30)
        assert await schedule(bot).lead_digests() == 0
        # the county admin's weekly quota progress
        county_admin = people[await admin_of(bot)]
        assert await schedule(bot).county_digests() == 1
        await bot.settle()
        drawn = await bot.scalar(
            select(func.count()).select_from(Assignment).where(Assignment.kind == "onsite")
        )
        weekly = bot.fake.last_text(county_admin.id) or ""
        assert weekly.startswith("【周报】竞秀区 2024Q1 县级抽查进度\n")
        assert f"\n特殊 ██████████ {drawn}/{drawn}✓\n" in weekly
        assert weekly.splitlines()[2].startswith("重点 ░░░░░░░░░░ 0/")
        assert weekly.endswith(
            f"\n本区县对象现场检查（市、县两级）{drawn} 家\n"
            f"阶段：待接受 {drawn} · 已接受 0 · 检查中 0 · 已提交 0 · 待审核 0 · 退回 0 · 通过 0\n"
            "后续处置：未完结 0，逾期 0"
        )
        await bot.send(county_admin, "/digest")
        assert bot.fake.last_text(county_admin.id) == weekly
    keep_transcript(bot, "2024-03-18 (Mon) 08:30: digests", start)


@SQLITE_ONLY
async def test_digest_for_someone_with_nothing_to_report(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_clock(bot, Clock(at(2024, 3, 18, 8, 30)), monkeypatch)
    [inspector] = (await bot.staff(Role.INSPECTOR, JINGXIU))[:1]
    async with bot.running():
        await started(bot)
        someone = await bot.bind(8601, inspector.cert_no)
        await bot.send(someone, "/digest")
        assert bot.fake.last_text(someone.id) == "目前没有需要汇报的进度。"


@SQLITE_ONLY
async def test_a_city_admin_s_digest_on_demand_is_the_city_s_table(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_clock(bot, Clock(at(2024, 3, 18, 8, 30)), monkeypatch)
    async with bot.running():
        await started(bot)
        boss = await bot.bind(8602, await admin_of(bot, CITY, Role.ADMIN))
        await bot.send(boss, "/digest")
        answer = bot.fake.last_text(boss.id)
    assert answer is not None and answer.startswith("【周报】保定市 2024Q1 双随机抽查进度\n")
    assert "内部联合抽查占比" in answer


@SQLITE_ONLY
async def test_the_city_admin_hears_once_of_a_year_missing_from_the_calendar(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = Clock(at(2026, 11, 28, 10, 0))
    use_clock(bot, clock, monkeypatch)
    async with bot.running():
        await started(bot)
        boss = await bot.bind(8701, await admin_of(bot, CITY, Role.ADMIN))
        await schedule(bot).catch_up()
        await bot.settle()
        await schedule(bot).catch_up()
        await bot.settle()
    use_clock(bot, clock, monkeypatch)
    async with bot.running():  # a restart
        await started(bot)
    warnings = [t for t in bot.said(boss.id) if t.startswith("【日历】")]
    assert warnings == [
        "【日历】2027 年的放假安排尚未收录，该年的报送期限暂按周一至周五并避开法定节假日推算（调休上班日未计入，标注为暂定）。"
        "国务院发布安排后，请在配置 [calendar] 的 extra_holidays 与 extra_workdays 中补全 2027 年的放假和调休日期。"
    ]
