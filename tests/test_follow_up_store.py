"""Follow-ups in the database, on SQLite and PostgreSQL: which open ones may be closed, by whom,
and closing once (of two members pressing 完成 at once, one closes it)."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.context import AppContext
from spotcheck.inspection import FollowUpKind, ResultState
from spotcheck.states import AssignmentState, MemberState, PersonKind
from storage import follow_up_store, review_store
from storage.draw_models import Assignment, AssignmentMember
from storage.result_models import FollowUp
from storage.result_store import save_result
from tests.factories_results import assignment, result_input

SUBMITTER, TEAMMATE, STRANGER = "13060001", "13060002", "13060009"
AT = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)


async def checked(session: AsyncSession, serial: int = 1) -> tuple[int, int]:
    """An assignment whose two inspectors accepted, with a result (责令整改 by 2026-11-18 and
    移交); (assignment id, result id)."""
    task = await assignment(session, serial)
    session.add_all(
        AssignmentMember(
            assignment_id=task.id,
            person_kind=PersonKind.INSPECTOR,
            person_key=cert,
            state=MemberState.ACCEPTED,
        )
        for cert in (SUBMITTER, TEAMMATE)
    )
    result_id = await save_result(session, result_input(task.id))
    return task.id, result_id


async def open_kinds(session: AsyncSession, closer: str | None = None) -> list[FollowUpKind]:
    return [f.kind for f in await follow_up_store.open_in_force(session, closer=closer)]


async def test_every_accepted_member_may_close_and_nobody_else(ctx: AppContext) -> None:
    async with ctx.sessions.begin() as session:
        assignment_id, _ = await checked(session)
        both = [FollowUpKind.RECTIFY, FollowUpKind.TRANSFER]
        assert await open_kinds(session, SUBMITTER) == both
        assert await open_kinds(session, TEAMMATE) == both
        assert await open_kinds(session, STRANGER) == []
        await session.execute(
            update(AssignmentMember)
            .where(AssignmentMember.person_key == TEAMMATE)
            .values(state=MemberState.REPLACED)
        )
        assert await open_kinds(session, TEAMMATE) == []
        closers = await follow_up_store.closers(session, assignment_id)
        assert [cert for cert, _ in closers] == []  # nobody bound in this test


async def test_only_the_latest_version_not_sent_back_of_an_assignment_in_force(
    ctx: AppContext,
) -> None:
    async with ctx.sessions.begin() as session:
        assignment_id, first = await checked(session)
        assert await review_store.move(session, first, ResultState.PENDING_REVIEW, "system", AT)
        assert await open_kinds(session) == [FollowUpKind.RECTIFY, FollowUpKind.TRANSFER]
        assert await review_store.move(session, first, ResultState.RETURNED, "lead", AT, "不清")
        assert await open_kinds(session) == []  # sent back: its follow-ups wait for the next
        await save_result(
            session,
            result_input(assignment_id, follow_ups=(), submitted_at=AT),
        )
        assert await open_kinds(session) == []  # the new version asks for none
        second_task, _ = await checked(session, 2)
        assert await open_kinds(session) == [FollowUpKind.RECTIFY, FollowUpKind.TRANSFER]
        await session.execute(
            update(Assignment)
            .where(Assignment.id == second_task)
            .values(state=AssignmentState.SUPERSEDED)
        )
        assert await open_kinds(session) == []


async def test_rectify_due_by_a_day_lists_only_those(ctx: AppContext) -> None:
    async with ctx.sessions.begin() as session:
        await checked(session)
        due = await follow_up_store.open_in_force(session, rectify_due_by=date(2026, 11, 18))
        assert [(f.kind, f.deadline) for f in due] == [(FollowUpKind.RECTIFY, date(2026, 11, 18))]
        assert await follow_up_store.open_in_force(session, rectify_due_by=date(2026, 11, 17)) == []


async def test_two_closing_at_once_close_it_once(ctx: AppContext) -> None:
    async with ctx.sessions.begin() as session:
        await checked(session)
    async with ctx.sessions() as session:
        [rectify, _] = await follow_up_store.open_in_force(session)

    async def close(cert: str) -> bool:
        async with ctx.sessions.begin() as session:
            return await follow_up_store.close(session, rectify.id, cert, AT, f"{cert} 办结")

    outcomes = await asyncio.gather(close(SUBMITTER), close(TEAMMATE))
    assert sorted(outcomes) == [False, True]
    async with ctx.sessions() as session:
        row = (await session.scalars(select(FollowUp).where(FollowUp.id == rectify.id))).one()
        done = await follow_up_store.closed(session, rectify.id, SUBMITTER)
        assert await follow_up_store.closed(session, rectify.id, STRANGER) is None
        assert await open_kinds(session) == [FollowUpKind.TRANSFER]
    winner = SUBMITTER if outcomes[0] else TEAMMATE
    assert (row.state, row.closed_by, row.close_note) == ("closed", winner, f"{winner} 办结")
    assert done is not None and done.closed_at == AT
