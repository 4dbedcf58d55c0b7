"""Reporting reminders, submissions and digests (bot.services.reporting, bot.services.digests,
scheduler.jobs) against a real database, on every engine, at fixed moments.

Each test loads the demo directory (a county admin per county, two city admins on 130600),
binds the people it needs through an invitation, and calls the service with ``now=`` a UTC
moment given in Asia/Shanghai time. What went out is read back from the outbox and the ledger.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from bot.context import AppContext
from bot.services import assignments, demo, digests, draft_expiry, draws, identity, reporting
from bot.services.demo import staff
from bot.services.draws import DrawRequest
from bot.services.identity import Person
from bot.services.reporting import ReportingProblem
from scheduler.jobs import Schedule
from spotcheck.classes import SupervisionClass
from spotcheck.quota import Level, quota_for
from spotcheck.regions import BAODING_COUNTIES
from spotcheck.roles import Role
from storage.bot_models import OutboxMessage
from storage.draw_models import Assignment, AssignmentMember
from storage.models import AuditLog, Inspector, Target
from storage.schedule_models import ReminderLedger, Submission
from tests.conftest import make_config

SHANGHAI = ZoneInfo("Asia/Shanghai")
JINGXIU, LIANCHI, CITY = "130602", "130606", "130600"

OPENS_SUMMARY = (
    "【报送提醒】{county}：2024Q1 季度工作总结报送期已开始（2024-03-27 至 2024-03-29）。"
    "报送后请点“已报送”或直接上传文件。"
)
AHEAD_SUMMARY = (
    "【报送提醒】{county}：2024Q1 季度工作总结将于 2024-03-27 至 2024-03-29 报送，请提前准备。"
)
# The statistics reminder names the county's numbers: none checked yet; and its rows of the
# statistics table, as the exported workbook has them (the demo directory's minimums).
NO_CHECKS_2024Q1 = (
    "\n本区县 2024Q1 现场检查 0 家\n阶段：待接受 0 · 已接受 0 · 检查中 0 · 已提交 0 · 待审核 0 · 退回 0 · 通过 0\n后续处置：未完结 0，逾期 0"
    "\n本区县 2024Q1 统计表（与导出的 Excel 一致）：{table}"
)
DEMO_MINIMUMS = {"竞秀区": (7, 16, 4), "莲池区": (5, 14, 4)}  # special, key, general


def fill(text: str, county: str) -> str:
    """A reminder's text for ``county``: its name, and its table rows with nothing drawn."""
    table = "".join(
        f"\n{cls} 已抽 0/应抽 {n} · 已通过 0 · 完成率 0.0%"
        for cls, n in zip(("特殊", "重点", "一般"), DEMO_MINIMUMS[county], strict=True)
    )
    return text.format(county=county, table=table)


AHEAD_STATISTICS = (
    "【报送提醒】{county}：2024Q1 季度统计表将于 2024-04-01 至 2024-04-03 报送，请提前准备。"
    + NO_CHECKS_2024Q1
)
DUE_SUMMARY = (
    "【报送提醒】{county}：今天是 2024Q1 季度工作总结报送的最后一天（2024-03-27 至 2024-03-29）。"
)
OPENS_STATISTICS = (
    "【报送提醒】{county}：2024Q1 季度统计表报送期已开始（2024-04-01 至 2024-04-03）。"
    "报送后请点“已报送”或直接上传文件。" + NO_CHECKS_2024Q1
)
LATE_SUMMARY = "【逾期】{county} 尚未报送 2024Q1 季度工作总结（报送期 2024-03-27 至 2024-03-29）。"
LATE_STATISTICS = "【逾期】{county} 尚未报送 2024Q1 季度统计表（报送期 2024-04-01 至 2024-04-03）。"
CALENDAR_2027 = (
    "【日历】2027 年的放假安排尚未收录，该年的报送期限暂按周一至周五并避开法定节假日推算（调休上班日未计入，标注为暂定）。"
    "国务院发布安排后，请在配置 [calendar] 的 extra_holidays 与 extra_workdays 中补全 2027 年的放假和调休日期。"
)


def at(year: int, month: int, day: int, hour: int = 9, minute: int = 0) -> datetime:
    """A moment given in Beijing time, as the UTC datetime the scheduler's clock returns."""
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI).astimezone(UTC)


# --- arranging ------------------------------------------------------------------------------


async def bind(ctx: AppContext, cert_no: str, user_id: int) -> Person:
    """Bound as `/start CODE` binds, without the bot: chat id = user id."""
    code, _ = await identity.create_invite(ctx, cert_no, "cli")
    return await identity.redeem(ctx, code, user_id, user_id, "zh-hans")


async def add(ctx: AppContext, *rows: Any) -> None:
    async with ctx.sessions() as session, session.begin():
        session.add_all(rows)


class People:
    """The demo directory with these bound: both county admins of 竞秀区 (a second one added),
    the county admin of 莲池区, both city admins and one inspector of 竞秀区."""

    jingxiu: Person
    jingxiu_2: Person
    lianchi: Person
    city: list[Person]
    inspector: Person


async def directory(ctx: AppContext) -> People:
    await demo.load_demo_directory(ctx)
    await add(
        ctx,
        Inspector(
            cert_no="13060299001",
            name="竞秀副管理员",
            region_code=JINGXIU,
            specialties=[],
            role=Role.COUNTY_ADMIN.value,
            status="on_duty",
        ),
    )
    people = People()
    admins = await staff(ctx, Role.COUNTY_ADMIN, JINGXIU)
    assert [a.cert_no for a in admins][-1] == "13060299001"
    people.jingxiu = await bind(ctx, admins[0].cert_no, 7001)
    people.jingxiu_2 = await bind(ctx, "13060299001", 7003)
    [lianchi] = await staff(ctx, Role.COUNTY_ADMIN, LIANCHI)
    people.lianchi = await bind(ctx, lianchi.cert_no, 7002)
    city = await staff(ctx, Role.ADMIN, CITY)
    assert len(city) == 2
    people.city = [await bind(ctx, c.cert_no, 7101 + i) for i, c in enumerate(city)]
    inspector = (await staff(ctx, Role.INSPECTOR, JINGXIU))[0]
    people.inspector = await bind(ctx, inspector.cert_no, 7201)
    return people


async def submitted_elsewhere(
    ctx: AppContext, quarter: str, duties: Iterable[str], except_counties: Iterable[str]
) -> None:
    """Every other county has sent these duties (so the city hears only of ours)."""
    keep = set(except_counties)
    await add(
        ctx,
        *(
            Submission(county=c, quarter=quarter, duty=d, submitted_by="test")
            for c in BAODING_COUNTIES
            if c not in keep
            for d in duties
        ),
    )


# --- reading back ---------------------------------------------------------------------------


async def outbox(ctx: AppContext) -> list[OutboxMessage]:
    async with ctx.sessions() as session:
        return list(await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


async def said(ctx: AppContext, chat_id: int, head: str = "") -> list[str]:
    """Texts queued to the chat, a picture's caption among them (the digests' charts)."""
    words = [
        (m.chat_id, m.payload.get("text", m.payload.get("caption", ""))) for m in await outbox(ctx)
    ]
    return [text for chat, text in words if chat == chat_id and text.startswith(head)]


async def reminders(ctx: AppContext) -> Counter[tuple[int, str]]:
    """(chat, text) of every reporting reminder queued."""
    return Counter(
        (m.chat_id, m.payload["text"])
        for m in await outbox(ctx)
        if m.payload.get("text", "").startswith(("【报送提醒】", "【逾期】"))
    )


async def count(ctx: AppContext, model: Any, *where: Any) -> int:
    async with ctx.sessions() as session:
        found = await session.scalar(select(func.count()).select_from(model).where(*where))
        return int(found or 0)


async def ledger(ctx: AppContext, kind: str = "report") -> list[tuple[str, str]]:
    async with ctx.sessions() as session:
        rows = await session.execute(
            select(ReminderLedger.key, ReminderLedger.recipient)
            .where(ReminderLedger.kind == kind)
            .order_by(ReminderLedger.key, ReminderLedger.recipient)
        )
        return [(k, r) for k, r in rows]


# --- reminders to the counties --------------------------------------------------------------


async def test_opens_reminder_goes_to_each_bound_county_admin_of_its_county(
    ctx: AppContext,
) -> None:
    people = await directory(ctx)
    queued = await reporting.send_reminders(ctx, at(2024, 3, 27))
    # summary OPENS and statistics AHEAD, to each of the three bound county admins
    assert queued == 6
    named = ((people.jingxiu, "竞秀区"), (people.jingxiu_2, "竞秀区"), (people.lianchi, "莲池区"))
    assert await reminders(ctx) == Counter(
        (person.chat_id, fill(text, county))
        for person, county in named
        for text in (OPENS_SUMMARY, AHEAD_STATISTICS)
    )
    # nobody else: not the city admins, not an inspector
    rows = await outbox(ctx)
    assert {m.chat_id for m in rows} == {7001, 7002, 7003}
    [opens] = [m for m in rows if m.chat_id == 7001 and "已开始" in m.payload["text"]]
    assert opens.payload["buttons"] == [[["已报送", "1:sb:2024Q1:summary"]]]
    [ahead] = [m for m in rows if m.chat_id == 7001 and "统计表" in m.payload["text"]]
    assert "buttons" not in ahead.payload  # nothing to submit before the window opens
    assert await ledger(ctx) == sorted(
        [
            (f"2024Q1:{duty}:{stage}:{county}", person.cert_no)
            for person, county in (
                (people.jingxiu, JINGXIU),
                (people.jingxiu_2, JINGXIU),
                (people.lianchi, LIANCHI),
            )
            for duty, stage in (("summary", "opens"), ("statistics", "ahead"))
        ]
    )


async def test_late_stage_goes_to_the_bound_city_admins_only(ctx: AppContext) -> None:
    people = await directory(ctx)
    await submitted_elsewhere(ctx, "2024Q1", ["summary"], except_counties=[JINGXIU])
    queued = await reporting.send_reminders(ctx, at(2024, 4, 1))
    late = LATE_SUMMARY.format(county="竞秀区")
    # 竞秀区 is late with its summary: each city admin hears it; the county admins hear only
    # that the statistics window opened
    assert await reminders(ctx) == Counter(
        {
            (people.city[0].chat_id, late): 1,
            (people.city[1].chat_id, late): 1,
            (7001, fill(OPENS_STATISTICS, "竞秀区")): 1,
            (7003, fill(OPENS_STATISTICS, "竞秀区")): 1,
            (7002, fill(OPENS_STATISTICS, "莲池区")): 1,
        }
    )
    assert queued == 5
    escalations = [m for m in await outbox(ctx) if m.payload["text"] == late]
    assert len(escalations) == 2
    assert all("buttons" not in m.payload for m in escalations)  # the city does not submit
    assert await said(ctx, people.inspector.chat_id) == []


async def test_late_counties_are_escalated_in_one_message_per_duty(ctx: AppContext) -> None:
    people = await directory(ctx)
    await reporting.send_reminders(ctx, at(2024, 4, 8))
    # on 04-08 both 2024Q1 duties are late everywhere: each city admin gets two messages, each
    # naming all 26 counties once, summary first — not 52 messages
    everyone = "、".join(name for _, name in sorted(BAODING_COUNTIES.items()))
    for admin in people.city:
        texts = await said(ctx, admin.chat_id, "【逾期】")
        assert texts == [
            LATE_SUMMARY.format(county=everyone),
            LATE_STATISTICS.format(county=everyone),
        ]
    assert await said(ctx, 7001, "【逾期】") == []
    # a county late later is news, alone; the others are not repeated
    assert await reporting.send_reminders(ctx, at(2024, 4, 9)) == 0


async def test_the_same_stage_is_queued_once_however_often_it_runs(ctx: AppContext) -> None:
    await directory(ctx)
    assert await reporting.send_reminders(ctx, at(2024, 3, 27)) == 6
    assert await reporting.send_reminders(ctx, at(2024, 3, 27)) == 0
    assert await reporting.send_reminders(ctx, at(2024, 3, 27, 17, 30)) == 0
    assert await reporting.send_reminders(ctx, at(2024, 3, 28)) == 0  # still OPENS
    assert await count(ctx, OutboxMessage) == 6
    assert await count(ctx, ReminderLedger) == 6
    # the next stage is news: the summary's last day (statistics AHEAD was sent already)
    assert await reporting.send_reminders(ctx, at(2024, 3, 29)) == 3
    assert await said(ctx, 7002, "【报送提醒】莲池区：今天是") == [
        DUE_SUMMARY.format(county="莲池区")
    ]
    assert await count(ctx, OutboxMessage) == 9


async def test_before_send_at_todays_new_stage_is_not_sent_yet(ctx: AppContext) -> None:
    await directory(ctx)
    early = at(2024, 3, 27, 8, 59)  # 2024-03-27 00:59 UTC
    assert reporting.local_day(ctx, early) == date(2024, 3, 26)
    assert reporting.local_day(ctx, at(2024, 3, 27, 9, 0)) == date(2024, 3, 27)
    # late evening UTC of the 26th is already the 27th in Beijing, 07:30: still the 26th
    assert reporting.local_day(ctx, datetime(2024, 3, 26, 23, 30, tzinfo=UTC)) == date(2024, 3, 26)
    # yesterday's AHEAD ended yesterday: at 08:59 it is stale, and today's stages wait for 09:00
    assert await reporting.send_reminders(ctx, early) == 0
    assert await reporting.send_reminders(ctx, at(2024, 3, 27, 9, 0)) == 6
    assert await said(ctx, 7001) == [
        OPENS_SUMMARY.format(county="竞秀区"),
        fill(AHEAD_STATISTICS, "竞秀区"),
    ]


async def test_send_at_comes_from_the_config(database_url: str) -> None:
    config = make_config(database_url, reminders={"send_at": "07:15"})
    ctx = await AppContext.open(config, migrate=False)
    try:
        assert ctx.config.reminders.send_at == time(7, 15)
        assert reporting.local_day(ctx, at(2024, 3, 27, 7, 14)) == date(2024, 3, 26)
        assert reporting.local_day(ctx, at(2024, 3, 27, 7, 15)) == date(2024, 3, 27)
    finally:
        await ctx.close()


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


async def test_catch_up_after_a_restart_sends_what_is_still_relevant_once(ctx: AppContext) -> None:
    await directory(ctx)
    wakes: list[datetime] = []
    clock = Clock(at(2024, 3, 21))
    schedule = Schedule(ctx, lambda: wakes.append(clock.now), clock)
    assert await schedule.morning() == 0  # nothing due yet on 03-21
    # the bot is down from 03-21 evening; the AHEAD days 03-22..26 and 03-27 09:00 pass.
    clock.now = at(2024, 3, 27, 11, 0)
    assert await schedule.catch_up() == 6
    assert wakes == [at(2024, 3, 27, 11, 0)]
    assert await said(ctx, 7002) == [
        OPENS_SUMMARY.format(county="莲池区"),
        fill(AHEAD_STATISTICS, "莲池区"),
    ]  # the summary's AHEAD has passed: it is not sent late
    assert [k for k, _ in await ledger(ctx) if ":ahead:" in k and "summary" in k] == []
    # a second restart an hour later, and the 09:00 run the day after: nothing twice
    clock.now = at(2024, 3, 27, 12, 0)
    assert await schedule.catch_up() == 0
    clock.now = at(2024, 3, 28, 9, 0)
    assert await schedule.morning() == 0
    assert wakes == [at(2024, 3, 27, 11, 0)]
    assert await count(ctx, OutboxMessage) == 6


async def test_a_catch_up_before_send_at_does_not_send_todays_stage_early(ctx: AppContext) -> None:
    await directory(ctx)
    schedule = Schedule(ctx, lambda: None, Clock(at(2024, 3, 29, 7, 0)))
    # of yesterday's (03-28) summary OPENS and statistics AHEAD only the second still covers today
    assert await schedule.catch_up() == 3
    assert await said(ctx, 7001, "【报送提醒】竞秀区：2024Q1 季度工作总结报送期已开始") == []
    assert await said(ctx, 7001, "【报送提醒】竞秀区：今天是") == []
    schedule.clock = Clock(at(2024, 3, 29, 9, 0))
    assert await schedule.morning() == 3
    assert await said(ctx, 7001, "【报送提醒】竞秀区：今天是") == [
        DUE_SUMMARY.format(county="竞秀区")
    ]


async def test_schedule_fires_at_the_configured_local_times(database_url: str) -> None:
    config = make_config(
        database_url,
        reminders={"send_at": "09:15", "digest_at": "08:05", "weekly_day": "wed"},
        retention={"prune_at": "02:45"},
    )
    ctx = await AppContext.open(config, migrate=False)
    schedule = Schedule(ctx, lambda: None, Clock(at(2024, 3, 18)))
    try:
        schedule.start()
        assert schedule.scheduler is not None and schedule.scheduler.running
        jobs = {job.id: job for job in schedule.scheduler.get_jobs()}
        assert set(jobs) == {
            "morning",
            "lead_digests",
            "county_digests",
            "city_digests",  # issue 11: charts
            "prune",
            "drafts",
        }
        # idle drafts: every few minutes, the first run at start (a catch-up)
        drafts = jobs.pop("drafts")
        assert drafts.func == schedule.drafts
        assert drafts.trigger.interval == timedelta(minutes=draft_expiry.SWEEP_MINUTES)
        assert drafts.next_run_time <= datetime.now(SHANGHAI)
        monday = datetime(2024, 3, 18, 9, 0, tzinfo=SHANGHAI)
        fires = {name: job.trigger.get_next_fire_time(None, monday) for name, job in jobs.items()}
        assert fires == {
            "morning": datetime(2024, 3, 18, 9, 15, tzinfo=SHANGHAI),
            "lead_digests": datetime(2024, 3, 19, 8, 5, tzinfo=SHANGHAI),
            "county_digests": datetime(2024, 3, 20, 8, 5, tzinfo=SHANGHAI),
            "city_digests": datetime(2024, 3, 20, 8, 5, tzinfo=SHANGHAI),
            "prune": datetime(2024, 3, 19, 2, 45, tzinfo=SHANGHAI),
        }
        assert all(str(job.trigger.timezone) == "Asia/Shanghai" for job in jobs.values())
        assert {job.func for job in jobs.values()} == {
            schedule.morning,
            schedule.lead_digests,
            schedule.county_digests,
            schedule.city_digests,
            schedule.prune,
        }
    finally:
        schedule.stop()  # AsyncIOScheduler shuts down on the loop's next turn
        await asyncio.sleep(0)
        await ctx.close()
    assert not schedule.scheduler.running


async def test_a_failing_job_does_not_stop_the_others(
    ctx: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    await directory(ctx)

    async def broken(_: AppContext, __: datetime) -> int:
        raise RuntimeError("calendar data missing")

    monkeypatch.setattr(reporting, "warn_unknown_calendar", broken)
    wakes: list[int] = []
    schedule = Schedule(ctx, lambda: wakes.append(1), Clock(at(2024, 3, 27)))
    assert await schedule.catch_up() == 6  # the reminders still went out
    assert wakes == [1]


async def test_reminders_in_a_guessed_year_say_so_and_firm_ones_do_not(ctx: AppContext) -> None:
    await directory(ctx)
    await reporting.send_reminders(ctx, at(2026, 12, 29))
    assert await said(ctx, 7001) == [
        "【报送提醒】竞秀区：2026Q4 季度工作总结报送期已开始（2026-12-29 至 2026-12-31）。"
        "报送后请点“已报送”或直接上传文件。",
        "【报送提醒】竞秀区：2026Q4 季度统计表将于 2027-01-04 至 2027-01-06"
        "（暂定，节假日安排未发布） 报送，请提前准备。"
        + fill(NO_CHECKS_2024Q1.replace("2024Q1", "2026Q4"), "竞秀区"),
    ]


async def test_two_processes_never_both_queue_the_same_reminder(
    ctx: AppContext, database_url: str
) -> None:
    await directory(ctx)
    other = await AppContext.open(make_config(database_url), migrate=False)
    try:
        results = await asyncio.gather(
            reporting.send_reminders(ctx, at(2024, 3, 27)),
            reporting.send_reminders(other, at(2024, 3, 27)),
            reporting.send_reminders(ctx, at(2024, 3, 27, 10, 0)),
            return_exceptions=True,
        )
    finally:
        await other.close()
    sent = [r for r in results if isinstance(r, int)]
    failed = [r for r in results if not isinstance(r, int)]
    # Whoever inserts a ledger key first queues the message; the other's insert fails on the
    # unique key (on PostgreSQL it waits for the first transaction, then fails) and its message
    # is rolled back with its savepoint. A writer SQLite turns away ("database is locked") would
    # have queued nothing.
    assert all(isinstance(f, OperationalError) for f in failed), failed
    assert sum(sent) == 6, results
    assert await count(ctx, ReminderLedger) == 6
    assert await count(ctx, OutboxMessage) == 6
    assert set((await reminders(ctx)).values()) == {1}
    assert await reporting.send_reminders(ctx, at(2024, 3, 27, 11, 0)) == 0


async def test_ledger_key_refuses_a_second_row_for_the_same_reminder(ctx: AppContext) -> None:
    """The mechanism the two-process guarantee rests on: (kind, key, recipient) is unique, and
    `once` queues the message only in the savepoint that inserted the ledger row."""
    from bot.services import outbox as outbox_service

    async with ctx.sessions() as session, session.begin():
        first = await reporting.once(
            session, "report", "2024Q1:summary:opens:130602", "X1", outbox_service.message(1, "a")
        )
        second = await reporting.once(
            session, "report", "2024Q1:summary:opens:130602", "X1", outbox_service.message(1, "b")
        )
        other = await reporting.once(
            session, "report", "2024Q1:summary:opens:130602", "X2", outbox_service.message(2, "c")
        )
    assert (first, second, other) == (True, False, True)
    assert [m.payload["text"] for m in await outbox(ctx)] == ["a", "c"]


# --- submissions ----------------------------------------------------------------------------


async def test_mark_submitted_stops_that_countys_reminders_only(ctx: AppContext) -> None:
    people = await directory(ctx)
    await submitted_elsewhere(ctx, "2024Q1", ["summary"], except_counties=[JINGXIU, LIANCHI])
    await reporting.send_reminders(ctx, at(2024, 3, 27))
    done = await reporting.mark_submitted(ctx, people.jingxiu, "2024Q1", "summary")
    assert (done.quarter, done.duty, done.new) == ("2024Q1", "summary", True)
    again = await reporting.mark_submitted(ctx, people.jingxiu_2, "2024Q1", "summary")
    assert again.new is False
    assert await count(ctx, Submission, Submission.county == JINGXIU) == 1
    assert await count(ctx, AuditLog, AuditLog.action == "submit") == 1
    # the due day: 莲池区 hears it, 竞秀区 does not
    assert await reporting.send_reminders(ctx, at(2024, 3, 29)) == 1
    assert await said(ctx, 7002, "【报送提醒】莲池区：今天是") == [
        DUE_SUMMARY.format(county="莲池区")
    ]
    assert await said(ctx, 7001, "【报送提醒】竞秀区：今天是") == []
    # lateness: the city hears of 莲池区 only
    await reporting.send_reminders(ctx, at(2024, 4, 1))
    for admin in people.city:
        assert await said(ctx, admin.chat_id, "【逾期】") == [LATE_SUMMARY.format(county="莲池区")]
    # 竞秀区's statistics reminders go on
    assert fill(OPENS_STATISTICS, "竞秀区") in await said(ctx, 7001)


async def test_submit_upload_picks_the_statistics_in_the_statistics_window(
    ctx: AppContext,
) -> None:
    people = await directory(ctx)
    # 04-02: the 2024Q1 statistics window is open and the summary is late; the file is the table
    first = await reporting.submit_upload(
        ctx, people.jingxiu, at(2024, 4, 2, 10, 0), "BQACAgUAAxkBAAIB", "竞秀区2024Q1统计表.xlsx"
    )
    assert (first.quarter, first.duty, first.new) == ("2024Q1", "statistics", True)
    async with ctx.sessions() as session:
        [row] = list(await session.scalars(select(Submission)))
    assert (row.county, row.quarter, row.duty) == (JINGXIU, "2024Q1", "statistics")
    assert (row.file_id, row.file_name) == ("BQACAgUAAxkBAAIB", "竞秀区2024Q1统计表.xlsx")
    assert row.submitted_by == people.jingxiu.cert_no
    # the next file that day is the late summary
    second = await reporting.submit_upload(
        ctx, people.jingxiu, at(2024, 4, 2, 11, 0), "BQACAgUAAxkBAAIC", "竞秀区2024Q1工作总结.docx"
    )
    assert (second.quarter, second.duty) == ("2024Q1", "summary")
    # the statistics reminders of 竞秀区 stop: on the due day only 莲池区 hears
    await reporting.send_reminders(ctx, at(2024, 4, 3))
    assert await said(ctx, 7002, "【报送提醒】莲池区：今天是") == [
        "【报送提醒】莲池区：今天是 2024Q1 季度统计表报送的最后一天（2024-04-01 至 2024-04-03）。"
        + fill(NO_CHECKS_2024Q1, "莲池区")
    ]
    for chat in (7001, 7003):
        assert await said(ctx, chat, "【报送提醒】竞秀区：今天是") == []
    # and the city hears, in one message, of every late summary but 竞秀区's
    (late,) = await said(ctx, people.city[0].chat_id, "【逾期】")
    others = [name for code, name in sorted(BAODING_COUNTIES.items()) if code != JINGXIU]
    assert late == LATE_SUMMARY.format(county="、".join(others))


async def test_submit_upload_in_the_summary_window_is_the_summary(ctx: AppContext) -> None:
    people = await directory(ctx)
    done = await reporting.submit_upload(
        ctx, people.lianchi, at(2024, 3, 28, 15), "F1", "总结.docx"
    )
    assert (done.quarter, done.duty) == ("2024Q1", "summary")


async def test_submit_upload_with_no_window_open_is_refused(ctx: AppContext) -> None:
    people = await directory(ctx)
    for moment in (at(2024, 5, 15), at(2024, 3, 25)):  # nothing, and only AHEAD
        with pytest.raises(ReportingProblem) as refused:
            await reporting.submit_upload(ctx, people.jingxiu, moment, "F1", "x.xlsx")
        assert refused.value.kind == "nothing_due"
    assert await count(ctx, Submission) == 0


async def test_a_non_county_admin_cannot_submit(ctx: AppContext) -> None:
    people = await directory(ctx)
    for person in (people.city[0], people.inspector):
        with pytest.raises(ReportingProblem) as refused:
            await reporting.mark_submitted(ctx, person, "2024Q1", "summary")
        assert refused.value.kind == "not_county_admin"
        with pytest.raises(ReportingProblem) as refused:
            await reporting.submit_upload(ctx, person, at(2024, 4, 2), "F1", "统计表.xlsx")
        assert refused.value.kind == "not_county_admin"
    assert await count(ctx, Submission) == 0


async def test_mark_submitted_refuses_a_made_up_quarter_or_duty(ctx: AppContext) -> None:
    people = await directory(ctx)
    for quarter, duty in (("2024Q5", "summary"), ("2024Q1", "report"), ("x", "statistics")):
        with pytest.raises(ReportingProblem) as refused:
            await reporting.mark_submitted(ctx, people.jingxiu, quarter, duty)
        assert refused.value.kind == "nothing_due"
    assert await count(ctx, Submission) == 0


async def test_two_presses_at_once_register_one_submission(ctx: AppContext) -> None:
    people = await directory(ctx)
    results = await asyncio.gather(
        reporting.mark_submitted(ctx, people.jingxiu, "2024Q1", "summary"),
        reporting.mark_submitted(ctx, people.jingxiu_2, "2024Q1", "summary"),
        return_exceptions=True,
    )
    done = [r for r in results if isinstance(r, reporting.Submitted)]
    assert [d.new for d in done].count(True) == 1, results
    assert all(isinstance(r, reporting.Submitted | OperationalError) for r in results), results
    assert await count(ctx, Submission) == 1


# --- deadlines and the calendar warning -----------------------------------------------------


async def test_upcoming_lists_the_county_windows_with_their_state(ctx: AppContext) -> None:
    people = await directory(ctx)
    await reporting.mark_submitted(ctx, people.jingxiu, "2024Q1", "summary")
    rows = await reporting.upcoming(ctx, people.jingxiu, date(2024, 3, 28))
    assert [(r.quarter, r.duty, r.window, r.submitted) for r in rows] == [
        ("2024Q1", "summary", (date(2024, 3, 27), date(2024, 3, 29)), True),
        ("2024Q1", "statistics", (date(2024, 4, 1), date(2024, 4, 3)), False),
        ("2024Q2", "summary", (date(2024, 6, 26), date(2024, 6, 28)), False),
        ("2024Q2", "statistics", (date(2024, 7, 1), date(2024, 7, 3)), False),
    ]
    # 莲池区 has not sent: the same windows, none submitted
    assert [
        r.submitted for r in await reporting.upcoming(ctx, people.lianchi, date(2024, 3, 28))
    ] == [False] * 4


async def test_upcoming_marks_only_the_window_that_rests_on_a_guess_provisional(
    ctx: AppContext,
) -> None:
    people = await directory(ctx)
    rows = await reporting.upcoming(ctx, people.jingxiu, date(2026, 12, 28))
    assert [(r.quarter, r.duty, r.window, r.provisional) for r in rows][:2] == [
        ("2026Q4", "summary", (date(2026, 12, 29), date(2026, 12, 31)), False),
        ("2026Q4", "statistics", (date(2027, 1, 4), date(2027, 1, 6)), True),  # 01-01 元旦
    ]


async def test_warn_unknown_calendar_tells_the_city_admins_once_per_year(ctx: AppContext) -> None:
    people = await directory(ctx)
    assert await reporting.warn_unknown_calendar(ctx, at(2026, 11, 28)) == 2
    for admin in people.city:
        assert await said(ctx, admin.chat_id) == [CALENDAR_2027]
    assert await said(ctx, 7001) == []
    assert await reporting.warn_unknown_calendar(ctx, at(2026, 12, 1)) == 0
    # in 2027 the following year is unknown as well: only that one is news
    assert await reporting.warn_unknown_calendar(ctx, at(2027, 1, 2)) == 2
    assert [t[:10] for t in await said(ctx, people.city[0].chat_id)] == [
        "【日历】2027 年",
        "【日历】2028 年",
    ]
    assert await ledger(ctx, "calendar") == sorted(
        (str(y), p.cert_no) for y in (2027, 2028) for p in people.city
    )


async def test_warn_unknown_calendar_is_quiet_when_the_config_lists_the_year(
    database_url: str,
) -> None:
    config = make_config(
        database_url,
        calendar={"extra_holidays": ["2027-01-01", "2027-02-08"], "extra_workdays": ["2027-02-06"]},
    )
    ctx = await AppContext.open(config, migrate=False)
    try:
        await directory(ctx)
        assert await reporting.warn_unknown_calendar(ctx, at(2026, 11, 28)) == 0
        rows, unknown = reporting.deadlines_of(ctx.config, 2026)
        assert unknown == ()
        assert rows[3].statistics_window == (date(2027, 1, 4), date(2027, 1, 6))
        assert rows[3].provisional is False
    finally:
        await ctx.close()


# --- digests --------------------------------------------------------------------------------


async def county_team(ctx: AppContext, region: str = JINGXIU) -> dict[str, Person]:
    """The demo directory with everyone of the county bound (four inspectors, lead, admin)."""
    await demo.load_demo_directory(ctx)
    everyone = [
        *await staff(ctx, Role.INSPECTOR, region),
        *await staff(ctx, Role.LEAD, region),
        *await staff(ctx, Role.COUNTY_ADMIN, region),
    ]
    return {p.cert_no: await bind(ctx, p.cert_no, 6000 + i) for i, p in enumerate(everyone)}


async def draw_2024q1(ctx: AppContext, cls: SupervisionClass = SupervisionClass.SPECIAL) -> int:
    outcome = await draws.execute(
        ctx, DrawRequest("2024Q1", Level.COUNTY, "cli", region=JINGXIU, supervision_class=cls)
    )
    return outcome.record_id


async def members(ctx: AppContext) -> list[tuple[int, str, bool, str, date | None]]:
    async with ctx.sessions() as session:
        rows = await session.execute(
            select(
                AssignmentMember.assignment_id,
                AssignmentMember.person_key,
                AssignmentMember.is_lead,
                Assignment.kind,
                Assignment.due_date,
            )
            .join(Assignment, Assignment.id == AssignmentMember.assignment_id)
            .where(AssignmentMember.person_kind == "inspector")
            .order_by(AssignmentMember.id)
        )
        return [tuple(r) for r in rows]  # type: ignore[misc]


async def test_send_due_soon_once_per_assignment_within_due_within_days(ctx: AppContext) -> None:
    team = await county_team(ctx)
    await draw_2024q1(ctx)
    onsite = [m for m in await members(ctx) if m[3] == "onsite"]
    assert onsite and {m[4] for m in onsite} == {date(2024, 3, 31)}
    # 03-27 + 3 days = 03-30: the 31st is not yet within reach
    assert await digests.send_due_soon(ctx, at(2024, 3, 27)) == 0
    queued = await digests.send_due_soon(ctx, at(2024, 3, 28))
    assert queued == len(onsite) > 0
    async with ctx.sessions() as session:
        names = dict(
            (
                await session.execute(
                    select(Assignment.id, Target.name).join(
                        Target, Target.credit_code == Assignment.credit_code
                    )
                )
            ).all()
        )
    expected = Counter(
        (team[cert].chat_id, f"【到期提醒】{names[aid]} 的检查将于 2024-03-31 到期。")
        for aid, cert, _, _, _ in onsite
    )
    got = Counter(
        (m.chat_id, m.payload["text"])
        for m in await outbox(ctx)
        if m.payload.get("text", "").startswith("【到期提醒】")
    )
    assert got == expected
    assert await digests.send_due_soon(ctx, at(2024, 3, 29)) == 0
    assert await digests.send_due_soon(ctx, at(2024, 3, 31, 18)) == 0
    assert await count(ctx, ReminderLedger, ReminderLedger.kind == "due") == len(onsite)
    # past the due date there is no "due soon"
    assert await digests.send_due_soon(ctx, at(2024, 4, 1)) == 0


async def lead_texts(ctx: AppContext, chat_id: int) -> list[str]:
    return await said(ctx, chat_id, "【组长日报】")


async def test_send_lead_digests_only_when_progress_changed_and_daily_while_overdue(
    ctx: AppContext,
) -> None:
    team = await county_team(ctx)
    await draw_2024q1(ctx)
    rows = [m for m in await members(ctx) if m[3] == "onsite"]
    leads = sorted({cert for _, cert, lead, _, _ in rows if lead})
    assert leads
    lead = leads[0]
    groups = {aid for aid, cert, is_lead, _, _ in rows if is_lead and cert == lead}
    people_in = [m for m in rows if m[0] in groups]
    chat = team[lead].chat_id

    first = await digests.send_lead_digests(ctx, at(2024, 3, 20, 8, 30))
    assert first == len(leads)
    waiting = stages_line(to_accept=len(groups))
    assert await lead_texts(ctx, chat) == [
        f"【组长日报】您带的检查组 {len(groups)} 个\n接受 ░░░░░░░░░░ 0/{len(people_in)} 人次\n{waiting}"
    ]
    assert await digests.send_lead_digests(ctx, at(2024, 3, 20, 8, 30)) == 0
    assert await digests.send_lead_digests(ctx, at(2024, 3, 21, 8, 30)) == 0  # nothing changed
    # one member of the lead's first group accepts: the next morning's digest says so
    await accept_one(ctx, team, min(groups))
    assert await digests.send_lead_digests(ctx, at(2024, 3, 22, 8, 30)) >= 1
    accepted_bar = bar(1, len(people_in))
    assert (await lead_texts(ctx, chat))[-1] == (
        f"【组长日报】您带的检查组 {len(groups)} 个\n接受 {accepted_bar} 1/{len(people_in)} 人次\n"
        + waiting  # a group is 已接受 once all its members have accepted
    )
    assert await digests.send_lead_digests(ctx, at(2024, 3, 25, 8, 30)) == 0
    # past the due date (03-31) without a check: every day, saying how many are overdue
    before = len(await lead_texts(ctx, chat))
    assert await digests.send_lead_digests(ctx, at(2024, 4, 1, 8, 30)) == len(leads)
    assert await digests.send_lead_digests(ctx, at(2024, 4, 1, 12, 0)) == 0
    assert await digests.send_lead_digests(ctx, at(2024, 4, 2, 8, 30)) == len(leads)
    overdue = await lead_texts(ctx, chat)
    assert len(overdue) == before + 2
    assert overdue[-1].endswith(f"\n逾期未检查：{len(groups)} 家\n{waiting}")
    assert overdue[-1] == overdue[-2]


def stages_line(
    to_accept: int = 0, open_follow_ups: int = 0, overdue_follow_ups: int = 0, **more: int
) -> str:
    """The digests' stage lines (more: accepted, inspecting, submitted, pending_review,
    returned, passed)."""
    names = {
        "accepted": "已接受",
        "inspecting": "检查中",
        "submitted": "已提交",
        "pending_review": "待审核",
        "returned": "退回",
        "passed": "通过",
    }
    counts = " · ".join(
        [f"待接受 {to_accept}", *(f"{w} {more.get(k, 0)}" for k, w in names.items())]
    )
    return f"阶段：{counts}\n后续处置：未完结 {open_follow_ups}，逾期 {overdue_follow_ups}"


def bar(done: int, total: int) -> str:
    filled = round(10 * done / total)
    return "█" * filled + "░" * (10 - filled)


async def accept_one(ctx: AppContext, team: dict[str, Person], assignment_id: int) -> None:
    """The first inspector on that assignment presses 接受."""
    [first, *_] = [m for m in await members(ctx) if m[0] == assignment_id]
    _, changed = await assignments.accept(ctx, team[first[1]], assignment_id)
    assert changed


async def test_send_county_digests_weekly_with_drawn_against_the_minimum(ctx: AppContext) -> None:
    team = await county_team(ctx)
    await draw_2024q1(ctx, SupervisionClass.SPECIAL)
    [admin] = [p for p in team.values() if p.role is Role.COUNTY_ADMIN]
    async with ctx.sessions() as session:
        population = dict(
            (
                await session.execute(
                    select(Target.supervision_class, func.count())
                    .where(
                        Target.region_code == JINGXIU,
                        Target.active,
                        Target.positive_list.is_(False),
                    )
                    .group_by(Target.supervision_class)
                )
            ).all()
        )
        drawn_special = await session.scalar(
            select(func.count())
            .select_from(Assignment)
            .where(Assignment.kind == "onsite", Assignment.supervision_class == "special")
        )
    ratios = ctx.config.policy.ratios
    minimum = {
        cls: quota_for(ratios.ratio(Level.COUNTY, cls), int(population.get(cls.value, 0)))
        for cls in SupervisionClass
    }
    assert drawn_special == minimum[SupervisionClass.SPECIAL] > 0  # the draw took the quota
    lines = [
        "【周报】竞秀区 2024Q1 县级抽查进度",
        f"特殊 ██████████ {drawn_special}/{minimum[SupervisionClass.SPECIAL]}✓",
        f"重点 ░░░░░░░░░░ 0/{minimum[SupervisionClass.KEY]}",
        f"一般 ░░░░░░░░░░ 0/{minimum[SupervisionClass.GENERAL]}",
        f"本区县对象现场检查（市、县两级）{drawn_special} 家",
        stages_line(to_accept=drawn_special),
    ]
    monday = at(2024, 3, 18, 8, 30)
    assert await digests.send_county_digests(ctx, monday) == 1  # one bound county admin
    assert await said(ctx, admin.chat_id, "【周报】") == ["\n".join(lines)]
    # the same week again, on Wednesday: nothing; the next Monday: again
    assert await digests.send_county_digests(ctx, at(2024, 3, 20, 8, 30)) == 0
    assert await digests.send_county_digests(ctx, at(2024, 3, 25, 8, 30)) == 1
    assert len(await said(ctx, admin.chat_id, "【周报】")) == 2
    # /digest on demand says the same for the county admin
    assert await digests.digest_for(ctx, admin, at(2024, 3, 20)) == "\n".join(lines)


async def test_digest_for_someone_with_nothing_to_report(ctx: AppContext) -> None:
    people = await directory(ctx)
    assert (
        await digests.digest_for(ctx, people.inspector, at(2024, 3, 20))
        == "目前没有需要汇报的进度。"
    )


async def test_a_late_summary_uploaded_in_the_statistics_window_counts_as_the_summary(
    ctx: AppContext,
) -> None:
    people = await directory(ctx)
    when = at(2024, 4, 2, 10, 0)  # 2024Q1 summary late, statistics window open
    with pytest.raises(ReportingProblem) as refused:
        await reporting.submit_upload(ctx, people.jingxiu, when, "F1", "一季度材料.docx")
    assert refused.value.kind == "which_duty"
    done = await reporting.submit_upload(
        ctx, people.jingxiu, when, "F2", "竞秀区一季度工作总结.docx"
    )
    assert (done.quarter, done.duty) == ("2024Q1", "summary")
    table = await reporting.submit_upload(
        ctx, people.jingxiu, when, "F3", "竞秀区一季度统计表.xlsx"
    )
    assert (table.quarter, table.duty) == ("2024Q1", "statistics")


async def test_a_quarters_statistics_cannot_be_marked_sent_before_it_ends(ctx: AppContext) -> None:
    people = await directory(ctx)
    with pytest.raises(ReportingProblem):
        await reporting.mark_submitted(
            ctx, people.jingxiu, "2024Q1", "statistics", today=date(2024, 3, 27)
        )
    done = await reporting.mark_submitted(
        ctx, people.jingxiu, "2024Q1", "statistics", today=date(2024, 4, 1)
    )
    assert done.new


async def test_a_start_before_send_at_never_says_today_of_yesterdays_due_day(
    ctx: AppContext,
) -> None:
    await directory(ctx)
    # down on 2024-03-29 (the summary's due day), started 03-30 07:00 local
    await reporting.send_reminders(ctx, at(2024, 3, 30, 7, 0))
    assert await said(ctx, 7001, "【报送提醒】竞秀区：今天是") == []
