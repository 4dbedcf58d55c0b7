"""The review chain in the database, on SQLite and PostgreSQL: a result's versions, its steps
(append-only, one way out of each state even when two reviewers press at once) and the
members' verdicts (one each)."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from bot.context import AppContext
from spotcheck.inspection import ResultState
from spotcheck.review import Verdict
from storage import draw_store, review_store
from storage.result_store import ResultExists, result_of, save_result, with_results
from tests.factories_results import assignment, result_input

NOW = datetime(2026, 11, 29, 6, 0, tzinfo=UTC)
S = ResultState


async def _submitted(ctx: AppContext) -> tuple[int, int]:
    async with ctx.sessions.begin() as session:
        task = await assignment(session)
        result_id = await save_result(session, result_input(task.id))
    return task.id, result_id


async def _move(ctx: AppContext, result_id: int, to: ResultState, reason: str = "") -> bool:
    async with ctx.sessions.begin() as session:
        return await review_store.move(session, result_id, to, "13060099", NOW, reason)


async def test_a_result_starts_submitted_and_moves_only_along_the_chain(ctx: AppContext) -> None:
    _, result_id = await _submitted(ctx)
    assert not await _move(ctx, result_id, S.PASSED)  # not before review
    assert await _move(ctx, result_id, S.PENDING_REVIEW)
    assert not await _move(ctx, result_id, S.OBJECTED)  # too late to object
    assert await _move(ctx, result_id, S.RETURNED, "照片不清晰")
    assert not await _move(ctx, result_id, S.PASSED)  # returned ends this version
    async with ctx.sessions() as session:
        steps = await review_store.steps(session, result_id)
    assert [(s.from_state, s.to_state, s.reason) for s in steps] == [
        (None, S.SUBMITTED, ""),
        (S.SUBMITTED, S.PENDING_REVIEW, ""),
        (S.PENDING_REVIEW, S.RETURNED, "照片不清晰"),
    ]


async def test_of_two_reviewers_pressing_at_once_one_moves_it(ctx: AppContext) -> None:
    _, result_id = await _submitted(ctx)
    assert await _move(ctx, result_id, S.PENDING_REVIEW)
    async with ctx.sessions.begin() as one, ctx.sessions.begin() as other:
        # both read 待审核 before either writes
        assert await review_store.state_of(one, result_id) == S.PENDING_REVIEW
        assert await review_store.state_of(other, result_id) == S.PENDING_REVIEW
        first = await review_store.move(one, result_id, S.PASSED, "lead", NOW)
        await one.commit()
        second = await review_store.move(other, result_id, S.RETURNED, "county", NOW, "x")
    assert (first, second) == (True, False)
    async with ctx.sessions() as session:
        assert await review_store.state_of(session, result_id) == S.PASSED


async def test_a_member_gives_one_verdict(ctx: AppContext) -> None:
    _, result_id = await _submitted(ctx)
    async with ctx.sessions.begin() as session:
        assert await review_store.add_verdict(session, result_id, "13060002", Verdict.CONFIRM, NOW)
        assert not await review_store.add_verdict(
            session, result_id, "13060002", Verdict.OBJECT, NOW, "改主意"
        )
        [verdict] = await review_store.verdicts(session, result_id)
    assert (verdict.cert_no, verdict.verdict) == ("13060002", Verdict.CONFIRM)


async def test_a_second_version_follows_only_a_result_sent_back(ctx: AppContext) -> None:
    assignment_id, first = await _submitted(ctx)
    with pytest.raises(ResultExists):  # still with the team
        async with ctx.sessions.begin() as session:
            await save_result(session, result_input(assignment_id))
    assert await _move(ctx, first, S.OBJECTED, "类别不对")
    async with ctx.sessions() as session:
        assert await with_results(session, [assignment_id]) == set()  # to be filled again
    async with ctx.sessions.begin() as session:
        second = await save_result(session, result_input(assignment_id, findings="重新填写"))
    async with ctx.sessions() as session:
        view = await result_of(session, assignment_id)
        assert await with_results(session, [assignment_id]) == {assignment_id}
    assert view is not None
    assert (view.id, view.version, view.previous_id, view.state, view.findings) == (
        second,
        2,
        first,
        S.SUBMITTED,
        "重新填写",
    )


async def test_an_amendment_follows_a_passed_result_with_its_reason(ctx: AppContext) -> None:
    assignment_id, first = await _submitted(ctx)
    with pytest.raises(ResultExists):  # nothing to amend before it passed
        async with ctx.sessions.begin() as session:
            await save_result(session, result_input(assignment_id, amendment_reason="笔误"))
    assert await _move(ctx, first, S.PENDING_REVIEW)
    assert await _move(ctx, first, S.PASSED)
    with pytest.raises(ResultExists):  # a passed result is not resubmitted, only amended
        async with ctx.sessions.begin() as session:
            await save_result(session, result_input(assignment_id))
    async with ctx.sessions.begin() as session:
        await save_result(session, result_input(assignment_id, amendment_reason="整改期限笔误"))
    async with ctx.sessions() as session:
        view = await result_of(session, assignment_id)
        assert view is not None
        first_state = await review_store.state_of(session, first)
    assert (view.version, view.amendment_reason, view.state) == (2, "整改期限笔误", S.SUBMITTED)
    assert first_state == S.PASSED  # the original is kept as it was


async def test_steps_and_verdicts_cannot_be_changed_or_removed(ctx: AppContext) -> None:
    _, result_id = await _submitted(ctx)
    async with ctx.sessions.begin() as session:
        await review_store.add_verdict(session, result_id, "13060002", Verdict.CONFIRM, NOW)
    for change in (
        "UPDATE result_transitions SET to_state = 'passed'",
        "UPDATE result_confirmations SET verdict = 'object'",
        "DELETE FROM result_transitions",
        "DELETE FROM result_confirmations",
    ):
        with pytest.raises(DBAPIError, match="append-only"):
            async with ctx.engine.begin() as connection:
                await connection.execute(text(change))


async def test_only_a_passed_check_keeps_its_target_out_of_the_next_draw(ctx: AppContext) -> None:
    assignment_id, result_id = await _submitted(ctx)  # checked on 2026-11-03
    since = date(2026, 10, 1)
    async with ctx.sessions() as session:
        assert await draw_store.checked_since(session, since) == set()  # not reviewed yet
    assert await _move(ctx, result_id, S.PENDING_REVIEW)
    assert await _move(ctx, result_id, S.PASSED)
    async with ctx.sessions() as session:
        code = (await result_of(session, assignment_id)).credit_code  # type: ignore[union-attr]
        assert await draw_store.checked_since(session, since) == {code}
        assert await draw_store.checked_since(session, date(2026, 11, 4)) == set()


async def test_a_held_version_keeps_a_second_confirmation_waiting_until_the_first_is_in(
    ctx: AppContext,
) -> None:
    """Under READ COMMITTED two members confirming at once would each miss the other's verdict
    (and under "all" neither would send it to review): the second waits for the first."""
    if ctx.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: SQLite's writers take turns at the write gate")
    _, result_id = await _submitted(ctx)
    seen: list[int] = []
    async with ctx.sessions.begin() as first:
        await review_store.hold_version(first, result_id)
        await review_store.add_verdict(first, result_id, "13060002", Verdict.CONFIRM, NOW)

        async def second() -> None:
            async with ctx.sessions.begin() as session:
                await review_store.hold_version(session, result_id)
                seen.append(len(await review_store.verdicts(session, result_id)))

        waiting = asyncio.create_task(second())
        await asyncio.sleep(0.3)
        assert not waiting.done()  # held
    await asyncio.wait_for(waiting, 5)
    assert seen == [1]  # it counted the first member's verdict
