"""Assignments as the bot sees them: teams in force, a member's place, the tasks of one
inspector, what a lead's groups and a county's quota have come to, and the 回避 declared.

Two conditions define what is in force, and every query here (and in draw_store) uses them:
an assignment is in force unless superseded by a redraw of its plan (``assignment_in_force``),
and a person is on a team in force unless replaced as well (``team_in_force``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    String,
    and_,
    bindparam,
    cast,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from spotcheck.quota import TaskKind
from spotcheck.states import AssignmentState, ConflictSource, FormKind, MemberState, PersonKind
from storage import draft_store, review_store
from storage.bot_models import TelegramAccount
from storage.draft_models import FormDraft
from storage.draw_models import Assignment, AssignmentMember, Conflict
from storage.models import InspectionItem, Target


def assignment_in_force(assignment: type[Assignment] = Assignment) -> ColumnElement[bool]:
    """The assignment is in force: not superseded by a redraw of its plan."""
    return assignment.state != AssignmentState.SUPERSEDED


def on_team(member: type[AssignmentMember] = AssignmentMember) -> ColumnElement[bool]:
    """The member is still on his team: not replaced."""
    return member.state != MemberState.REPLACED


def team_in_force(
    assignment: type[Assignment] = Assignment, member: type[AssignmentMember] = AssignmentMember
) -> ColumnElement[bool]:
    """The team in force: the assignment is in force and the member not replaced. The caller
    joins the member to the assignment."""
    return and_(assignment_in_force(assignment), on_team(member))


def plan_assignments_in_force(plan_id: int) -> ColumnElement[bool]:
    """The assignments in force of one plan."""
    return and_(Assignment.plan_id == plan_id, assignment_in_force())


def _inspectors_in_force() -> Select[Assignment, AssignmentMember]:
    """(assignment, member) for every inspector on a team in force."""
    return (
        select(Assignment, AssignmentMember)
        .join(AssignmentMember, AssignmentMember.assignment_id == Assignment.id)
        .where(team_in_force(), AssignmentMember.person_kind == PersonKind.INSPECTOR)
    )


async def membership(
    session: AsyncSession, assignment_id: int, cert_no: str
) -> tuple[Assignment, AssignmentMember] | None:
    """An inspector's place on a team in force, or None."""
    row = (
        await session.execute(
            _inspectors_in_force().where(
                Assignment.id == assignment_id, AssignmentMember.person_key == cert_no
            )
        )
    ).one_or_none()
    return None if row is None else (row[0], row[1])


async def set_member_state(
    session: AsyncSession, member_id: int, was: str, state: MemberState
) -> bool:
    """Compare-and-set a member's state: False when it is no longer ``was``."""
    changed = await session.execute(
        update(AssignmentMember)
        .where(AssignmentMember.id == member_id, AssignmentMember.state == was)
        .values(state=state)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(changed, "rowcount", 0) == 1)


async def team_inspectors(session: AsyncSession, assignment_id: int) -> list[AssignmentMember]:
    """The inspectors on an assignment's team, not replaced, in the order they joined."""
    return list(
        await session.scalars(
            select(AssignmentMember)
            .where(
                AssignmentMember.assignment_id == assignment_id,
                AssignmentMember.person_kind == PersonKind.INSPECTOR,
                on_team(),
            )
            .order_by(AssignmentMember.id)
        )
    )


async def assignment_of_plan(session: AsyncSession, plan_id: int, credit_code: str) -> int | None:
    """The id of the plan's assignment in force for this target."""
    return await session.scalar(
        select(Assignment.id).where(
            plan_assignments_in_force(plan_id), Assignment.credit_code == credit_code
        )
    )


async def get(session: AsyncSession, assignment_id: int) -> Assignment | None:
    return await session.get(Assignment, assignment_id)


def inspection_drafted() -> ColumnElement[bool]:
    """An inspection draft is open for the assignment (检查中): its subject is the id."""
    return (
        select(FormDraft.id)
        .where(
            FormDraft.kind == FormKind.INSPECTION,
            FormDraft.subject == cast(Assignment.id, String),
        )
        .exists()
    )


# Built once: /tasks runs it through the point reads, and building costs more than running.
TASKS_OF = (
    select(
        Assignment.id,
        Assignment.quarter,
        Target.name,
        Assignment.credit_code,
        Assignment.due_date,
        AssignmentMember.state,
        AssignmentMember.is_lead,
        inspection_drafted(),
        review_store.latest_state_of(Assignment.id),
    )
    .join(AssignmentMember, AssignmentMember.assignment_id == Assignment.id)
    .join(Target, Target.credit_code == Assignment.credit_code)
    .where(
        team_in_force(),
        AssignmentMember.person_kind == PersonKind.INSPECTOR,
        AssignmentMember.person_key == bindparam("cert_no"),
    )
    .order_by(Assignment.due_date, Assignment.id)
)
"""An inspector's tasks in force (bind ``cert_no``), by due date, with whether each has an
inspection draft open and the state of its latest result version (None without one)."""


async def teams_to_push(
    session: AsyncSession, record_id: int, only_assignment: int | None = None
) -> list[tuple[Assignment, AssignmentMember]]:
    """(assignment, inspector) of a record's on-site teams in force (or ``only_assignment``'s)
    that have someone to tell: at least one member with a reachable bound account. A city draw
    holds thousands of teams, and whoever has no bound account learns of his task in /tasks."""
    query = _inspectors_in_force().where(Assignment.kind == TaskKind.ONSITE)
    if only_assignment is None:
        query = query.where(Assignment.record_id == record_id)
    else:
        query = query.where(Assignment.id == only_assignment)
    anyone = aliased(AssignmentMember)  # any member of the team, not the row at hand
    told = (
        select(anyone.id)
        .join(TelegramAccount, TelegramAccount.cert_no == anyone.person_key)
        .where(
            anyone.assignment_id == Assignment.id,
            anyone.person_kind == PersonKind.INSPECTOR,
            on_team(anyone),
            TelegramAccount.reachable,
        )
    )
    query = query.where(told.exists())
    rows = await session.execute(query.order_by(Assignment.id, AssignmentMember.id))
    return [(a, m) for a, m in rows]


async def onsite_teams_of_plan(session: AsyncSession, plan_id: int) -> list[tuple[str, str, str]]:
    """(quarter, target name, cert no) of every inspector on the plan's on-site teams in
    force: whom a redraw must tell that the task is withdrawn."""
    rows = await session.execute(
        select(Assignment.quarter, Target.name, AssignmentMember.person_key)
        .join(AssignmentMember, AssignmentMember.assignment_id == Assignment.id)
        .join(Target, Target.credit_code == Assignment.credit_code)
        .where(plan_assignments_in_force(plan_id), Assignment.kind == TaskKind.ONSITE)
        .where(AssignmentMember.person_kind == PersonKind.INSPECTOR, on_team())
    )
    return [(quarter, name, cert) for quarter, name, cert in rows]


@dataclass(frozen=True)
class GroupRow:
    """One inspector's place in a group a lead leads."""

    assignment_id: int
    due_date: date | None
    checked_on: date | None
    state: str


async def led_groups(
    session: AsyncSession, cert_no: str, quarter: str, today: date
) -> list[GroupRow]:
    """The inspectors' places in the groups in force he leads: this quarter's, plus older
    ones with a check overdue."""
    led = select(AssignmentMember.assignment_id).where(
        AssignmentMember.person_key == cert_no, AssignmentMember.is_lead, on_team()
    )
    rows = await session.execute(
        select(Assignment.id, Assignment.due_date, Assignment.checked_on, AssignmentMember.state)
        .join(AssignmentMember, AssignmentMember.assignment_id == Assignment.id)
        .where(
            Assignment.id.in_(led),
            team_in_force(),
            (Assignment.quarter == quarter)
            | (Assignment.checked_on.is_(None) & (Assignment.due_date < today)),
        )
        .where(AssignmentMember.person_kind == PersonKind.INSPECTOR)
    )
    return [GroupRow(*row) for row in rows]


async def due_between(
    session: AsyncSession, first: date, last: date
) -> list[tuple[int, date, str, str, TelegramAccount]]:
    """(assignment id, due date, target name, cert no, account) of the on-site checks in force,
    not done, due from ``first`` to ``last``, for each inspector on the team with a reachable
    account."""
    rows = await session.execute(
        select(
            Assignment.id,
            Assignment.due_date,
            Target.name,
            AssignmentMember.person_key,
            TelegramAccount,
        )
        .join(AssignmentMember, AssignmentMember.assignment_id == Assignment.id)
        .join(Target, Target.credit_code == Assignment.credit_code)
        .join(TelegramAccount, TelegramAccount.cert_no == AssignmentMember.person_key)
        .where(
            assignment_in_force(),
            Assignment.checked_on.is_(None),
            Assignment.kind == TaskKind.ONSITE,
        )
        .where(Assignment.due_date >= first, Assignment.due_date <= last)
        .where(AssignmentMember.person_kind == PersonKind.INSPECTOR, on_team())
        .where(TelegramAccount.reachable)
    )
    return [
        (id_, due, name, cert, account)
        for id_, due, name, cert, account in rows
        if due is not None  # never: the range excludes NULL
    ]


async def declare_conflict(
    session: AsyncSession,
    cert_no: str,
    credit_code: str,
    reason: str,
    source: ConflictSource,
    created_by: str,
) -> bool:
    """Record a 回避 unless one is known for this inspector and target; whether it is new."""
    known = select(Conflict.id).where(
        Conflict.cert_no == cert_no, Conflict.credit_code == credit_code
    )
    if await session.scalar(known) is not None:
        return False
    session.add(
        Conflict(
            cert_no=cert_no,
            credit_code=credit_code,
            reason=reason,
            source=source,
            created_by=created_by,
        )
    )
    await session.flush()
    return True


async def target(session: AsyncSession, credit_code: str) -> Target:
    """The target an assignment names."""
    return (await session.scalars(select(Target).where(Target.credit_code == credit_code))).one()


async def targets(session: AsyncSession, codes: set[str]) -> dict[str, Target]:
    rows = await session.scalars(select(Target).where(Target.credit_code.in_(codes)))
    return {t.credit_code: t for t in rows}


async def target_name_and_county(session: AsyncSession, credit_code: str) -> tuple[str, str]:
    row = (
        await session.execute(
            select(Target.name, Target.region_code).where(Target.credit_code == credit_code)
        )
    ).one()
    return str(row[0]), str(row[1])


async def target_name(session: AsyncSession, credit_code: str) -> str:
    return str(await session.scalar(select(Target.name).where(Target.credit_code == credit_code)))


async def items_for(session: AsyncSession, level: str, cls: str) -> list[str]:
    """The inspection items (抽查事项) that apply to this level and class."""
    rows = await session.scalars(
        select(InspectionItem).where(InspectionItem.active).order_by(InspectionItem.code)
    )
    return [i.name for i in rows if level in i.levels and cls in i.classes]


# --- issue 15: inspection flow ---


async def item_pairs_for(session: AsyncSession, level: str, cls: str) -> list[tuple[str, str]]:
    """(code, name) of the inspection items that apply to this level and class: the list the
    inspection form asks one question per item of."""
    rows = await session.scalars(
        select(InspectionItem).where(InspectionItem.active).order_by(InspectionItem.code)
    )
    return [(i.code, i.name) for i in rows if level in i.levels and cls in i.classes]


async def item_names(session: AsyncSession, codes: set[str]) -> dict[str, str]:
    """The names of these inspection items (抽查事项), by code; retired items too: a result
    keeps naming what was checked."""
    rows = await session.execute(
        select(InspectionItem.code, InspectionItem.name).where(InspectionItem.code.in_(codes))
    )
    return {code: name for code, name in rows}


# --- issue 15: review fixes (the form re-checks the team) ---

HELD_INSPECTION = draft_store.HELD.add_columns(
    select(AssignmentMember.id)
    .join(Assignment, Assignment.id == AssignmentMember.assignment_id)
    .where(
        team_in_force(),
        AssignmentMember.assignment_id == cast(FormDraft.subject, Integer),
        AssignmentMember.person_kind == PersonKind.INSPECTOR,
        AssignmentMember.person_key == bindparam("cert_no"),
        AssignmentMember.state == MemberState.ACCEPTED,
    )
    .exists()
)
"""His inspection draft (bind ``user_id``, ``kind`` and ``cert_no``) and, as its last column,
whether he is still an accepted member of the team in force of its assignment: one point read
on the drafts' and the members' unique keys, for every answer of the form."""
