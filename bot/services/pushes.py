"""Pushing assignments to the inspectors on their teams, through the outbox, in the
transaction that made them."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot import callback_data
from bot.services import outbox
from bot.texts import Texts, texts_for
from storage import account_store, assignment_store
from storage.draw_models import Assignment, AssignmentMember
from storage.models import Target


async def enqueue_pushes(
    session: AsyncSession, record_id: int, only: tuple[int, str] | None = None
) -> int:
    """Outbox rows telling each inspector of a record's on-site teams what to check, with
    whom, by when; buttons 接受 and 申请回避. ``only`` = (assignment id, cert no) limits it to one
    new member (a replacement). Inspectors without a bound account learn of it in /tasks."""
    pairs = await assignment_store.teams_to_push(
        session, record_id, None if only is None else only[0]
    )
    teams: dict[int, list[AssignmentMember]] = {}
    for assignment, member in pairs:
        teams.setdefault(assignment.id, []).append(member)
    assignments = {a.id: a for a, _ in pairs}
    certs = {m.person_key for _, m in pairs}
    accounts = await account_store.reachable_accounts(session, certs)
    names = await account_store.names_of(session, certs)
    targets = await assignment_store.targets(session, {a.credit_code for a in assignments.values()})
    items_by: dict[tuple[str, str], list[str]] = {}
    queued = 0
    for assignment_id, members in teams.items():
        assignment = assignments[assignment_id]
        key = (assignment.level, assignment.supervision_class)
        if key not in items_by:
            items_by[key] = await assignment_store.items_for(session, *key)
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
    texts: Texts, assignment_id: int, may_accept: bool = True, may_inspect: bool = False
) -> list[list[tuple[str, str]]]:
    """接受 (while not yet accepted) and 申请回避 under an assignment; 开始检查 once accepted."""
    accept = [(texts.button_accept(), callback_data.accept(assignment_id))] if may_accept else []
    rows = [[*accept, (texts.button_recuse(), callback_data.recuse(assignment_id))]]
    if may_inspect:
        start = (texts.start_inspection_button(), callback_data.start_inspection(assignment_id))
        rows.insert(0, [start])
    return rows


async def enqueue_withdrawn(session: AsyncSession, plan_id: int) -> int:
    """A redraw supersedes the plan's assignments: their teams hear that the task is withdrawn
    (the new draw's pushes follow), rather than finding dead buttons."""
    tasks = await assignment_store.onsite_teams_of_plan(session, plan_id)
    accounts = await account_store.reachable_accounts(session, {cert for _, _, cert in tasks})
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
