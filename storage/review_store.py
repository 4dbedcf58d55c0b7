"""The review chain in the database: where each result version stands (its last transition),
moving it, the members' 确认 / 有异议, and the latest version of an assignment's result.

The caller owns the transaction. A move or a verdict that loses a race (two reviewers pressing
通过 at once, a member pressing twice) is refused by a unique key and rolls back only its
savepoint: the function says False and nothing changed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, ScalarSelect, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute, aliased

from spotcheck.inspection import ResultState
from spotcheck.review import Verdict, may_move
from storage.models import as_utc
from storage.result_models import InspectionResult, ResultConfirmation, ResultTransition

SYSTEM = "system"  # the actor of a move no person made (enough members confirmed)


@dataclass(frozen=True)
class Step:
    from_state: ResultState | None
    to_state: ResultState
    actor: str
    reason: str
    at: datetime  # UTC


@dataclass(frozen=True)
class MemberVerdict:
    cert_no: str
    verdict: Verdict
    reason: str
    at: datetime  # UTC


@dataclass(frozen=True)
class Version:
    result_id: int
    version: int
    state: ResultState
    submitted_by: str
    assignment_id: int = 0
    answers: dict[str, Any] | None = None  # the form's, as submitted (to open it again)


async def states_of(session: AsyncSession, result_ids: Iterable[int]) -> dict[int, ResultState]:
    """Each version's state: the target of its last transition."""
    ids = list(result_ids)
    if not ids:
        return {}
    last = (
        select(ResultTransition.result_id, func.max(ResultTransition.id).label("last"))
        .where(ResultTransition.result_id.in_(ids))
        .group_by(ResultTransition.result_id)
        .subquery()
    )
    rows = await session.execute(
        select(ResultTransition.result_id, ResultTransition.to_state).join(
            last, ResultTransition.id == last.c.last
        )
    )
    return {result_id: ResultState(state) for result_id, state in rows}


async def state_of(session: AsyncSession, result_id: int) -> ResultState | None:
    return (await states_of(session, [result_id])).get(result_id)


async def begin(session: AsyncSession, result_id: int, actor: str, at: datetime) -> None:
    """A version just written: its first step (→ 已提交)."""
    session.add(
        ResultTransition(
            result_id=result_id, from_state=None, to_state=ResultState.SUBMITTED, actor=actor, at=at
        )
    )
    await session.flush()


async def move(
    session: AsyncSession,
    result_id: int,
    to: ResultState,
    actor: str,
    at: datetime,
    reason: str = "",
) -> bool:
    """The version moved to ``to``, if the chain allows it from where it stands now; whether
    it moved (False: it was elsewhere, or another move won the race)."""
    current = await state_of(session, result_id)
    if current is None or not may_move(current, to):
        return False
    try:
        async with session.begin_nested():
            session.add(
                ResultTransition(
                    result_id=result_id,
                    from_state=current,
                    to_state=to,
                    actor=actor,
                    reason=reason,
                    at=at,
                )
            )
            await session.flush()
    except IntegrityError:
        return False
    return True


async def steps_of(session: AsyncSession, result_ids: Iterable[int]) -> dict[int, list[Step]]:
    """Each of these versions' steps, oldest first (one query however many)."""
    ids = list(result_ids)
    found: dict[int, list[Step]] = {i: [] for i in ids}
    if not ids:
        return found
    rows = await session.scalars(
        select(ResultTransition)
        .where(ResultTransition.result_id.in_(ids))
        .order_by(ResultTransition.id)
    )
    for r in rows:
        found[r.result_id].append(
            Step(
                ResultState(r.from_state) if r.from_state else None,
                ResultState(r.to_state),
                r.actor,
                r.reason,
                as_utc(r.at),
            )
        )
    return found


async def steps(session: AsyncSession, result_id: int) -> list[Step]:
    return (await steps_of(session, [result_id]))[result_id]


async def add_verdict(
    session: AsyncSession,
    result_id: int,
    cert_no: str,
    verdict: Verdict,
    at: datetime,
    reason: str = "",
) -> bool:
    """A member's 确认 or 有异议; False when he gave one already (each gives one)."""
    try:
        async with session.begin_nested():
            session.add(
                ResultConfirmation(
                    result_id=result_id,
                    cert_no=cert_no,
                    verdict=verdict.value,
                    reason=reason,
                    at=at,
                )
            )
            await session.flush()
    except IntegrityError:
        return False
    return True


async def verdicts_of(
    session: AsyncSession, result_ids: Iterable[int]
) -> dict[int, list[MemberVerdict]]:
    """Each of these versions' verdicts, in the order given (one query however many)."""
    ids = list(result_ids)
    found: dict[int, list[MemberVerdict]] = {i: [] for i in ids}
    if not ids:
        return found
    rows = await session.scalars(
        select(ResultConfirmation)
        .where(ResultConfirmation.result_id.in_(ids))
        .order_by(ResultConfirmation.id)
    )
    for r in rows:
        found[r.result_id].append(
            MemberVerdict(r.cert_no, Verdict(r.verdict), r.reason, as_utc(r.at))
        )
    return found


async def verdicts(session: AsyncSession, result_id: int) -> list[MemberVerdict]:
    return (await verdicts_of(session, [result_id]))[result_id]


_VERSION_COLUMNS = (
    InspectionResult.id,
    InspectionResult.version,
    InspectionResult.submitted_by,
    InspectionResult.assignment_id,
    InspectionResult.answers,
)


async def _version(session: AsyncSession, row: Any) -> Version | None:
    if row is None:
        return None
    state = await state_of(session, row[0])
    answers = dict(row[4]) if row[4] is not None else None
    return Version(row[0], row[1], state or ResultState.SUBMITTED, row[2], row[3], answers)


async def latest_version(session: AsyncSession, assignment_id: int) -> Version | None:
    """The assignment's latest result version, with where it stands."""
    row = (
        await session.execute(
            select(*_VERSION_COLUMNS)
            .where(InspectionResult.assignment_id == assignment_id)
            .order_by(InspectionResult.version.desc())
            .limit(1)
        )
    ).first()
    return await _version(session, row)


async def version_of(session: AsyncSession, result_id: int) -> Version | None:
    """One result version by its id, with where it stands (None: no such version)."""
    row = (
        await session.execute(select(*_VERSION_COLUMNS).where(InspectionResult.id == result_id))
    ).first()
    return await _version(session, row)


# --- issue 10: stages everywhere ---


def latest_state_of(
    assignment_id: ColumnElement[int] | InstrumentedAttribute[int],
) -> ScalarSelect[str]:
    """The state of the assignment's latest result version, as a column correlated on
    ``assignment_id`` (NULL without a result): one query lists many assignments' stages. The
    version's last transition, else the state written with it."""
    version = aliased(InspectionResult)  # its own: the caller may join results too
    step = aliased(ResultTransition)
    last_step = (
        select(step.to_state)
        .where(step.result_id == version.id)
        .order_by(step.id.desc())
        .limit(1)
        .correlate(version)
        .scalar_subquery()
    )
    return (
        select(func.coalesce(last_step, version.state))
        .where(version.assignment_id == assignment_id)
        .order_by(version.version.desc())
        .limit(1)
        .scalar_subquery()
    )


async def latest_states(
    session: AsyncSession, assignment_ids: Iterable[int]
) -> dict[int, ResultState]:
    """Each of these assignments' latest result version's state (those with a result)."""
    ids = sorted(set(assignment_ids))
    if not ids:
        return {}
    rows = await session.execute(
        select(InspectionResult.assignment_id, InspectionResult.id, InspectionResult.state)
        .where(InspectionResult.assignment_id.in_(ids))
        .order_by(InspectionResult.version)
    )
    latest = {a: (r, s) for a, r, s in rows}
    states = await states_of(session, [r for r, _ in latest.values()])
    return {a: states.get(r, ResultState(s)) for a, (r, s) in latest.items()}


# --- issue 10: reminders of results waiting for review ---


@dataclass(frozen=True)
class Waiting:
    result_id: int
    since: datetime  # UTC: when it went to 待审核


async def waiting_for_review(session: AsyncSession) -> list[Waiting]:
    """The versions standing in 待审核, each with when it got there (a version leaves a state
    once: a later step from 待审核 means it moved on)."""
    left = aliased(ResultTransition)
    rows = await session.execute(
        select(ResultTransition.result_id, ResultTransition.at)
        .where(
            ResultTransition.to_state == ResultState.PENDING_REVIEW,
            ~select(left.id)
            .where(
                left.result_id == ResultTransition.result_id,
                left.from_state == ResultState.PENDING_REVIEW,
            )
            .exists(),
        )
        .order_by(ResultTransition.result_id)
    )
    return [Waiting(result_id, as_utc(at)) for result_id, at in rows]


async def hold_version(session: AsyncSession, result_id: int) -> None:
    """The version's row locked until the caller's transaction ends (PostgreSQL; SQLite's
    writers take turns anyway): two members confirming at once then count each other's
    verdict, and one of them moves it on."""
    await session.execute(
        select(InspectionResult.id).where(InspectionResult.id == result_id).with_for_update()
    )
