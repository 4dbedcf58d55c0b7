"""稽查考核: each county's quarter, scored with the configured weights (spotcheck/evaluation.py
has the formula). The quota, joint and credit numbers are the statistics table's own rows."""

from __future__ import annotations

from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import local_date
from bot.context import AppContext
from bot.services.publication import keep_deadlines
from spotcheck.deadlines import Quarter, quarter_deadlines
from spotcheck.evaluation import (
    CountyRecord,
    Evaluation,
    Ratio,
    ReportStatus,
    evaluate,
    past_deadline,
    report_status,
)
from spotcheck.quota import Level
from spotcheck.reminders import Duty, duty_window
from spotcheck.statistics import QuarterStatistics, total
from storage import evaluation_store, publication_store

DUTIES = (Duty.SUMMARY, Duty.STATISTICS)  # the order of CountyRecord.reports


async def quarter_evaluation(
    ctx: AppContext, table: QuarterStatistics, today: date
) -> list[Evaluation]:
    """One evaluation per county of the city's ``table``, as of ``today`` (in the configured
    zone). The publication deadlines not kept yet are kept first, in a write of their own: the
    counting that follows only reads, and holds up no writer."""
    if table.region is not None:
        raise ValueError("the evaluation compares the counties of the whole city")
    quarter = table.quarter
    async with ctx.sessions() as session, session.begin():
        await keep_deadlines(ctx, session)
    async with ctx.sessions() as session:
        reports = await _reports(ctx, session, quarter, today)
        verdicts = await evaluation_store.review_verdicts(session, quarter)
        photos = await evaluation_store.problems_without_photo(session, quarter)
        overdue = await _overdue(ctx, session, quarter, today)
        late = await publication_store.late_by_county(session, quarter, today)
        to_publish = await publication_store.to_publish_by_county(session, quarter)
    counties = sorted({r.region for r in table.rows if r.level is Level.COUNTY and r.region})
    weights = ctx.config.evaluation.weights
    return [
        evaluate(
            CountyRecord(
                county,
                tuple(reports.get((county, duty), ReportStatus.NOT_DUE) for duty in DUTIES),
                total(r.tally for r in table.of_county(county)),
                verdicts.get(county, Ratio()),
                photos.get(county, Ratio()),
                overdue.get(county, Ratio()),
                Ratio(late[county], to_publish[county]),
            ),
            weights,
        )
        for county in counties
    ]


async def _reports(
    ctx: AppContext, session: AsyncSession, quarter: str, today: date
) -> dict[tuple[str, Duty], ReportStatus]:
    """Each county's summary and statistics: on time, late, missing or not due yet."""
    calendar = ctx.config.calendar.workdays()
    deadlines = quarter_deadlines(Quarter.parse(quarter), calendar, ctx.config.policy.draw_due_days)
    sent = await evaluation_store.submitted_at(session, quarter)
    zone = ctx.config.timezone
    return {
        (county, duty): report_status(
            duty_window(deadlines, duty, calendar)[0][1],
            None if (county, duty) not in sent else local_date(sent[(county, duty)], zone),
            today,
        )
        for county in ctx.config.regions.counties
        for duty in DUTIES
    }


async def _overdue(
    ctx: AppContext, session: AsyncSession, quarter: str, today: date
) -> dict[str, Ratio]:
    """Per county: 责令整改 past their deadline, of those with a deadline."""
    counts: dict[str, tuple[int, int]] = {}
    zone = ctx.config.timezone
    for county, deadline, closed_at in await evaluation_store.rectify_deadlines(session, quarter):
        closed_on = None if closed_at is None else local_date(closed_at, zone)
        late, whole = counts.get(county, (0, 0))
        counts[county] = (late + past_deadline(deadline, closed_on, today), whole + 1)
    return {county: Ratio(*pair) for county, pair in counts.items()}
