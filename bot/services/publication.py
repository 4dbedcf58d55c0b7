"""一公开's clock: each passed result version is to be published within 20 working days of
being formed (the day it passed review, in the configured zone; that day not counted), on the
official calendar. The deadline is computed the first time anyone looks and then kept."""

from __future__ import annotations

from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from bot.context import AppContext
from spotcheck.deadlines import PUBLICATION_WORKDAYS
from spotcheck.workdays import Reckoned
from storage import publication_store


async def keep_deadlines(ctx: AppContext, session: AsyncSession) -> int:
    """Give every passed version without one its publication deadline; how many were given.
    A quarter's thousands of versions were formed on a few dozen days: each day's deadline is
    reckoned once, and all are written in one statement."""
    calendar = ctx.config.calendar.workdays()
    missing = await publication_store.passed_without_deadline(session)
    by_day: dict[date, Reckoned[date]] = {}
    kept = []
    for result_id, passed_at in missing:
        formed = passed_at.astimezone(ctx.config.timezone).date()
        if formed not in by_day:
            by_day[formed] = calendar.nth_workday_after(formed, PUBLICATION_WORKDAYS)
        due = by_day[formed]
        kept.append(publication_store.Deadline(result_id, formed, due.value, due.provisional))
    await publication_store.keep_deadlines(session, kept)
    return len(missing)
