"""一公开's clock: each passed result version is to be published within 20 working days of
being formed (the day it passed review, in the configured zone; that day not counted), on the
official calendar. The deadline is computed the first time anyone looks and then kept; one
reckoned on a guess (the calendar not knowing the year yet) is reckoned again, each time,
until the version is published."""

from __future__ import annotations

from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from bot.context import AppContext
from spotcheck.deadlines import PUBLICATION_WORKDAYS
from spotcheck.workdays import Reckoned
from storage import publication_store


async def keep_deadlines(ctx: AppContext, session: AsyncSession) -> int:
    """Give every passed version without one its publication deadline, and reckon again the
    provisional deadlines of versions not published yet (the year's holidays may have been
    configured since: a deadline the calendar now gives otherwise, or for sure, replaces the
    guess); how many were given or revised. A quarter's thousands of versions were formed on a
    few dozen days: each day's deadline is reckoned once, and each kind written in one
    statement."""
    calendar = ctx.config.calendar.workdays()
    by_day: dict[date, Reckoned[date]] = {}

    def reckoned(result_id: int, formed: date) -> publication_store.Deadline:
        if formed not in by_day:
            by_day[formed] = calendar.nth_workday_after(formed, PUBLICATION_WORKDAYS)
        due = by_day[formed]
        return publication_store.Deadline(result_id, formed, due.value, due.provisional)

    revised = [
        again
        for kept in await publication_store.provisional_unpublished(session)
        if (again := reckoned(kept.result_id, kept.formed_on)) != kept
    ]
    await publication_store.revise_deadlines(session, revised)
    zone = ctx.config.timezone
    given = [
        reckoned(result_id, passed_at.astimezone(zone).date())
        for result_id, passed_at in await publication_store.passed_without_deadline(session)
    ]
    await publication_store.keep_deadlines(session, given)
    return len(given) + len(revised)
