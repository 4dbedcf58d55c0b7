"""Where many assignments stand at once, for the digests and the statistics reminder: each
group's stage (its members' acceptance, an open inspection draft, its latest result version's
state) and the follow-ups of its result, in two queries whatever the number of groups."""

from __future__ import annotations

from datetime import date

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from spotcheck.inspection import FollowUpKind, ResultState
from spotcheck.quota import TaskKind
from spotcheck.stages import StageCounts, count_stages
from spotcheck.states import MemberState, PersonKind, TaskState
from storage import review_store
from storage.assignment_store import assignment_in_force, inspection_drafted, on_team
from storage.draw_models import Assignment, AssignmentMember
from storage.models import Target
from storage.result_models import FollowUp, InspectionResult

# A version sent back is not the record: its follow-ups wait for the resubmitted one.
_SENT_BACK = (ResultState.OBJECTED, ResultState.RETURNED)


def _someone_to_accept() -> ColumnElement[bool]:
    """An inspector on the group's team has not accepted yet."""
    member = aliased(AssignmentMember)
    return (
        select(member.id)
        .where(
            member.assignment_id == Assignment.id,
            member.person_kind == PersonKind.INSPECTOR,
            member.state == MemberState.ASSIGNED,
            on_team(member),
        )
        .exists()
    )


def _stage_rows(where: ColumnElement[bool]) -> Select[int, bool, bool, str | None]:
    return select(
        Assignment.id,
        _someone_to_accept(),
        inspection_drafted(),
        review_store.latest_state_of(Assignment.id),
    ).where(assignment_in_force(), Assignment.kind == TaskKind.ONSITE, where)


async def counts(
    session: AsyncSession,
    where: ColumnElement[bool],
    today: date,
    follow_ups_of: ColumnElement[bool] | None = None,
) -> StageCounts:
    """The stages of the on-site assignments in force that ``where`` selects, and the open and
    overdue follow-ups of the latest result versions (not of one sent back) of those that
    ``follow_ups_of`` selects (default: the same)."""
    stages = [
        TaskState.of(
            MemberState.ASSIGNED if waiting else MemberState.ACCEPTED,
            bool(drafting),
            ResultState(state) if state else None,
        )
        for _, waiting, drafting, state in await session.execute(_stage_rows(where))
    ]
    other = aliased(InspectionResult)
    newest = (
        select(func.max(other.version))
        .where(other.assignment_id == Assignment.id)
        .correlate(Assignment)
        .scalar_subquery()
    )
    rows = await session.execute(
        select(
            FollowUp.kind,
            FollowUp.deadline,
            FollowUp.state,
            review_store.latest_state_of(Assignment.id),
        )
        .select_from(Assignment)
        .join(InspectionResult, InspectionResult.assignment_id == Assignment.id)
        .join(FollowUp, FollowUp.result_id == InspectionResult.id)
        .where(assignment_in_force(), Assignment.kind == TaskKind.ONSITE)
        .where(where if follow_ups_of is None else follow_ups_of)
        .where(InspectionResult.version == newest)
    )
    follow_ups = [
        (FollowUpKind(kind), deadline, state)
        for kind, deadline, state, latest in rows
        if latest not in _SENT_BACK
    ]
    return count_stages(stages, follow_ups, today)


def led_by(cert_no: str) -> ColumnElement[bool]:
    """The groups he leads, any quarter (their follow-ups may still be open)."""
    led = select(AssignmentMember.assignment_id).where(
        AssignmentMember.person_key == cert_no, AssignmentMember.is_lead, on_team()
    )
    return Assignment.id.in_(led)


def led_now(cert_no: str, quarter: str, today: date) -> ColumnElement[bool]:
    """The groups his digest follows: this quarter's, plus older ones with a check overdue
    (as assignment_store.led_groups)."""
    overdue = Assignment.checked_on.is_(None) & (Assignment.due_date < today)
    return led_by(cert_no) & ((Assignment.quarter == quarter) | overdue)


def of_county(county: str, quarter: str | None = None) -> ColumnElement[bool]:
    """A county's targets' checks, at any level: one quarter's, or (None) all."""
    in_county = Assignment.credit_code.in_(
        select(Target.credit_code).where(Target.region_code == county)
    )
    return in_county if quarter is None else in_county & (Assignment.quarter == quarter)
