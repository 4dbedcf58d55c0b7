"""Digests: each morning the team leads' group progress (only when it changed or something is
overdue), weekly the county admins' quota progress and the city admins' quarter (each with its
chart, bot/services/digest_charts.py), and inspectors' assignments due soon."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.charts.completion import chart_of_city, chart_of_county
from bot.context import AppContext
from bot.services import outbox
from bot.services.digest_charts import Digest, queue_weekly
from bot.services.identity import Person
from bot.services.reporting import once
from bot.services.statistics import quarter_statistics
from bot.texts import Texts, texts_for
from spotcheck.deadlines import Quarter
from spotcheck.quota import Level
from spotcheck.roles import Role
from spotcheck.stages import StageCounts
from spotcheck.states import MemberState
from spotcheck.statistics import QuarterStatistics, Rule, total
from storage import account_store, assignment_store, reporting_store, stage_store


@dataclass(frozen=True)
class GroupProgress:
    """A lead's groups: how many members have yet to accept, have accepted, and how many
    checks are past their due date without being done."""

    groups: int
    waiting: int
    accepted: int
    overdue: int
    stages: StageCounts = field(default_factory=StageCounts)  # and their follow-ups

    def fingerprint(self) -> str:
        return hashlib.sha256(repr(self).encode()).hexdigest()[:16]

    @property
    def late(self) -> bool:
        """A check or a follow-up is overdue: the digest goes out every day."""
        return bool(self.overdue or self.stages.overdue_follow_ups)


async def lead_progress(session: AsyncSession, cert_no: str, today: date) -> GroupProgress:
    """This quarter's groups he leads (older quarters' checks are overdue or done, not progress),
    plus any older one still overdue."""
    rows = await assignment_store.led_groups(
        session, cert_no, str(Quarter.containing(today)), today
    )
    groups = {r.assignment_id for r in rows}
    overdue = {
        r.assignment_id
        for r in rows
        if r.due_date is not None and r.due_date < today and r.checked_on is None
    }
    quarter = str(Quarter.containing(today))
    return GroupProgress(
        groups=len(groups),
        waiting=sum(1 for r in rows if r.state == MemberState.ASSIGNED),
        accepted=sum(1 for r in rows if r.state == MemberState.ACCEPTED),
        overdue=len(overdue),
        stages=await stage_store.counts(
            session,
            stage_store.led_now(cert_no, quarter, today),
            today,
            follow_ups_of=stage_store.led_by(cert_no),
        ),
    )


def lead_text(texts: Texts, progress: GroupProgress) -> str:
    lead = texts.lead_digest(progress.groups, progress.waiting, progress.accepted, progress.overdue)
    return f"{lead}\n{texts.stage_counts(progress.stages)}"


async def send_lead_digests(ctx: AppContext, now: datetime) -> int:
    """Each lead with groups hears their progress — when it changed since the last digest, or
    every day while a check is overdue."""
    today = now.astimezone(ctx.config.timezone).date()
    queued = 0
    async with ctx.sessions() as session, session.begin():
        for cert, _, _, account in await account_store.bound_people(session):
            progress = await lead_progress(session, cert, today)
            if progress.groups == 0:
                continue
            key = progress.fingerprint() + (f":{today.isoformat()}" if progress.late else "")
            text = lead_text(texts_for(account.language), progress)
            queued += await once(
                session, "lead_digest", key, cert, outbox.message(account.chat_id, text)
            )
    return queued


@dataclass(frozen=True)
class ClassProgress:
    supervision_class: str
    drawn: int
    minimum: int


async def county_progress(
    ctx: AppContext, session: AsyncSession, county: str, quarter: Quarter
) -> list[ClassProgress]:
    """A county's on-site checks drawn this quarter at county level against the minimums the
    draw plans: the county's rows of the statistics table, so chat and Excel agree."""
    return progress_of(await quarter_statistics(ctx, session, str(quarter), county), county)


def progress_of(table: QuarterStatistics, county: str) -> list[ClassProgress]:
    """The county's rows of a statistics table, as the digest shows them."""
    return [
        ClassProgress(row.supervision_class.value, row.tally.drawn, row.tally.minimum)
        for row in table.of_county(county)
    ]


async def county_stages(
    session: AsyncSession, county: str, quarter: Quarter, today: date
) -> StageCounts:
    """The stages of the quarter's on-site checks of the county's targets (city and county
    level), and the follow-ups still open of any quarter's."""
    return await stage_store.counts(
        session,
        stage_store.of_county(county, str(quarter)),
        today,
        follow_ups_of=stage_store.of_county(county),
    )


async def county_text(
    ctx: AppContext,
    session: AsyncSession,
    texts: Texts,
    table: QuarterStatistics,
    county: str,
    today: date,
) -> str:
    """The county admin's digest: the county-level draws against the minimums (the county's
    rows of ``table``), then the stages of the county's checks."""
    quarter = Quarter.parse(table.quarter)
    drawn = texts.county_digest(
        texts.region_name(ctx.config.regions, county),
        table.quarter,
        [(p.supervision_class, p.drawn, p.minimum) for p in progress_of(table, county)],
    )
    stages = await county_stages(session, county, quarter, today)
    return f"{drawn}\n{texts.county_stages(stages)}"


async def send_county_digests(ctx: AppContext, now: datetime) -> int:
    """Weekly: each county admin's quota progress for the quarter, per class, with the chart
    of his classes' completion."""
    local = now.astimezone(ctx.config.timezone)
    quarter, week = Quarter.containing(local.date()), _week(local)
    due = []
    async with ctx.sessions() as session:
        sent = await reporting_store.claimed(session, "county_digest", week)
        for cert, _, county, account in await account_store.bound_people(
            session, Role.COUNTY_ADMIN
        ):
            if cert in sent:
                continue
            texts = texts_for(account.language)
            table = await quarter_statistics(ctx, session, str(quarter), county)
            text = await county_text(ctx, session, texts, table, county, local.date())
            chart = chart_of_county(texts, ctx.config.regions, table, county, local.date())
            due.append(Digest(cert, account.chat_id, text, chart))
    return await queue_weekly(ctx, "county_digest", week, due)


async def send_city_digests(ctx: AppContext, now: datetime) -> int:
    """Weekly: each city admin's view of the quarter — both levels' totals and the plan's
    ratio checks — with the chart of every county's completion."""
    local = now.astimezone(ctx.config.timezone)
    quarter, week = str(Quarter.containing(local.date())), _week(local)
    async with ctx.sessions() as session:
        sent = await reporting_store.claimed(session, "city_digest", week)
        people = await account_store.bound_people(session, Role.ADMIN)
        people = [p for p in people if p[0] not in sent]
        if not people:
            return 0
        table = await quarter_statistics(ctx, session, quarter)
    due = []
    for cert, _, _, account in people:
        texts = texts_for(account.language)
        chart = chart_of_city(texts, ctx.config.regions, table, local.date())
        due.append(Digest(cert, account.chat_id, city_text(ctx, texts, table), chart))
    return await queue_weekly(ctx, "city_digest", week, due)


def city_text(ctx: AppContext, texts: Texts, table: QuarterStatistics) -> str:
    """The city admins' digest of the city's table: the county level's and the city level's
    totals, the quota rows not met, the plan's shares."""
    regions = ctx.config.regions
    checks = list(table.checks)
    unmet = [texts.quota_row(regions, c) for c in checks if c.rule is Rule.QUOTA and not c.met]
    return texts.city_digest(
        regions.name,
        table.quarter,
        total(r.tally for r in table.rows if r.level is Level.COUNTY),
        total(r.tally for r in table.rows if r.level is Level.CITY),
        unmet,
        checks,
    )


def _week(local: datetime) -> str:
    """The ledger key of a weekly digest: the quarter and the ISO week."""
    year, week, _ = local.isocalendar()
    return f"{Quarter.containing(local.date())}:{year}W{week:02d}"


async def send_due_soon(ctx: AppContext, now: datetime) -> int:
    """Inspectors hear once of each of their checks due within the configured days."""
    today = now.astimezone(ctx.config.timezone).date()
    horizon = today + timedelta(days=ctx.config.reminders.due_within_days)
    queued = 0
    async with ctx.sessions() as session, session.begin():
        rows = await assignment_store.due_between(session, today, horizon)
        for assignment_id, due, name, cert, account in rows:
            assert due is not None  # the query keeps the due dates in the window
            text = texts_for(account.language).due_soon(name, due)
            queued += await once(
                session, "due", str(assignment_id), cert, outbox.message(account.chat_id, text)
            )
    return queued


async def digest_for(ctx: AppContext, person: Person, now: datetime) -> str:
    """/digest: the caller's digest on demand (leads: groups; county admins: quota progress;
    city admins: the city's table, as the weekly digest has it)."""
    local = now.astimezone(ctx.config.timezone)
    texts = texts_for(person.language)
    async with ctx.sessions() as session:
        parts = []
        progress = await lead_progress(session, person.cert_no, local.date())
        if progress.groups:
            parts.append(lead_text(texts, progress))
        quarter = Quarter.containing(local.date())
        if person.role is Role.COUNTY_ADMIN:
            table = await quarter_statistics(ctx, session, str(quarter), person.region)
            parts.append(await county_text(ctx, session, texts, table, person.region, local.date()))
        if person.role is Role.ADMIN:
            table = await quarter_statistics(ctx, session, str(quarter))
            parts.append(city_text(ctx, texts, table))
    return "\n\n".join(parts) or texts.digest_empty()
