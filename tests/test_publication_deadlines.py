"""Publication deadlines (一公开) are kept once, in one statement for many versions: a version
given one meanwhile by another writer keeps the first. One reckoned on a Monday–Friday guess
(the calendar not knowing the year) is reckoned again once the year is configured, until the
version is published."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from bot.config import CalendarConfig
from bot.context import AppContext
from bot.services.publication import keep_deadlines
from spotcheck.deadlines import PUBLICATION_WORKDAYS
from spotcheck.inspection import ResultState
from spotcheck.workdays import Reckoned, package_knows
from storage import publication_store, review_store
from storage.publication_store import Deadline
from storage.result_models import Publication
from storage.result_store import save_result
from tests.conftest import make_config
from tests.factories_results import assignment, result_input
from tests.factories_statistics import JINGXIU, REVIEWER, seed_quarter

# The first year the installed chinesecalendar does not know, after one it knows (2027 with
# 1.11): found at run time, so that a newer package release does not break these tests.
FUTURE = next(y for y in range(2021, 2101) if package_knows(y - 1) and not package_knows(y))
LAST_QUARTER = f"{FUTURE - 1}Q4"
# Passed review on 12-10 of the year before: its 20 working days run into FUTURE, so the
# deadline is a Monday–Friday guess (2027-01-08 for 2026-12-10).
FORMED = datetime(FUTURE - 1, 12, 10, 2, 0, tzinfo=UTC)
NEW_YEAR = date(FUTURE, 1, 1)


def _reckoned(*holidays: date) -> Reckoned[date]:
    calendar = CalendarConfig(extra_holidays=frozenset(holidays)).workdays()
    return calendar.nth_workday_after(FORMED.date(), PUBLICATION_WORKDAYS)


GUESSED = _reckoned().value
# An example FUTURE schedule (not an official one) giving the guessed deadline's day off too:
# the deadline moves to the next working day (2027-01-11).
SCHEDULE = (NEW_YEAR, GUESSED)
SCHEDULED = _reckoned(*SCHEDULE).value


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


async def _passed(ctx: AppContext, *serials: int) -> list[int]:
    """A version passed at FORMED for a check of each of these 竞秀区 targets."""
    found = []
    async with ctx.sessions.begin() as session:
        for serial in serials:
            task = await assignment(session, serial=serial, quarter=LAST_QUARTER)
            result_id = await save_result(session, result_input(task.id))
            for state in (ResultState.PENDING_REVIEW, ResultState.PASSED):
                assert await review_store.move(session, result_id, state, REVIEWER, FORMED)
            found.append(result_id)
    return found


async def _kept(ctx: AppContext) -> dict[int, tuple[date, bool]]:
    async with ctx.sessions() as session:
        rows = await session.scalars(select(Publication))
        return {p.result_id: (p.deadline, p.provisional) for p in rows}


async def _late_on(ctx: AppContext, day: date) -> Counter[str]:
    async with ctx.sessions() as session:
        return await publication_store.late_by_county(session, LAST_QUARTER, day)


async def _keep_with_holidays(database_url: str, *holidays: date) -> int:
    """keep_deadlines once the admin has configured FUTURE's holidays."""
    calendar = {"extra_holidays": [day.isoformat() for day in holidays]}
    configured = await AppContext.open(make_config(database_url, calendar=calendar), migrate=False)
    try:
        async with configured.sessions.begin() as session:
            return await keep_deadlines(configured, session)
    finally:
        await configured.close()


async def test_a_guessed_deadline_moves_once_the_year_is_configured_unless_published(
    ctx: AppContext, database_url: str
) -> None:
    assert SCHEDULED > GUESSED
    day_after = GUESSED + timedelta(days=1)
    waiting, published = await _passed(ctx, 1, 2)
    async with ctx.sessions.begin() as session:
        assert await keep_deadlines(ctx, session) == 2
        await publication_store.mark_published(session, [published], day_after, "cli")
    assert await _kept(ctx) == {waiting: (GUESSED, True), published: (GUESSED, True)}
    assert await _late_on(ctx, day_after) == {JINGXIU: 2}  # both, by the guess

    assert await _keep_with_holidays(database_url, *SCHEDULE) == 1
    # the version still waiting gets the configured deadline; the published one keeps the
    # deadline it was published against
    assert await _kept(ctx) == {waiting: (SCHEDULED, False), published: (GUESSED, True)}
    assert await _late_on(ctx, day_after) == {JINGXIU: 1}
    assert await _keep_with_holidays(database_url, *SCHEDULE) == 0
    async with ctx.sessions.begin() as session:  # a deadline once sure is not guessed again
        assert await keep_deadlines(ctx, session) == 0
    assert (await _kept(ctx))[waiting] == (SCHEDULED, False)


async def test_a_guessed_deadline_the_configured_year_confirms_is_guessed_no_more(
    ctx: AppContext, database_url: str
) -> None:
    (waiting,) = await _passed(ctx, 1)
    async with ctx.sessions.begin() as session:
        assert await keep_deadlines(ctx, session) == 1
    assert await _keep_with_holidays(database_url, NEW_YEAR) == 1
    assert await _kept(ctx) == {waiting: (GUESSED, False)}
    async with ctx.sessions.begin() as session:
        assert await keep_deadlines(ctx, session) == 0
    assert await _late_on(ctx, GUESSED + timedelta(days=1)) == {JINGXIU: 1}  # now for sure


async def test_a_version_published_while_its_deadline_is_revised_keeps_the_first(
    ctx: AppContext,
) -> None:
    (result_id,) = await _passed(ctx, 1)
    async with ctx.sessions.begin() as session:
        await keep_deadlines(ctx, session)
        (guessed,) = await publication_store.provisional_unpublished(session)
    async with ctx.sessions.begin() as session:  # published by another process meanwhile
        await publication_store.mark_published(session, [result_id], FORMED.date(), "cli")
    async with ctx.sessions.begin() as session:
        revised = Deadline(result_id, guessed.formed_on, SCHEDULED, False)
        await publication_store.revise_deadlines(session, [revised])
    assert await _kept(ctx) == {result_id: (GUESSED, True)}
