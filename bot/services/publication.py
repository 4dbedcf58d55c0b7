"""一公开's clock: each passed result version is to be published within 20 working days of
being formed (the day it passed review, in the configured zone; that day not counted), on the
official calendar. The deadline is computed the first time anyone looks and then kept."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.context import AppContext
from spotcheck.deadlines import PUBLICATION_WORKDAYS
from storage import publication_store


async def keep_deadlines(ctx: AppContext, session: AsyncSession) -> int:
    """Give every passed version without one its publication deadline; how many were given."""
    calendar = ctx.config.calendar.workdays()
    missing = await publication_store.passed_without_deadline(session)
    for result_id, passed_at in missing:
        formed = passed_at.astimezone(ctx.config.timezone).date()
        due = calendar.nth_workday_after(formed, PUBLICATION_WORKDAYS)
        await publication_store.keep_deadline(
            session, result_id, formed, due.value, due.provisional
        )
    return len(missing)
