"""Reporting deadlines (DESIGN.md rule 10): the year's dates, reminders to the counties with
escalation to the city, and the counties' submissions that stop them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot import callback_data
from bot.config import Config
from bot.context import AppContext
from bot.services import outbox
from bot.services.identity import Person
from bot.services.problems import ServiceProblem
from bot.services.statistics import quarter_statistics
from bot.texts import texts_for
from spotcheck.deadlines import Quarter, QuarterDeadlines, year_deadlines
from spotcheck.reminders import Duty, Reminder, Stage, duty_window, reminders_due
from spotcheck.roles import Role
from spotcheck.stages import StageCounts
from spotcheck.statistics import StatisticsRow
from spotcheck.workdays import WorkdayCalendar
from storage import account_store, reporting_store, stage_store
from storage.audit import audit
from storage.bot_models import OutboxMessage, TelegramAccount
from storage.lengths import fit_file_name, length_of
from storage.models import Inspector
from storage.schedule_models import Submission


class ReportingProblem(ServiceProblem):
    """A submission refused: not a county admin, or nothing to submit now."""


def deadlines_of(config: Config, year: int) -> tuple[tuple[QuarterDeadlines, ...], tuple[int, ...]]:
    """The year's deadlines, and the years the official calendar does not know yet (their dates
    are Monday–Friday guesses, marked provisional)."""
    calendar = config.calendar.workdays()
    rows = year_deadlines(year, calendar, config.policy.draw_due_days)
    return rows, calendar.unknown_years([year, year + 1])


def local_day(ctx: AppContext, now: datetime) -> date:
    """The day whose reminders are due at ``now``: today once the send time has passed,
    yesterday before it (so a start at 07:00 does not send today's 09:00 reminders early)."""
    local = now.astimezone(ctx.config.timezone)
    if local.time() < ctx.config.reminders.send_at:
        return local.date() - timedelta(days=1)
    return local.date()


def _still_relevant(
    ctx: AppContext,
    calendar: WorkdayCalendar,
    now: datetime,
    county_due: list[Reminder],
    submitted: set[tuple[str, str]],
) -> list[Reminder]:
    """Before the send time, yesterday's reminders go out only if their stage still covers
    today: a start at 07:00 must not say "today is the last day" of yesterday's due day."""
    today = now.astimezone(ctx.config.timezone).date()
    if local_day(ctx, now) == today:
        return county_due
    current = {
        r.key for r in reminders_due(today, calendar, submitted, ctx.config.reminders.lead_workdays)
    }
    return [r for r in county_due if r.key in current]


async def once(
    session: AsyncSession, kind: str, key: str, recipient: str, message: OutboxMessage
) -> bool:
    """Queue ``message`` unless this (kind, key, recipient) was sent already — by us before a
    restart, or by another bot process right now: the ledger's unique key decides."""
    if not await reporting_store.claim(session, kind, key, recipient):
        return False
    session.add(message)
    return True


async def send_reminders(ctx: AppContext, now: datetime) -> int:
    """Queue the reporting reminders relevant at ``now``; each goes out once. A county admin
    gets one message per reminder; a city admin one message per late duty, naming the counties
    newly late (not one message per county)."""
    day = local_day(ctx, now)
    calendar = ctx.config.calendar.workdays()
    queued = 0
    async with ctx.sessions() as session, session.begin():
        people = await account_store.bound_admins(session)
        late: dict[tuple[str, str], list[tuple[str, Reminder]]] = {}
        for county, county_name in sorted(ctx.config.regions.counties.items()):
            submitted = await reporting_store.submitted(session, county)
            due = reminders_due(day, calendar, submitted, ctx.config.reminders.lead_workdays)
            for reminder in _still_relevant(ctx, calendar, now, due, submitted):
                if reminder.escalated:
                    late.setdefault((str(reminder.quarter), reminder.duty.value), []).append(
                        (county_name, reminder)
                    )
                    continue
                for inspector, account in people:
                    if (
                        inspector.role == Role.COUNTY_ADMIN.value
                        and inspector.region_code == county
                    ):
                        numbers = await _statistics_numbers(ctx, session, reminder, county, day)
                        message = _reminder_message(account, reminder, county_name, numbers)
                        key = f"{reminder.key}:{county}"
                        queued += await once(session, "report", key, inspector.cert_no, message)
        for inspector, account in people:
            if inspector.role == Role.ADMIN.value:
                queued += await _escalate(session, inspector, account, late)
    return queued


async def _escalate(
    session: AsyncSession,
    inspector: Inspector,
    account: TelegramAccount,
    late: dict[tuple[str, str], list[tuple[str, Reminder]]],
) -> int:
    """One 【逾期】 message per late duty, listing the counties this admin was not told of yet."""
    queued = 0
    for (quarter, duty), counties in sorted(late.items(), key=lambda item: item[1][0][1].window):
        fresh = [
            (county_name, reminder)
            for county_name, reminder in counties
            if await reporting_store.claim(
                session, "report", f"{reminder.key}:{county_name}", inspector.cert_no
            )
        ]
        if fresh:
            texts = texts_for(account.language)
            window, provisional = fresh[0][1].window, fresh[0][1].provisional
            text = texts.report_late([c for c, _ in fresh], quarter, duty, window, provisional)
            session.add(outbox.message(account.chat_id, text))
            queued += 1
    return queued


@dataclass(frozen=True)
class StatisticsNumbers:
    """What the statistics reminder tells a county: the stages of the quarter's on-site checks
    of its targets, their follow-ups open and overdue, and its rows of the statistics table
    (issue 11: the same numbers as the exported workbook)."""

    stages: StageCounts
    rows: list[StatisticsRow]


async def _statistics_numbers(
    ctx: AppContext, session: AsyncSession, reminder: Reminder, county: str, today: date
) -> StatisticsNumbers | None:
    """For the statistics duty, the county's numbers for the quarter (None for the summary)."""
    if reminder.duty is not Duty.STATISTICS:
        return None
    where = stage_store.of_county(county, str(reminder.quarter))
    stages = await stage_store.counts(session, where, today)
    table = await quarter_statistics(ctx, session, str(reminder.quarter), county)
    return StatisticsNumbers(stages, table.of_county(county))


def _reminder_message(
    account: TelegramAccount,
    reminder: Reminder,
    county_name: str,
    numbers: StatisticsNumbers | None = None,
) -> OutboxMessage:
    texts = texts_for(account.language)
    text = texts.report_reminder(
        county_name,
        str(reminder.quarter),
        reminder.duty.value,
        reminder.stage.value,
        reminder.window,
        reminder.provisional,
    )
    if numbers is not None:  # the statistics: the county's numbers for the quarter
        quarter = str(reminder.quarter)
        table = [(r.supervision_class.value, r.tally) for r in numbers.rows]
        text = (
            f"{text}\n{texts.statistics_numbers(quarter, numbers.stages)}"
            f"\n{texts.statistics_table_lines(quarter, table)}"
        )
    if reminder.stage is Stage.AHEAD:
        return outbox.message(account.chat_id, text)  # nothing to submit before the window
    button = (
        texts.button_submitted(),
        callback_data.submitted(str(reminder.quarter), reminder.duty.value),
    )
    return outbox.message(account.chat_id, text, [[button]])


_DUTY_WORDS = {Duty.SUMMARY: ("总结",), Duty.STATISTICS: ("统计",)}


@dataclass(frozen=True)
class Submitted:
    quarter: str
    duty: str
    new: bool


async def mark_submitted(
    ctx: AppContext,
    person: Person,
    quarter: str,
    duty: str,
    file_id: str | None = None,
    file_name: str | None = None,
    today: date | None = None,
) -> Submitted:
    """A county admin marks his county's summary or statistics as sent: its reminders stop.
    Given ``today``, only this quarter's or the previous one's (a button is never trusted)."""
    if person.role is not Role.COUNTY_ADMIN:
        raise ReportingProblem("not_county_admin")
    try:
        named, duty_named = Quarter.parse(quarter), Duty(duty)
    except ValueError:
        raise ReportingProblem("nothing_due") from None
    if today is not None and named not in (
        Quarter.containing(today),
        Quarter.containing(today).previous(),
    ):
        raise ReportingProblem("nothing_due")
    if today is not None and duty_named is Duty.STATISTICS and today <= named.last_day:
        raise ReportingProblem("nothing_due")  # a quarter's table exists only once it has ended
    if file_name is not None:
        file_name = fit_file_name(file_name, length_of(Submission.file_name))
    async with ctx.sessions() as session, session.begin():
        if await reporting_store.is_submitted(session, person.region, quarter, duty_named):
            return Submitted(quarter, duty, False)
        reporting_store.add_submission(
            session, person.region, quarter, duty_named, person.cert_no, file_id, file_name
        )
        session.add(
            audit(
                person.actor,
                "submit",
                "submissions",
                f"{person.region}:{quarter}:{duty}",
                new={"file_name": file_name},
            )
        )
        try:
            await session.flush()
        except IntegrityError:
            return Submitted(quarter, duty, False)
    return Submitted(quarter, duty, True)


async def submit_upload(
    ctx: AppContext, person: Person, now: datetime, file_id: str, file_name: str
) -> Submitted:
    """A file a county admin uploads counts for the duty whose window is open. When both are
    (a late summary during the statistics window), the file name decides — 总结 or 统计 — and
    without either word the upload is refused with a request to say which."""
    if person.role is not Role.COUNTY_ADMIN:
        raise ReportingProblem("not_county_admin")
    day = now.astimezone(ctx.config.timezone).date()
    async with ctx.sessions() as session:
        submitted = await reporting_store.submitted(session, person.region)
    due = reminders_due(
        day, ctx.config.calendar.workdays(), submitted, ctx.config.reminders.lead_workdays
    )
    open_now = [r for r in due if r.stage.value != "ahead"]
    if not open_now:
        raise ReportingProblem("nothing_due")
    named = [d for d, words in _DUTY_WORDS.items() if any(w in file_name for w in words)]
    if len({r.duty for r in open_now}) > 1:
        open_now = [r for r in open_now if r.duty in named]
        if len({r.duty for r in open_now}) != 1:
            raise ReportingProblem("which_duty")
    chosen = min(open_now, key=lambda r: r.quarter)
    return await mark_submitted(
        ctx, person, str(chosen.quarter), chosen.duty.value, file_id, file_name
    )


@dataclass(frozen=True)
class CountyDeadline:
    quarter: str
    duty: str
    window: tuple[date, date]
    provisional: bool
    submitted: bool


async def upcoming(ctx: AppContext, person: Person, today: date) -> list[CountyDeadline]:
    """/deadlines: the duties whose window has not closed; for a county admin also those of his
    county still not submitted two weeks after closing (late)."""
    calendar = ctx.config.calendar.workdays()
    county_admin = person.role is Role.COUNTY_ADMIN
    async with ctx.sessions() as session:
        done = await reporting_store.submitted(session, person.region) if county_admin else set()
    result = []
    current = Quarter.containing(today)
    for quarter in (current.previous(), current, current.next()):
        deadlines = year_deadlines(quarter.year, calendar)[quarter.number - 1]
        for duty in Duty:
            window, provisional = duty_window(deadlines, duty, calendar)
            submitted = (str(quarter), duty.value) in done
            still_open = window[1] >= today
            late = county_admin and not submitted and window[1] >= today - timedelta(days=14)
            if still_open or late:
                result.append(
                    CountyDeadline(str(quarter), duty.value, window, provisional, submitted)
                )
    return sorted(result, key=lambda d: d.window)


async def warn_unknown_calendar(ctx: AppContext, now: datetime) -> int:
    """Tell the city admins once which years need their holidays in the configuration."""
    year = now.astimezone(ctx.config.timezone).year
    unknown = ctx.config.calendar.workdays().unknown_years([year, year + 1])
    queued = 0
    async with ctx.sessions() as session, session.begin():
        for inspector, account in await account_store.bound_admins(session):
            if inspector.role != Role.ADMIN.value:
                continue
            for missing in unknown:
                text = texts_for(account.language).calendar_unknown(missing)
                queued += await once(
                    session,
                    "calendar",
                    str(missing),
                    inspector.cert_no,
                    outbox.message(account.chat_id, text),
                )
    return queued
