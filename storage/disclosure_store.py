"""一公开 as read: the quarter's results that passed review, as the public may see them, and the
quarter's draw records. Nothing here names an inspector: no query selects a 执法证号 column."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from spotcheck.inspection import FollowUpKind, ItemAnswer, ResultCategory
from spotcheck.states import RecordKind
from storage.assignment_store import assignment_in_force, item_names
from storage.draw_models import Assignment, DrawPlan, DrawRecord
from storage.models import Target, as_utc
from storage.publication_store import versions_to_publish
from storage.result_models import FollowUp, InspectionResult, ItemResult, Publication


@dataclass(frozen=True)
class PassedResult:
    """An assignment's latest passed result version, with what the public list shows of it."""

    result_id: int
    credit_code: str
    target_name: str
    county: str  # the target's county code
    checked_on: date | None  # the day of the check-in
    category: ResultCategory
    findings: str
    items: tuple[str, ...]  # names of the inspection items checked (answered, not 不涉及)
    follow_ups: tuple[FollowUpKind, ...]  # in the order they were recorded


async def passed_results(session: AsyncSession, quarter: str) -> list[PassedResult]:
    """The quarter's versions to publish (``publication_store.versions_to_publish``: per
    assignment in force, its latest passed version); by county, day of the check and credit
    code."""
    chosen = versions_to_publish(quarter)
    rows = (
        await session.execute(
            select(
                InspectionResult.id,
                InspectionResult.category,
                InspectionResult.findings,
                Assignment.credit_code,
                Assignment.checked_on,
                Target.name,
                Target.region_code,
            )
            .join(chosen, chosen.c.result_id == InspectionResult.id)
            .join(Assignment, Assignment.id == InspectionResult.assignment_id)
            .join(Target, Target.credit_code == Assignment.credit_code)
            .order_by(InspectionResult.assignment_id)  # the tie-break of the sort below
        )
    ).all()
    ids = [row.id for row in rows]
    items = await _items_checked(session, ids)
    follow_ups = await _follow_up_kinds(session, ids)
    found = [
        PassedResult(
            result_id=row.id,
            credit_code=row.credit_code,
            target_name=row.name,
            county=row.region_code,
            checked_on=row.checked_on,
            category=ResultCategory(row.category),
            findings=row.findings,
            items=items.get(row.id, ()),
            follow_ups=follow_ups.get(row.id, ()),
        )
        for row in rows
    ]
    return sorted(found, key=lambda r: (r.county, r.checked_on or date.min, r.credit_code))


async def _items_checked(
    session: AsyncSession, result_ids: list[int]
) -> dict[int, tuple[str, ...]]:
    """The items each version answered (未发现问题 or 发现问题), by name, in item-code order; an
    item retired from the list since keeps its name, one never listed shows its code."""
    rows = (
        await session.execute(
            select(ItemResult.result_id, ItemResult.item_code)
            .where(
                ItemResult.result_id.in_(result_ids),
                ItemResult.answer != ItemAnswer.NOT_APPLICABLE.value,
            )
            .order_by(ItemResult.result_id, ItemResult.item_code)
        )
    ).all()
    names = await item_names(session, {code for _, code in rows})
    checked: dict[int, tuple[str, ...]] = {}
    for result_id, code in rows:
        checked[result_id] = (*checked.get(result_id, ()), names.get(code, code))
    return checked


async def _follow_up_kinds(
    session: AsyncSession, result_ids: list[int]
) -> dict[int, tuple[FollowUpKind, ...]]:
    kinds: dict[int, tuple[FollowUpKind, ...]] = {}
    for result_id, kind in await session.execute(
        select(FollowUp.result_id, FollowUp.kind)
        .where(FollowUp.result_id.in_(result_ids))
        .order_by(FollowUp.id)
    ):
        kinds[result_id] = (*kinds.get(result_id, ()), FollowUpKind(kind))
    return kinds


async def published_days(session: AsyncSession, result_ids: list[int]) -> dict[int, date]:
    """The day each of these versions was first published (those published)."""
    rows = await session.execute(
        select(Publication.result_id, Publication.published_on).where(
            Publication.result_id.in_(result_ids), Publication.published_on.is_not(None)
        )
    )
    return {int(result_id): day for result_id, day in rows if day is not None}


@dataclass(frozen=True)
class QuarterRecord:
    """A draw record of one of the quarter's plans (a redraw too), its body not yet read."""

    id: int
    created_at: datetime  # UTC
    amends: int | None
    reason: str | None
    body_sha256: str


async def draw_records(session: AsyncSession, quarter: str) -> list[QuarterRecord]:
    """The draw-kind records of the quarter's plans, oldest first; replacements of an
    inspector are not among them (they concern the teams only)."""
    rows = await session.execute(
        select(
            DrawRecord.id,
            DrawRecord.created_at,
            DrawRecord.amends,
            DrawRecord.reason,
            DrawRecord.body_sha256,
        )
        .join(DrawPlan, DrawPlan.id == DrawRecord.plan_id)
        .where(DrawPlan.quarter == quarter, DrawRecord.kind == RecordKind.DRAW.value)
        .order_by(DrawRecord.id)
    )
    return [
        QuarterRecord(int(i), as_utc(at), amends, reason, digest)
        for i, at, amends, reason, digest in rows
    ]


async def record_body(session: AsyncSession, record_id: int) -> str:
    """The stored canonical JSON of one record (a city draw's runs to tens of megabytes: read
    one at a time)."""
    body = await session.scalar(select(DrawRecord.body).where(DrawRecord.id == record_id))
    if body is None:
        raise LookupError(record_id)
    return body


async def last_due(session: AsyncSession, quarter: str) -> date | None:
    """The latest due date of the quarter's checks in force (None: nothing drawn)."""
    found: date | None = await session.scalar(
        select(func.max(Assignment.due_date)).where(
            Assignment.quarter == quarter, assignment_in_force()
        )
    )
    return found
