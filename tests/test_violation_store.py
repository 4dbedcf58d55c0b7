"""A target's record from its passed checks (违法记录), on SQLite and PostgreSQL: the latest
passed on-site check's day, and the violations — a passed version with a 发现问题… category or
an item answered 发现问题 — with their day, category and follow-ups."""

from __future__ import annotations

from datetime import UTC, date, datetime

from bot.context import AppContext
from spotcheck.inspection import FollowUpKind, ItemAnswer, ResultCategory, ResultState
from storage import review_store, violation_store
from storage.result_store import FollowUpInput, ItemInput, save_result
from storage.violation_store import ViolationFollowUp
from tests.factories_results import assignment, result_input

NOW = datetime(2026, 11, 29, 6, 0, tzinfo=UTC)
S = ResultState
NO_PROBLEM = (ItemInput("HB-001", ItemAnswer.OK), ItemInput("HB-002", ItemAnswer.NOT_APPLICABLE))


async def checked(
    ctx: AppContext, serial: int, day: date, *moves: ResultState, **overrides: object
) -> str:
    """A target checked on ``day`` (a new assignment of it), its result moved along the chain;
    its credit code."""
    async with ctx.sessions.begin() as session:
        task = await assignment(session, serial)
        result_id = await save_result(session, result_input(task.id, checked_on=day, **overrides))
        for to in moves:
            assert await review_store.move(session, result_id, to, "13060099", NOW)
        return task.credit_code


async def test_a_passed_check_that_found_a_problem_is_a_violation_with_its_follow_ups(
    ctx: AppContext,
) -> None:
    code = await checked(ctx, 1, date(2026, 11, 3), S.PENDING_REVIEW, S.PASSED)
    async with ctx.sessions() as session:
        [found] = await violation_store.violations(session, {code})
        assert await violation_store.last_checked(session, {code}) == {code: date(2026, 11, 3)}
    assert (found.credit_code, found.checked_on, found.category) == (
        code,
        date(2026, 11, 3),
        ResultCategory.PROBLEM_RECTIFIED,
    )
    assert found.follow_ups == (
        ViolationFollowUp(FollowUpKind.RECTIFY, date(2026, 11, 18), "open"),
        ViolationFollowUp(FollowUpKind.TRANSFER, None, "open"),
    )


async def test_an_item_answered_problem_makes_a_violation_whatever_the_category(
    ctx: AppContext,
) -> None:
    code = await checked(
        ctx, 2, date(2026, 10, 9), S.PENDING_REVIEW, S.PASSED, category=ResultCategory.REFUSED
    )
    async with ctx.sessions() as session:
        [found] = await violation_store.violations(session, {code})
    assert found.category is ResultCategory.REFUSED


async def test_checks_not_passed_or_without_a_problem_are_no_violation(ctx: AppContext) -> None:
    clean = await checked(
        ctx,
        3,
        date(2026, 10, 1),
        S.PENDING_REVIEW,
        S.PASSED,
        category=ResultCategory.NONE,
        items=NO_PROBLEM,
        follow_ups=(),
    )
    waiting = await checked(ctx, 4, date(2026, 10, 2), S.PENDING_REVIEW)
    returned = await checked(ctx, 5, date(2026, 10, 3), S.PENDING_REVIEW, S.RETURNED)
    async with ctx.sessions() as session:
        assert await violation_store.violations(session, {clean, waiting, returned}) == []
        # only the passed one is a check on the record
        assert await violation_store.last_checked(session, {clean, waiting, returned}) == {
            clean: date(2026, 10, 1)
        }


async def test_a_passed_amendment_without_the_problem_speaks_for_the_check(
    ctx: AppContext,
) -> None:
    code = await checked(ctx, 6, date(2026, 9, 1), S.PENDING_REVIEW, S.PASSED)
    async with ctx.sessions.begin() as session:
        [found] = await violation_store.violations(session, {code})
        amended = await save_result(
            session,
            result_input(
                found.assignment_id,
                checked_on=date(2026, 9, 1),
                category=ResultCategory.NONE,
                items=NO_PROBLEM,
                follow_ups=(),
                amendment_reason="误录：该项检查未发现问题",
            ),
        )
    async with ctx.sessions() as session:
        # the amendment under review: the passed original still stands
        assert [v.result_id for v in await violation_store.violations(session, {code})] == [
            found.result_id
        ]
    async with ctx.sessions.begin() as session:
        assert await review_store.move(session, amended, S.PENDING_REVIEW, "13060099", NOW)
        assert await review_store.move(session, amended, S.PASSED, "13060099", NOW)
    async with ctx.sessions() as session:
        assert await violation_store.violations(session, {code}) == []
        assert await violation_store.last_checked(session, {code}) == {code: date(2026, 9, 1)}


async def test_violations_come_newest_first_and_violators_within_a_window(
    ctx: AppContext,
) -> None:
    old = await checked(ctx, 7, date(2025, 6, 30), S.PENDING_REVIEW, S.PASSED)
    recent = await checked(
        ctx,
        8,
        date(2026, 3, 2),
        S.PENDING_REVIEW,
        S.PASSED,
        follow_ups=(FollowUpInput(FollowUpKind.CASE),),
    )
    async with ctx.sessions() as session:
        everyone = await violation_store.violations(session)
        assert [v.credit_code for v in everyone] == [recent, old]
        assert await violation_store.violations(session, set()) == []
        latest = await violation_store.latest_violations(session)
        assert latest[recent].follow_ups == (ViolationFollowUp(FollowUpKind.CASE, None, "open"),)
        # 365 days before 2026Q3 (07-01): from 2025-07-01; the quarter's own days do not count
        since, start = date(2025, 7, 1), date(2026, 7, 1)
        assert await violation_store.violators_since(session, since, start) == {recent}
        assert await violation_store.violators_since(session, date(2025, 6, 30), start) == {
            recent,
            old,
        }
        assert await violation_store.violators_since(session, since, date(2026, 3, 2)) == set()
