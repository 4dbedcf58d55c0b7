"""一公开 as stored: each passed result version's publication deadline (kept once computed) and
the day it was published."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass
from datetime import date, datetime

from sqlalchemy import func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from spotcheck.inspection import ResultState
from storage.draw_models import Assignment
from storage.models import Target, as_utc
from storage.result_models import InspectionResult, Publication, ResultTransition


async def passed_without_deadline(session: AsyncSession) -> list[tuple[int, datetime]]:
    """(result id, moment it passed review) of the passed versions with no publication row."""
    rows = await session.execute(
        select(ResultTransition.result_id, ResultTransition.at)
        .outerjoin(Publication, Publication.result_id == ResultTransition.result_id)
        .where(ResultTransition.to_state == ResultState.PASSED.value)
        .where(Publication.id.is_(None))
        .order_by(ResultTransition.result_id)
    )
    return [(int(result_id), as_utc(at)) for result_id, at in rows]


@dataclass(frozen=True)
class Deadline:
    """A passed version's publication deadline, to be kept."""

    result_id: int
    formed_on: date
    deadline: date
    provisional: bool


async def keep_deadlines(session: AsyncSession, deadlines: list[Deadline]) -> None:
    """Each version's deadline, once, in one statement: a version another writer (another
    process) gave one meanwhile keeps the first's (INSERT … ON CONFLICT DO NOTHING)."""
    if not deadlines:
        return
    dialect = session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(Publication).on_conflict_do_nothing(index_elements=["result_id"])
    await session.execute(statement, [asdict(d) for d in deadlines])


async def mark_published(
    session: AsyncSession, result_ids: list[int], day: date, actor: str
) -> int:
    """Mark these versions published on ``day``, those not published before: a second
    ``publish`` keeps the first day. The number newly marked."""
    if not result_ids:
        return 0
    done = await session.execute(
        update(Publication)
        .where(Publication.result_id.in_(result_ids), Publication.published_on.is_(None))
        .values(published_on=day, published_by=actor)
    )
    return int(done.rowcount or 0)  # type: ignore[attr-defined]


async def late_by_county(
    session: AsyncSession, quarter: str, today: date, region: str | None = None
) -> Counter[str]:
    """Per county of the target: the quarter's passed versions published after their deadline,
    or still unpublished with the deadline passed (before ``today``). A passed version later
    amended by another that passed is not counted: only the check's latest passed version is
    published, so only its deadline can be missed."""
    later = aliased(InspectionResult)
    later_publication = aliased(Publication)
    superseded = (
        select(later_publication.id)
        .join(later, later.id == later_publication.result_id)
        .where(
            later.assignment_id == InspectionResult.assignment_id,
            later.version > InspectionResult.version,
        )
        .exists()
    )
    query = (
        select(Target.region_code, func.count(Publication.id))
        .join(InspectionResult, InspectionResult.id == Publication.result_id)
        .join(Assignment, Assignment.id == InspectionResult.assignment_id)
        .join(Target, Target.credit_code == Assignment.credit_code)
        .where(Assignment.quarter == quarter, ~superseded)
        .where(
            or_(
                Publication.published_on > Publication.deadline,
                Publication.published_on.is_(None) & (Publication.deadline < today),
            )
        )
        .group_by(Target.region_code)
    )
    if region is not None:
        query = query.where(Target.region_code == region)
    return Counter({county: int(n) for county, n in await session.execute(query)})
