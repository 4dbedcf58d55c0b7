"""Pushing assignments to the inspectors on their teams, through the outbox, in the
transaction that made them."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot import callback_data
from bot.services import outbox
from bot.texts import Texts, texts_for
from storage.bot_models import TelegramAccount
from storage.draw_models import Assignment, AssignmentMember
from storage.draw_store import SUPERSEDED
from storage.models import InspectionItem, Inspector, Target


async def accounts_of(session: AsyncSession, certs: set[str]) -> dict[str, TelegramAccount]:
    rows = await session.scalars(select(TelegramAccount).where(TelegramAccount.cert_no.in_(certs)))
    return {a.cert_no: a for a in rows if a.reachable}


async def names_of(session: AsyncSession, certs: set[str]) -> dict[str, str]:
    rows = await session.execute(
        select(Inspector.cert_no, Inspector.name).where(Inspector.cert_no.in_(certs))
    )
    return {cert: name for cert, name in rows}


async def items_for(session: AsyncSession, level: str, cls: str) -> list[str]:
    """The inspection items (抽查事项) that apply to this level and class."""
    rows = await session.scalars(
        select(InspectionItem).where(InspectionItem.active).order_by(InspectionItem.code)
    )
    return [i.name for i in rows if level in i.levels and cls in i.classes]


async def enqueue_pushes(
    session: AsyncSession, record_id: int, only: tuple[int, str] | None = None
) -> int:
    """Outbox rows telling each inspector of a record's on-site teams what to check, with
    whom, by when; buttons 接受 and 申请回避. ``only`` = (assignment id, cert no) limits it to one
    new member (a replacement). Inspectors without a bound account learn of it in /tasks."""
    query = (
        select(Assignment, AssignmentMember)
        .join(AssignmentMember, AssignmentMember.assignment_id == Assignment.id)
        .where(
            AssignmentMember.state != "replaced",
            Assignment.state != SUPERSEDED,
            Assignment.kind == "onsite",
        )
        .where(AssignmentMember.person_kind == "inspector")
    )
    if only is None:
        query = query.where(Assignment.record_id == record_id)
    else:
        query = query.where(Assignment.id == only[0])
    # Only teams with someone to tell: a city draw holds thousands of teams, and whoever has
    # no bound account learns of his task in /tasks.
    anyone = aliased(AssignmentMember)  # any member of the team, not the row at hand
    told = (
        select(anyone.id)
        .join(TelegramAccount, TelegramAccount.cert_no == anyone.person_key)
        .where(
            anyone.assignment_id == Assignment.id,
            anyone.person_kind == "inspector",
            anyone.state != "replaced",
            TelegramAccount.reachable,
        )
    )
    query = query.where(told.exists())
    pairs = (await session.execute(query.order_by(Assignment.id, AssignmentMember.id))).all()
    teams: dict[int, list[AssignmentMember]] = {}
    for assignment, member in pairs:
        teams.setdefault(assignment.id, []).append(member)
    assignments = {a.id: a for a, _ in pairs}
    certs = {m.person_key for _, m in pairs}
    accounts, names = await accounts_of(session, certs), await names_of(session, certs)
    codes = {a.credit_code for a in assignments.values()}
    targets = {
        t.credit_code: t
        for t in await session.scalars(select(Target).where(Target.credit_code.in_(codes)))
    }
    items_by: dict[tuple[str, str], list[str]] = {}
    queued = 0
    for assignment_id, members in teams.items():
        assignment = assignments[assignment_id]
        key = (assignment.level, assignment.supervision_class)
        if key not in items_by:
            items_by[key] = await items_for(session, *key)
        target = targets[assignment.credit_code]
        for member in members:
            if only is not None and member.person_key != only[1]:
                continue
            account = accounts.get(member.person_key)
            if account is None:
                continue
            texts = texts_for(account.language)
            team = [(names.get(m.person_key, m.person_key), m.is_lead) for m in members]
            text = assignment_text(
                texts, assignment, target, items_by[key], team, replacement=only is not None
            )
            session.add(outbox.message(account.chat_id, text, task_buttons(texts, assignment.id)))
            if target.latitude is not None and target.longitude is not None:
                session.add(outbox.location(account.chat_id, target.latitude, target.longitude))
            queued += 1
    return queued


def assignment_text(
    texts: Texts,
    assignment: Assignment,
    target: Target,
    items: list[str],
    team: list[tuple[str, bool]],
    replacement: bool = False,
) -> str:
    """An assignment as its team receives it: pushed, or shown again from /tasks."""
    return texts.assignment_pushed(
        quarter=assignment.quarter,
        target_name=target.name,
        credit_code=target.credit_code,
        address=target.address,
        items=items,
        team=team,
        due=assignment.due_date,
        replacement=replacement,
    )


def task_buttons(
    texts: Texts, assignment_id: int, may_accept: bool = True
) -> list[list[tuple[str, str]]]:
    """接受 (while not yet accepted) and 申请回避 under an assignment."""
    accept = [(texts.button_accept(), callback_data.accept(assignment_id))] if may_accept else []
    return [[*accept, (texts.button_recuse(), callback_data.recuse(assignment_id))]]


async def enqueue_withdrawn(session: AsyncSession, plan_id: int) -> int:
    """A redraw supersedes the plan's assignments: their teams hear that the task is withdrawn
    (the new draw's pushes follow), rather than finding dead buttons."""
    rows = await session.execute(
        select(Assignment.quarter, Target.name, AssignmentMember.person_key)
        .join(AssignmentMember, AssignmentMember.assignment_id == Assignment.id)
        .join(Target, Target.credit_code == Assignment.credit_code)
        .where(
            Assignment.plan_id == plan_id,
            Assignment.state != SUPERSEDED,
            Assignment.kind == "onsite",
        )
        .where(AssignmentMember.person_kind == "inspector", AssignmentMember.state != "replaced")
    )
    tasks = [(quarter, name, cert) for quarter, name, cert in rows]
    accounts = await accounts_of(session, {cert for _, _, cert in tasks})
    queued = 0
    for quarter, name, cert in tasks:
        account = accounts.get(cert)
        if account is not None:
            session.add(
                outbox.message(
                    account.chat_id, texts_for(account.language).assignment_withdrawn(quarter, name)
                )
            )
            queued += 1
    return queued
