"""What a target's history holds (违法记录 feeds the credit record): its passed on-site checks
and the problems they found, derived from the append-only result tables — no table of its own.

A check counts once its result passed review (a version that reached 通过). A violation is an
assignment whose latest passed version found a problem: a 发现问题… category, or an item
answered 发现问题. An amendment that passed after it speaks for the check instead.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from spotcheck.inspection import PROBLEM_CATEGORIES, FollowUpKind, ItemAnswer, ResultCategory
from spotcheck.inspection import ResultState as State
from spotcheck.quota import TaskKind
from storage.draw_models import Assignment
from storage.result_models import FollowUp, InspectionResult, ItemResult, ResultTransition


@dataclass(frozen=True)
class ViolationFollowUp:
    kind: FollowUpKind
    deadline: date | None
    state: str  # open | closed …


@dataclass(frozen=True)
class Violation:
    """A problem found at a target: the check's day, the result's category, its follow-ups."""

    credit_code: str
    checked_on: date  # Assignment.checked_on: the day of the check-in
    category: ResultCategory
    assignment_id: int
    result_id: int
    follow_ups: tuple[ViolationFollowUp, ...] = ()


def version_passed() -> ColumnElement[bool]:
    """The result version reached 通过 (a transition to it; 通过 is final)."""
    return (
        select(ResultTransition.id)
        .where(
            ResultTransition.result_id == InspectionResult.id,
            ResultTransition.to_state == State.PASSED,
        )
        .exists()
    )


def _problem_item() -> ColumnElement[bool]:
    return (
        select(ItemResult.id)
        .where(ItemResult.result_id == InspectionResult.id, ItemResult.answer == ItemAnswer.PROBLEM)
        .exists()
    )


def _checked(credit_codes: Collection[str] | None) -> ColumnElement[bool]:
    """On-site checks with a day, of these targets (None: all)."""
    where = (Assignment.kind == TaskKind.ONSITE) & Assignment.checked_on.is_not(None)
    if credit_codes is not None:
        where = where & Assignment.credit_code.in_(sorted(credit_codes))
    return where


async def violations(
    session: AsyncSession, credit_codes: Collection[str] | None = None
) -> list[Violation]:
    """The violations of these targets (None: every target), newest check first."""
    if credit_codes is not None and not credit_codes:
        return []
    rows = await session.execute(
        select(
            InspectionResult.id,
            InspectionResult.assignment_id,
            InspectionResult.category,
            _problem_item(),
            Assignment.credit_code,
            Assignment.checked_on,
        )
        .join(Assignment, Assignment.id == InspectionResult.assignment_id)
        .where(_checked(credit_codes), version_passed())
        .order_by(InspectionResult.assignment_id, InspectionResult.version)
    )
    latest = {row[1]: row for row in rows}  # the assignment's latest passed version
    found = [
        Violation(code, day, ResultCategory(category), assignment_id, result_id)
        for result_id, assignment_id, category, problem_item, code, day in latest.values()
        if day is not None and (category in PROBLEM_CATEGORIES or problem_item)
    ]
    if not found:
        return []
    follow_ups: dict[int, list[ViolationFollowUp]] = {}
    for result_id, kind, deadline, state in await session.execute(
        select(FollowUp.result_id, FollowUp.kind, FollowUp.deadline, FollowUp.state)
        .where(FollowUp.result_id.in_([v.result_id for v in found]))
        .order_by(FollowUp.id)
    ):
        follow_ups.setdefault(result_id, []).append(
            ViolationFollowUp(FollowUpKind(kind), deadline, state)
        )
    return sorted(
        (
            Violation(
                v.credit_code,
                v.checked_on,
                v.category,
                v.assignment_id,
                v.result_id,
                tuple(follow_ups.get(v.result_id, ())),
            )
            for v in found
        ),
        key=lambda v: (v.checked_on, v.assignment_id),
        reverse=True,
    )


async def latest_violations(
    session: AsyncSession, credit_codes: Collection[str] | None = None
) -> dict[str, Violation]:
    """Each target's latest violation (those with one)."""
    latest: dict[str, Violation] = {}
    for v in await violations(session, credit_codes):
        latest.setdefault(v.credit_code, v)  # newest first
    return latest


async def violators_since(session: AsyncSession, since: date, before: date) -> set[str]:
    """Targets with a violation whose check day is on or after ``since`` and before
    ``before``."""
    return {
        v.credit_code
        for v in await violations(session)
        if since <= v.checked_on < before  # newest first: a short list in practice
    }


async def last_checked(
    session: AsyncSession, credit_codes: Collection[str] | None = None
) -> dict[str, date]:
    """Each target's latest passed on-site check's day (those checked)."""
    if credit_codes is not None and not credit_codes:
        return {}
    rows = await session.execute(
        select(Assignment.credit_code, func.max(Assignment.checked_on))
        .join(InspectionResult, InspectionResult.assignment_id == Assignment.id)
        .where(_checked(credit_codes), version_passed())
        .group_by(Assignment.credit_code)
    )
    return {code: day for code, day in rows if day is not None}
