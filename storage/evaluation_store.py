"""What the county evaluation (稽查考核) counts beyond the statistics table, as SQL aggregates
per county of the target (checks at either level, as the county digest and
``publication_store`` count them): the submissions, the review's verdicts, problems without a
photo, the 责令整改 deadlines. The results to publish and those late are publication_store's."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from spotcheck.evaluation import Ratio
from spotcheck.follow_up import CORRECTION_PHOTO_NOTE
from spotcheck.inspection import PROBLEM_CATEGORIES, FollowUpKind, ResultState
from spotcheck.reminders import Duty
from storage.assignment_store import assignment_in_force
from storage.draw_models import Assignment
from storage.models import Target, as_utc
from storage.result_models import (
    Evidence,
    FollowUp,
    InspectionResult,
    ResultTransition,
)
from storage.schedule_models import Submission
from storage.statistics_store import current_versions, version_states


def _quarter_checks(quarter: str) -> Any:
    """The quarter's assignments in force with the county of their target."""
    return (
        select(Assignment.id, Target.region_code)
        .join(Target, Target.credit_code == Assignment.credit_code)
        .where(Assignment.quarter == quarter, assignment_in_force())
        .subquery("checks")
    )


def _with_current_results(query: Any, checks: Any, quarter: str) -> Any:
    """``query`` over the quarter's checks joined to their current result version (the latest
    one not sent back): its InspectionResult columns are the check's findings."""
    current = current_versions(version_states(quarter))
    return (
        query.select_from(checks)
        .join(current, current.c.assignment_id == checks.c.id)
        .join(
            InspectionResult,
            and_(
                InspectionResult.assignment_id == current.c.assignment_id,
                InspectionResult.version == current.c.version,
            ),
        )
    )


async def submitted_at(session: AsyncSession, quarter: str) -> dict[tuple[str, Duty], datetime]:
    """When each county sent each duty of the quarter (UTC)."""
    rows = await session.execute(
        select(Submission.county, Submission.duty, Submission.submitted_at).where(
            Submission.quarter == quarter
        )
    )
    return {(county, Duty(duty)): as_utc(at) for county, duty, at in rows}


async def review_verdicts(session: AsyncSession, quarter: str) -> dict[str, Ratio]:
    """Per county: result versions returned in review (审核退回), of the versions reviewed
    (returned or passed)."""
    checks = _quarter_checks(quarter)
    returned = ResultTransition.to_state == ResultState.RETURNED.value
    rows = await session.execute(
        select(checks.c.region_code, func.sum(case((returned, 1), else_=0)), func.count())
        .select_from(ResultTransition)
        .join(InspectionResult, InspectionResult.id == ResultTransition.result_id)
        .join(checks, checks.c.id == InspectionResult.assignment_id)
        .where(
            ResultTransition.to_state.in_((ResultState.RETURNED.value, ResultState.PASSED.value))
        )
        .group_by(checks.c.region_code)
    )
    return {county: Ratio(int(part), int(whole)) for county, part, whole in rows}


async def problems_without_photo(session: AsyncSession, quarter: str) -> dict[str, Ratio]:
    """Per county: checks whose current version records a problem (发现问题…) and whose
    assignment holds no photo — correction photos of a 责令整改 closed later do not count —
    of the checks recording a problem."""
    checks = _quarter_checks(quarter)
    photo = (
        select(Evidence.id)
        .where(Evidence.assignment_id == checks.c.id, Evidence.note != CORRECTION_PHOTO_NOTE)
        .exists()
    )
    rows = await session.execute(
        _with_current_results(
            select(checks.c.region_code, func.sum(case((~photo, 1), else_=0)), func.count()),
            checks,
            quarter,
        )
        .where(InspectionResult.category.in_([c.value for c in PROBLEM_CATEGORIES]))
        .group_by(checks.c.region_code)
    )
    return {county: Ratio(int(part), int(whole)) for county, part, whole in rows}


async def rectify_deadlines(
    session: AsyncSession, quarter: str
) -> list[tuple[str, date, datetime | None]]:
    """(county, deadline, closed at or None) of every 责令整改 with a deadline ordered by the
    current versions of the quarter's checks."""
    checks = _quarter_checks(quarter)
    rows = await session.execute(
        _with_current_results(
            select(checks.c.region_code, FollowUp.deadline, FollowUp.closed_at), checks, quarter
        )
        .join(FollowUp, FollowUp.result_id == InspectionResult.id)
        .where(FollowUp.kind == FollowUpKind.RECTIFY.value, FollowUp.deadline.is_not(None))
        .order_by(FollowUp.id)
    )
    return [
        (county, deadline, None if closed is None else as_utc(closed))
        for county, deadline, closed in rows
    ]
