"""Stages counted for the digests and the statistics reminder: each on-site check's stage
(待接受 … 通过) and the follow-ups open and overdue of its latest result version, against a
real database at fixed moments; and the overdue rule itself."""

from __future__ import annotations

from datetime import UTC, date, datetime

from bot.context import AppContext
from bot.services import assignments, digests, reporting
from bot.services.identity import Person
from spotcheck.deadlines import Quarter
from spotcheck.inspection import FollowUpKind, ResultState
from spotcheck.roles import Role
from spotcheck.stages import StageCounts, count_stages, follow_up_overdue
from spotcheck.states import FormKind, TaskState
from storage import result_store, review_store
from storage.draft_models import FormDraft
from storage.result_store import FollowUpInput
from tests.factories_results import result_input
from tests.test_reporting_service import (
    JINGXIU,
    at,
    county_team,
    draw_2024q1,
    members,
    said,
    stages_line,
)

TODAY = date(2024, 3, 20)
MOVED = datetime(2024, 3, 6, 2, 0, tzinfo=UTC)


def test_a_rectification_is_overdue_only_after_its_deadline_day_while_open() -> None:
    rectify, deadline = FollowUpKind.RECTIFY, date(2024, 3, 19)
    assert follow_up_overdue(rectify, deadline, "open", TODAY)
    assert not follow_up_overdue(rectify, TODAY, "open", TODAY)  # the deadline day is in time
    assert not follow_up_overdue(rectify, deadline, "closed", TODAY)
    assert not follow_up_overdue(FollowUpKind.CASE, None, "open", TODAY)


def test_every_stage_is_counted_even_when_none_stands_there() -> None:
    counts = count_stages(
        [TaskState.PASSED, TaskState.PASSED, TaskState.RETURNED],
        [
            (FollowUpKind.RECTIFY, date(2024, 3, 1), "open"),
            (FollowUpKind.TRANSFER, None, "open"),
            (FollowUpKind.RECTIFY, date(2024, 3, 1), "closed"),
        ],
        TODAY,
    )
    assert dict(counts.stages) == {s: 0 for s in TaskState} | {
        TaskState.PASSED: 2,
        TaskState.RETURNED: 1,
    }
    assert (counts.total, counts.open_follow_ups, counts.overdue_follow_ups) == (3, 2, 1)
    assert StageCounts().total == 0


async def submit(
    ctx: AppContext, assignment_id: int, by: str, *moves: ResultState, **overrides: object
) -> int:
    """A result version of the assignment (without follow-ups unless given), moved along the
    chain."""
    overrides.setdefault("follow_ups", ())
    async with ctx.sessions() as session, session.begin():
        data = result_input(
            assignment_id, submitted_by=by, checked_on=date(2024, 3, 5), **overrides
        )
        result_id = await result_store.save_result(session, data)
        for to in moves:
            assert await review_store.move(session, result_id, to, "13060001", MOVED)
    return result_id


async def arrange(ctx: AppContext) -> tuple[dict[str, Person], list[int]]:
    """2024Q1's special-class checks of 竞秀区 at every stage: [accepted, inspecting, submitted,
    pending review, returned, passed, resubmitted after an objection], the rest to accept."""
    team = await county_team(ctx)
    await draw_2024q1(ctx)
    rows = [m for m in await members(ctx) if m[3] == "onsite"]
    groups = sorted({m[0] for m in rows})
    assert len(groups) >= 7
    first_member = {g: next(m[1] for m in rows if m[0] == g) for g in groups}
    for g in groups[:2]:
        for _, cert, *_ in [m for m in rows if m[0] == g]:
            await assignments.accept(ctx, team[cert], g)
    async with ctx.sessions() as session, session.begin():
        session.add(
            FormDraft(
                user_id=team[first_member[groups[1]]].user_id,
                kind=FormKind.INSPECTION,
                subject=str(groups[1]),
                data={},
            )
        )
    by = {g: first_member[g] for g in groups}
    await submit(ctx, groups[2], by[groups[2]])
    await submit(ctx, groups[3], by[groups[3]], ResultState.PENDING_REVIEW)
    # returned: its follow-ups are not the record until it is resubmitted
    await submit(ctx, groups[4], by[groups[4]], ResultState.PENDING_REVIEW, ResultState.RETURNED)
    # passed, a rectification overdue (due 03-19) and a transfer open
    await submit(
        ctx,
        groups[5],
        by[groups[5]],
        ResultState.PENDING_REVIEW,
        ResultState.PASSED,
        follow_ups=(
            FollowUpInput(FollowUpKind.RECTIFY, deadline=date(2024, 3, 19)),
            FollowUpInput(FollowUpKind.TRANSFER, agency="保定市应急管理局"),
        ),
    )
    # objected to, then resubmitted: the new version counts, with its one rectification in time
    await submit(ctx, groups[6], by[groups[6]], ResultState.OBJECTED)
    await submit(
        ctx,
        groups[6],
        by[groups[6]],
        follow_ups=(FollowUpInput(FollowUpKind.RECTIFY, deadline=date(2024, 3, 30)),),
    )
    return team, groups


async def test_county_digest_counts_each_stage_and_the_follow_ups(ctx: AppContext) -> None:
    team, groups = await arrange(ctx)
    expected = stages_line(
        to_accept=len(groups) - 7,
        accepted=1,
        inspecting=1,
        submitted=2,
        pending_review=1,
        returned=1,
        passed=1,
        open_follow_ups=3,
        overdue_follow_ups=1,
    )
    [admin] = [p for p in team.values() if p.role is Role.COUNTY_ADMIN]
    async with ctx.sessions() as session:
        counts = await digests.county_stages(session, JINGXIU, Quarter.parse("2024Q1"), TODAY)
    assert counts.total == len(groups)
    shown = await digests.digest_for(ctx, admin, at(2024, 3, 20))
    assert shown.endswith(f"\n本区县对象现场检查（市、县两级）{len(groups)} 家\n{expected}")
    # the next Monday's weekly digest says the same
    assert await digests.send_county_digests(ctx, at(2024, 3, 25, 8, 30)) == 1
    assert (await said(ctx, admin.chat_id, "【周报】"))[-1] == shown
    # a day later the transfer's rectification is still overdue, the in-time one not yet
    async with ctx.sessions() as session:
        later = await digests.county_stages(
            session, JINGXIU, Quarter.parse("2024Q1"), date(2024, 3, 31)
        )
    assert (later.open_follow_ups, later.overdue_follow_ups) == (3, 2)


async def test_lead_digest_counts_his_groups_stages_and_goes_daily_while_a_follow_up_is_overdue(
    ctx: AppContext,
) -> None:
    team, groups = await arrange(ctx)
    rows = [m for m in await members(ctx) if m[3] == "onsite"]
    leads = {g: next(cert for a, cert, lead, *_ in rows if a == g and lead) for g in groups}
    lead = leads[groups[5]]  # the passed group's lead: its rectification is overdue
    mine = [g for g in groups if leads[g] == lead]
    progress = await digests.digest_for(ctx, team[lead], at(2024, 3, 20))
    stages = dict(
        part.rsplit(" ", 1) for part in progress.split("\n")[-2].removeprefix("阶段：").split(" · ")
    )
    assert sum(int(n) for n in stages.values()) == len(mine)
    assert stages["通过"] == str(sum(1 for g in mine if g == groups[5]))
    assert "逾期 1" in progress.split("\n")[-1]
    chat = team[lead].chat_id
    assert await digests.send_lead_digests(ctx, at(2024, 3, 20, 8, 30)) >= 1
    assert await digests.send_lead_digests(ctx, at(2024, 3, 21, 8, 30)) >= 1  # overdue: daily
    assert len(await said(ctx, chat, "【组长日报】")) == 2


async def test_statistics_reminder_names_the_countys_numbers_for_the_quarter(
    ctx: AppContext,
) -> None:
    team, groups = await arrange(ctx)
    [admin] = [p for p in team.values() if p.role is Role.COUNTY_ADMIN]
    await reporting.send_reminders(ctx, at(2024, 3, 27))
    [summary] = await said(ctx, admin.chat_id, "【报送提醒】竞秀区：2024Q1 季度工作总结")
    assert "阶段：" not in summary  # the summary has no table to fill
    await reporting.send_reminders(ctx, at(2024, 4, 1))
    *_, statistics = await said(ctx, admin.chat_id, "【报送提醒】竞秀区：2024Q1 季度统计表")
    # on 04-01 the transfer and both rectifications are open, two of them past their deadline;
    # then the county's rows of the statistics table (issue 11): the passed check among them
    assert statistics.endswith(
        f"\n本区县 2024Q1 现场检查 {len(groups)} 家\n"
        + stages_line(
            to_accept=len(groups) - 7,
            accepted=1,
            inspecting=1,
            submitted=2,
            pending_review=1,
            returned=1,
            passed=1,
            open_follow_ups=3,
            overdue_follow_ups=2,
        )
        + "\n本区县 2024Q1 统计表（与导出的 Excel 一致）："
        + f"\n特殊 已抽 {len(groups)}/应抽 7 · 已通过 1 · 完成率 14.3%"
        + "\n重点 已抽 0/应抽 16 · 已通过 0 · 完成率 0.0%"
        + "\n一般 已抽 0/应抽 4 · 已通过 0 · 完成率 0.0%"
    )
