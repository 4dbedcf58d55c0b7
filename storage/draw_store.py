"""Queries behind a draw: candidates as the domain sees them, loads, exclusions, and writing a
record with its assignments."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import UTC, date
from typing import Any

from sqlalchemy import Text, cast, func, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from spotcheck.classes import CreditRiskGrade, SupervisionClass
from spotcheck.draw import ExpertCandidate, InspectorCandidate, TargetCandidate
from spotcheck.inspection import ResultState
from spotcheck.matching import Assignment as Task
from spotcheck.quota import TaskKind
from spotcheck.record import LIST_NAMES, EncodedRecord
from spotcheck.roles import DutyStatus, Role
from spotcheck.states import AssignmentState, MemberState, PersonKind
from storage import list_store
from storage.assignment_store import assignment_in_force, plan_assignments_in_force, team_in_force
from storage.bulk import insert_rows, table_of
from storage.draw_models import (
    Assignment,
    AssignmentMember,
    Conflict,
    DrawCommitment,
    DrawPlan,
    DrawRecord,
)
from storage.models import Expert, Inspector, Target, utcnow
from storage.result_models import InspectionResult, ResultTransition


async def target_candidates(
    session: AsyncSession, only: str | None = None, region: str | None = None
) -> list[tuple[TargetCandidate, bool]]:
    """Every target (or ``only`` the one with that credit code, or those of one ``region``)
    with its active flag, in
    credit-code order.

    Tags come as raw JSON text and are decoded once per distinct list, and class and grade
    through dict lookups: a city of 200,000 targets has a few hundred distinct tag lists, and
    this is the floor every draw stands on. Plain Core rows, sorted here: walking the
    credit-code index costs SQLite more than sorting costs Python.
    """
    classes = {c.value: c for c in SupervisionClass}
    grades = {g.value: g for g in CreditRiskGrade}
    tag_lists: dict[str, tuple[str, ...]] = {}
    query = select(
        Target.credit_code,
        Target.name,
        Target.region_code,
        Target.industry,
        Target.permit_category,
        Target.supervision_class,
        Target.positive_list,
        Target.credit_grade,
        # CAST, not type_coerce: asyncpg decodes json itself unless the server sends text.
        cast(Target.tags, Text),
        Target.active,
    )
    if only is not None:
        query = query.where(Target.credit_code == only)
    if region is not None:
        query = query.where(Target.region_code == region)
    rows = await (await session.connection()).execute(query)
    result = []
    for code, name, region, industry, permit, cls, positive, grade, tags, active in rows:
        parsed = tag_lists.get(tags)
        if parsed is None:
            parsed = tag_lists[tags] = tuple(json.loads(tags))
        target = TargetCandidate(
            code,
            name,
            region,
            industry,
            permit,
            classes[cls],
            bool(positive),
            grades[grade],
            parsed,
        )
        result.append((target, bool(active)))
    result.sort(key=lambda pair: pair[0].credit_code)
    return result


async def _loads(session: AsyncSession, quarter: str, person_kind: PersonKind) -> dict[str, int]:
    """Checks each person is on this quarter, in assignments still in force."""
    rows = await session.execute(
        select(AssignmentMember.person_key, func.count())
        .join(Assignment, Assignment.id == AssignmentMember.assignment_id)
        .where(
            Assignment.quarter == quarter,
            team_in_force(),
            AssignmentMember.person_kind == person_kind,
        )
        .group_by(AssignmentMember.person_key)
    )
    return {key: count for key, count in rows}


async def inspector_candidates(session: AsyncSession, quarter: str) -> list[InspectorCandidate]:
    """Active, on-duty inspectors and team leads, with this quarter's load."""
    loads = await _loads(session, quarter, PersonKind.INSPECTOR)
    drawable = [Role.INSPECTOR.value, Role.LEAD.value]
    rows = await session.execute(
        select(
            Inspector.cert_no,
            Inspector.name,
            Inspector.region_code,
            Inspector.specialties,
            Inspector.role,
        )
        .where(Inspector.active, Inspector.status == DutyStatus.ON_DUTY.value)
        .where(Inspector.role.in_(drawable))
        .order_by(Inspector.cert_no)
    )
    return [
        InspectorCandidate(cert, name, region, tuple(specialties), Role(role), loads.get(cert, 0))
        for cert, name, region, specialties, role in rows
    ]


async def expert_candidates(session: AsyncSession, quarter: str) -> list[ExpertCandidate]:
    loads = await _loads(session, quarter, PersonKind.EXPERT)
    rows = await session.execute(
        select(Expert.id, Expert.name, Expert.region_code, Expert.industries)
        .where(Expert.active)
        .order_by(Expert.id)
    )
    return [
        ExpertCandidate(str(id_), name, region, tuple(industries), loads.get(str(id_), 0))
        for id_, name, region, industries in rows
    ]


async def conflicts(session: AsyncSession) -> frozenset[tuple[str, str]]:
    rows = await session.execute(select(Conflict.cert_no, Conflict.credit_code))
    return frozenset((cert, code) for cert, code in rows)


async def checked_since(session: AsyncSession, since: date) -> set[str]:
    """Targets checked on site on or after ``since``: the check's result passed review (a
    result still with the team or the reviewer, or sent back, is no check yet)."""
    passed = (
        select(InspectionResult.id)
        .join(ResultTransition, ResultTransition.result_id == InspectionResult.id)
        .where(
            InspectionResult.assignment_id == Assignment.id,
            ResultTransition.to_state == ResultState.PASSED,
        )
        .exists()
    )
    rows = await session.scalars(
        select(Assignment.credit_code).where(
            Assignment.kind == TaskKind.ONSITE, Assignment.checked_on >= since, passed
        )
    )
    return set(rows)


async def drawn_this_quarter(
    session: AsyncSession, quarter: str, level: str, other_than_plan: int | None
) -> set[str]:
    """Targets already on an on-site assignment in force this quarter at this level."""
    query = select(Assignment.credit_code).where(
        Assignment.quarter == quarter,
        Assignment.level == level,
        Assignment.kind == TaskKind.ONSITE,
        assignment_in_force(),
    )
    if other_than_plan is not None:
        query = query.where(Assignment.plan_id != other_than_plan)
    return set(await session.scalars(query))


async def plan_by_key(session: AsyncSession, plan_key: str) -> DrawPlan | None:
    return (
        await session.scalars(select(DrawPlan).where(DrawPlan.plan_key == plan_key))
    ).one_or_none()


async def plan_by_id(session: AsyncSession, plan_id: int) -> DrawPlan | None:
    return await session.get(DrawPlan, plan_id)


async def record_by_id(session: AsyncSession, record_id: int) -> DrawRecord | None:
    return await session.get(DrawRecord, record_id)


async def insert_record(session: AsyncSession, **values: Any) -> int:
    result = await session.execute(insert(DrawRecord).returning(DrawRecord.id), [values])
    return int(result.scalar_one())


async def make_current(
    session: AsyncSession, plan_id: int, record_id: int, amends: int | None
) -> bool:
    """Point the plan at its new record, only if the record it amends is still current: the
    compare-and-set that lets exactly one of two simultaneous confirmations through."""
    condition = (
        DrawPlan.current_record_id.is_(None)
        if amends is None
        else DrawPlan.current_record_id == amends
    )
    result = await session.execute(
        update(DrawPlan)
        .where(DrawPlan.id == plan_id, condition)
        .values(current_record_id=record_id)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0) == 1)


async def supersede_plan_assignments(session: AsyncSession, plan_id: int) -> None:
    await session.execute(
        update(Assignment)
        .where(plan_assignments_in_force(plan_id))
        .values(state=AssignmentState.SUPERSEDED)
        .execution_options(synchronize_session=False)
    )


async def insert_assignments(
    session: AsyncSession,
    *,
    plan: DrawPlan,
    record_id: int,
    tasks: Sequence[Task],
    classes: dict[str, str],
    due: date,
) -> None:
    """The record's tasks as assignments with their teams (Core executemany: city draws hold
    tens of thousands of off-site tasks)."""
    connection = await session.connection()
    now = utcnow()
    rows = [
        {
            "plan_id": plan.id,
            "record_id": record_id,
            "quarter": plan.quarter,
            "level": plan.level,
            "supervision_class": classes[t.target],
            "credit_code": t.target,
            "kind": t.kind.value,
            "stratum": t.stratum,
            "state": AssignmentState.ASSIGNED,
            "due_date": due,
            "checked_on": None,
            "created_at": now,
        }
        for t in tasks
    ]
    if not rows:
        return
    table = table_of(Assignment)
    # A plain executemany and one read of the ids beats RETURNING, which SQLAlchemy must
    # batch into multi-row statements.
    await insert_rows(connection, table, rows)
    inserted = await connection.execute(
        select(table.c.credit_code, table.c.id).where(table.c.record_id == record_id)
    )
    ids = {code: id_ for code, id_ in inserted}
    onsite = [t for t in tasks if t.inspectors]
    if not onsite:
        return
    members = [
        {
            "assignment_id": ids[t.target],
            "person_kind": PersonKind.INSPECTOR,
            "person_key": cert,
            "is_lead": cert == t.lead,
            "state": MemberState.ASSIGNED,
        }
        for t in onsite
        for cert in t.inspectors
    ] + [
        {
            "assignment_id": ids[t.target],
            "person_kind": PersonKind.EXPERT,
            "person_key": expert,
            "is_lead": False,
            "state": MemberState.ASSIGNED,
        }
        for t in onsite
        for expert in t.experts
    ]
    await insert_rows(connection, table_of(AssignmentMember), members)


async def plan_teams(
    session: AsyncSession, plan_id: int
) -> list[tuple[Assignment, list[AssignmentMember]]]:
    """The plan's assignments in force, each with its current members."""
    assignments = (
        await session.scalars(
            select(Assignment).where(plan_assignments_in_force(plan_id)).order_by(Assignment.id)
        )
    ).all()
    members = (
        await session.scalars(
            select(AssignmentMember)
            .join(Assignment, Assignment.id == AssignmentMember.assignment_id)
            .where(plan_assignments_in_force(plan_id), team_in_force())
            .order_by(AssignmentMember.id)
        )
    ).all()
    by_assignment: dict[int, list[AssignmentMember]] = {}
    for member in members:
        by_assignment.setdefault(member.assignment_id, []).append(member)
    return [(a, by_assignment.get(a.id, [])) for a in assignments]


async def team_member(
    session: AsyncSession, assignment_id: int, person_kind: PersonKind, person_key: str
) -> AssignmentMember | None:
    """A person's row on an assignment's team, in any state (replaced included)."""
    return (
        await session.scalars(
            select(AssignmentMember).where(
                AssignmentMember.assignment_id == assignment_id,
                AssignmentMember.person_kind == person_kind,
                AssignmentMember.person_key == person_key,
            )
        )
    ).one_or_none()


def add_team_member(
    session: AsyncSession, assignment_id: int, person_kind: PersonKind, person_key: str, lead: bool
) -> None:
    """A person new to an assignment's team (a replacement)."""
    session.add(
        AssignmentMember(
            assignment_id=assignment_id,
            person_kind=person_kind,
            person_key=person_key,
            is_lead=lead,
            state=MemberState.ASSIGNED,
        )
    )


async def unused_commitment(session: AsyncSession, commitment_id: int) -> DrawCommitment | None:
    found = await session.get(DrawCommitment, commitment_id)
    return found if found is not None and found.used_by_record_id is None else None


def caller_fields(record: DrawRecord) -> dict[str, Any]:
    """The fields the caller adds to a computed body: id, who, when, what it amends and why."""
    created_at = record.created_at
    if created_at.tzinfo is None:  # SQLite hands back the stored UTC time without its offset
        created_at = created_at.replace(tzinfo=UTC)
    return {
        "id": record.id,
        "created_by": record.created_by,
        "amends": record.amends,
        "reason": record.reason,
        "created_at": created_at.isoformat(),
    }


async def _whole(session: AsyncSession, record: DrawRecord) -> EncodedRecord:
    """A stored record with the lists it names (a record stored before the lists were kept
    apart carries them itself)."""
    body: dict[str, Any] = json.loads(record.body)
    named = {
        name: body[f"{name}_sha256"]
        for name in LIST_NAMES
        if f"{name}_sha256" in body and name not in body
    }
    lists = await list_store.list_bytes(session, named)
    if set(lists) != set(named):
        missing = sorted(set(named) - set(lists))
        raise LookupError(f"record {record.id} names lists not stored: {missing}")
    return EncodedRecord.stored(body, lists)


async def published(session: AsyncSession, record: DrawRecord) -> dict[str, Any]:
    """A stored record as published: its body, its lists and the caller's fields."""
    return dict(json.loads(await published_bytes(session, record)))


async def published_bytes(session: AsyncSession, record: DrawRecord) -> bytes:
    """The published record as canonical JSON, whole — the bytes `--out` writes and `verify`
    reads with nothing else."""
    whole = await _whole(session, record)
    return whole.canonical(caller_fields(record))


async def lock_draws(session: AsyncSession, quarter: str, level: str) -> None:
    """Serialise draws of one quarter and level until this transaction ends.

    PostgreSQL: a transaction-scoped advisory lock on the pair. SQLite: a write statement, which
    takes the database's write lock at once, before anything is read.
    """
    if session.get_bind().dialect.name == "postgresql":
        key = int.from_bytes(
            hashlib.sha256(f"draw:{quarter}:{level}".encode()).digest()[:8], "big", signed=True
        )
        await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
    else:
        await session.execute(
            update(DrawPlan).where(DrawPlan.id == -1).values(quarter=DrawPlan.quarter)
        )


async def use_commitment(session: AsyncSession, commitment_id: int, record_id: int) -> bool:
    """Claim a commitment for this record, once: compare-and-set on its unused state."""
    result = await session.execute(
        update(DrawCommitment)
        .where(DrawCommitment.id == commitment_id, DrawCommitment.used_by_record_id.is_(None))
        .values(used_by_record_id=record_id)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0) == 1)
