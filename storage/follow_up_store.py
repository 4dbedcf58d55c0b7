"""Follow-ups in the database: the open ones of the results in force (one query, for /followups,
办结 and the reminders), who may close one, and closing it by compare-and-set.

The caller owns the transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TypeAlias

from sqlalchemy import Exists, ScalarSelect, Select, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from spotcheck.follow_up import FollowUpState, closable
from spotcheck.inspection import FollowUpKind, ResultState
from spotcheck.states import MemberState, PersonKind
from storage import review_store
from storage.assignment_store import assignment_in_force, team_in_force
from storage.bot_models import TelegramAccount
from storage.draw_models import Assignment, AssignmentMember
from storage.models import Target, as_utc
from storage.result_models import FollowUp, InspectionResult


@dataclass(frozen=True)
class OpenFollowUp:
    """An open follow-up of a result in force, with what its messages name."""

    id: int
    kind: FollowUpKind
    deadline: date | None
    agency: str | None
    result_id: int
    assignment_id: int
    target_name: str
    region_code: str  # the target's county


@dataclass(frozen=True)
class ClosedFollowUp:
    id: int
    closed_by: str
    closed_at: datetime  # UTC
    close_note: str


def _latest_version() -> ScalarSelect[int | None]:
    later = aliased(InspectionResult)
    return (
        select(func.max(later.version))
        .where(later.assignment_id == InspectionResult.assignment_id)
        .correlate(InspectionResult)
        .scalar_subquery()
    )


# (A string: SQLAlchemy 2.0's Select takes one type argument at run time, 2.1's several.)
_OpenRows: TypeAlias = "Select[FollowUp, int, str, str]"


def _open_query() -> _OpenRows:
    """Open follow-ups of the latest result version of an assignment in force."""
    query: _OpenRows = (
        select(FollowUp, InspectionResult.assignment_id, Target.name, Target.region_code)
        .join(InspectionResult, InspectionResult.id == FollowUp.result_id)
        .join(Assignment, Assignment.id == InspectionResult.assignment_id)
        .outerjoin(Target, Target.credit_code == Assignment.credit_code)
        .where(FollowUp.state == FollowUpState.OPEN.value)
        .where(assignment_in_force())
        .where(InspectionResult.version == _latest_version())
        .order_by(FollowUp.deadline.is_(None), FollowUp.deadline, FollowUp.id)
    )
    return query


def _accepted_member(cert_no: str) -> Exists:
    """The inspector ``cert_no`` has accepted his place on the assignment's team in force."""
    return (
        select(AssignmentMember.id)
        .where(
            AssignmentMember.assignment_id == Assignment.id,
            AssignmentMember.person_key == cert_no,
            AssignmentMember.person_kind == PersonKind.INSPECTOR,
            AssignmentMember.state == MemberState.ACCEPTED,
        )
        .correlate(Assignment)
        .exists()
    )


async def open_in_force(
    session: AsyncSession,
    *,
    closer: str | None = None,
    ids: list[int] | None = None,
    rectify_due_by: date | None = None,
) -> list[OpenFollowUp]:
    """The open follow-ups that may be closed (see spotcheck.follow_up.closable): those
    ``closer`` may close, these ``ids``, or the 责令整改 due by a day; nearest deadline first."""
    query = _open_query()
    if closer is not None:
        query = query.where(_accepted_member(closer))
    if ids is not None:
        query = query.where(FollowUp.id.in_(ids))
    if rectify_due_by is not None:
        query = query.where(
            FollowUp.kind == FollowUpKind.RECTIFY.value, FollowUp.deadline <= rectify_due_by
        )
    rows = (await session.execute(query)).all()
    states = await review_store.states_of(session, {f.result_id for f, *_ in rows})
    return [
        OpenFollowUp(
            f.id,
            FollowUpKind(f.kind),
            f.deadline,
            f.agency,
            f.result_id,
            assignment_id,
            name or "",
            region or "",
        )
        for f, assignment_id, name, region in rows
        if closable(
            FollowUpState(f.state), states.get(f.result_id, ResultState.SUBMITTED), latest=True
        )
    ]


async def closed(session: AsyncSession, follow_up_id: int, member: str) -> ClosedFollowUp | None:
    """The follow-up, if it is closed and ``member`` has accepted his place on its team in
    force (to anyone else it does not say whether it exists)."""
    row = await session.scalar(
        select(FollowUp)
        .join(InspectionResult, InspectionResult.id == FollowUp.result_id)
        .join(Assignment, Assignment.id == InspectionResult.assignment_id)
        .where(FollowUp.id == follow_up_id, FollowUp.state == FollowUpState.CLOSED.value)
        .where(assignment_in_force(), _accepted_member(member))
    )
    if row is None or row.closed_at is None:
        return None
    return ClosedFollowUp(row.id, row.closed_by or "", as_utc(row.closed_at), row.close_note)


async def closers(session: AsyncSession, assignment_id: int) -> list[tuple[str, TelegramAccount]]:
    """(cert no, account) of those who may close the assignment's follow-ups and can be told:
    the inspectors who accepted their place on its team in force, bound and reachable."""
    rows = await session.execute(
        select(AssignmentMember.person_key, TelegramAccount)
        .join(Assignment, Assignment.id == AssignmentMember.assignment_id)
        .join(TelegramAccount, TelegramAccount.cert_no == AssignmentMember.person_key)
        .where(Assignment.id == assignment_id, team_in_force())
        .where(
            AssignmentMember.person_kind == PersonKind.INSPECTOR,
            AssignmentMember.state == MemberState.ACCEPTED,
            TelegramAccount.reachable,
        )
        .order_by(AssignmentMember.id)
    )
    return [(cert, account) for cert, account in rows]


async def close(
    session: AsyncSession, follow_up_id: int, closed_by: str, at: datetime, note: str
) -> bool:
    """未完结 → 已完结 with who, when and the note, by compare-and-set: False when it was not
    open any more (closed by another member a moment ago)."""
    done = await session.execute(
        update(FollowUp)
        .where(FollowUp.id == follow_up_id, FollowUp.state == FollowUpState.OPEN.value)
        .values(
            state=FollowUpState.CLOSED.value, closed_by=closed_by, closed_at=at, close_note=note
        )
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(done, "rowcount", 0) == 1)
