"""Publication deadlines (一公开) are kept once, in one statement for many versions: a version
given one meanwhile by another writer keeps the first."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from bot.context import AppContext
from bot.services.publication import keep_deadlines
from storage import publication_store
from storage.publication_store import Deadline
from storage.result_models import Publication
from tests.factories_statistics import seed_quarter


async def test_a_deadline_kept_by_another_writer_stays_the_first(ctx: AppContext) -> None:
    seeded = await seed_quarter(ctx)
    first = seeded.results["lc_key"]
    async with ctx.sessions.begin() as session:  # another process got there first
        await publication_store.keep_deadlines(
            session, [Deadline(first, date(2026, 11, 10), date(2026, 12, 31), False)]
        )
    async with ctx.sessions.begin() as session:
        assert await keep_deadlines(ctx, session) == 2  # the other two passed versions
        await publication_store.keep_deadlines(  # a late writer, racing on the same version
            session, [Deadline(first, date(2026, 11, 10), date(2026, 12, 8), False)]
        )
    async with ctx.sessions() as session:
        rows = {p.result_id: p.deadline for p in await session.scalars(select(Publication))}
    assert rows[first] == date(2026, 12, 31)
    assert sorted(rows.values()) == [date(2026, 12, 8), date(2026, 12, 8), date(2026, 12, 31)]
