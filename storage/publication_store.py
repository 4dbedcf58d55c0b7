"""一公开 as stored: each passed result version's publication deadline (kept once computed; a
provisional one revised until the version is published) and the day it was published."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement, Subquery, and_, bindparam, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from spotcheck.inspection import ResultState
from storage.assignment_store import assignment_in_force
from storage.draw_models import Assignment
from storage.models import Target, as_utc
from storage.result_models import InspectionResult, Publication, ResultTransition
from storage.violation_store import version_passed


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


async def provisional_unpublished(session: AsyncSession) -> list[Deadline]:
    """The kept deadlines reckoned on a Monday–Friday guess (the calendar not knowing the
    year) of versions not published yet: to be reckoned again once the year is configured."""
    rows = await session.execute(
        select(
            Publication.result_id,
            Publication.formed_on,
            Publication.deadline,
            Publication.provisional,
        )
        .where(Publication.provisional.is_(True), Publication.published_on.is_(None))
        .order_by(Publication.result_id)
    )
    return [Deadline(*row) for row in rows]


async def revise_deadlines(session: AsyncSession, deadlines: list[Deadline]) -> None:
    """Replace these versions' provisional deadlines, in one statement. A version published
    meanwhile keeps the deadline it was published against: a published row never changes."""
    if not deadlines:
        return
    statement = (
        update(Publication)
        .where(
            Publication.result_id == bindparam("revised_id"),
            Publication.provisional.is_(True),
            Publication.published_on.is_(None),
        )
        .values(deadline=bindparam("revised_deadline"), provisional=bindparam("still_provisional"))
    )
    # On the connection: the ORM session would take a list of parameters for an update by
    # primary key, where this one is by result id and unpublished.
    connection = await session.connection()
    await connection.execute(
        statement,
        [
            {
                "revised_id": d.result_id,
                "revised_deadline": d.deadline,
                "still_provisional": d.provisional,
            }
            for d in deadlines
        ],
    )


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


def versions_to_publish(quarter: str) -> Subquery:
    """The quarter's versions to publish — exactly what ``publish`` publishes: per assignment in
    force, its latest version that passed review. An amendment that passed speaks for the check
    instead of the version it corrected; an assignment a redraw superseded publishes nothing.
    Columns: result_id, assignment_id."""
    latest = (
        select(InspectionResult.assignment_id, func.max(InspectionResult.version).label("version"))
        .join(Assignment, Assignment.id == InspectionResult.assignment_id)
        .where(Assignment.quarter == quarter, assignment_in_force(), version_passed())
        .group_by(InspectionResult.assignment_id)
        .subquery("latest_passed")
    )
    return (
        select(InspectionResult.id.label("result_id"), InspectionResult.assignment_id)
        .join(
            latest,
            and_(
                latest.c.assignment_id == InspectionResult.assignment_id,
                latest.c.version == InspectionResult.version,
            ),
        )
        .subquery("to_publish")
    )


async def to_publish_by_county(session: AsyncSession, quarter: str) -> Counter[str]:
    """Per county of the target: the quarter's versions to publish."""
    return await _by_county(session, quarter, None)


async def late_by_county(
    session: AsyncSession, quarter: str, today: date, region: str | None = None
) -> Counter[str]:
    """Per county of the target: the quarter's versions to publish that were published after
    their deadline, or are still unpublished with the deadline passed (before ``today``). Only
    what is to publish can be late: a passed version later amended by another that passed, or
    whose assignment a redraw superseded, is never published and so never counted."""
    late = or_(
        Publication.published_on > Publication.deadline,
        Publication.published_on.is_(None) & (Publication.deadline < today),
    )
    return await _by_county(session, quarter, region, late)


async def _by_county(
    session: AsyncSession, quarter: str, region: str | None, *conditions: ColumnElement[bool]
) -> Counter[str]:
    """The quarter's versions to publish meeting ``conditions`` (on their publication row, if
    any), counted per county of the target."""
    chosen = versions_to_publish(quarter)
    query = (
        select(Target.region_code, func.count())
        .select_from(chosen)
        .join(Assignment, Assignment.id == chosen.c.assignment_id)
        .join(Target, Target.credit_code == Assignment.credit_code)
        .outerjoin(Publication, Publication.result_id == chosen.c.result_id)
        .where(*conditions)
        .group_by(Target.region_code)
    )
    if region is not None:
        query = query.where(Target.region_code == region)
    return Counter({county: int(n) for county, n in await session.execute(query)})
