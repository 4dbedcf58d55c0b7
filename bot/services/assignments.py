"""Assignments in chat: pushing them to the assigned inspectors, listing one's own, accepting,
and the recusal (回避) that draws a replacement. Only the team, its lead and admins ever see an
assignment; every action re-checks that the caller is on the team."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.context import AppContext
from bot.services import draws, form_drafts, outbox, review
from bot.services.identity import Person
from bot.services.problems import ServiceProblem
from bot.services.pushes import assignment_text, enqueue_pushes, task_buttons
from bot.texts import texts_for
from spotcheck import form
from spotcheck.chat_forms import RECUSAL
from spotcheck.draw import DrawRefused, Refusal
from spotcheck.form import Invalid
from spotcheck.inspection import ResultState
from spotcheck.states import ConflictSource, FormKind, MemberState, TaskState
from storage import account_store, assignment_store, draft_store, draw_store
from storage.audit import audit, chat_actor
from storage.draw_models import Assignment, AssignmentMember
from storage.models import utcnow


class AssignmentProblem(ServiceProblem):
    """An assignment action refused (not on the team, no reason …)."""


@dataclass(frozen=True)
class Task:
    """One of an inspector's assignments as /tasks shows it."""

    assignment_id: int
    quarter: str
    target_name: str
    credit_code: str
    due: date | None
    state: TaskState
    is_lead: bool
    my_state: MemberState  # his own place on the team: /report lists what he accepted


async def _membership(
    session: AsyncSession, person: Person, assignment_id: int
) -> tuple[Assignment, AssignmentMember]:
    """The caller's place on a team in force, or a logged refusal: a forged or stale button
    naming someone else's task changes nothing."""
    place = await assignment_store.membership(session, assignment_id, person.cert_no)
    if place is None:
        raise AssignmentProblem("not_yours", assignment=assignment_id)
    return place


async def log_refused(
    ctx: AppContext, person: Person | None, user_id: int, what: str, detail: str
) -> None:
    async with ctx.sessions() as session, session.begin():
        session.add(
            audit(
                chat_actor(user_id, person.cert_no if person else None),
                "refused",
                what,
                detail[:60],
                new={"cert_no": person.cert_no if person else None},
            )
        )


async def accept(ctx: AppContext, person: Person, assignment_id: int) -> tuple[str, bool]:
    """接受: (target name, whether this changed anything). Pressing twice changes nothing.

    The checks read before the write transaction, which is then two statements long: a
    compare-and-set on his place's state and its audit entry. A place that changed in between
    (he was replaced) is refused like a stale button."""
    async with ctx.sessions() as session:
        assignment, member = await _membership(session, person, assignment_id)
        target_name = await assignment_store.target_name(session, assignment.credit_code)
    if member.state == MemberState.ACCEPTED:
        return target_name, False
    async with ctx.sessions() as session, session.begin():
        if not await assignment_store.set_member_state(
            session, member.id, member.state, MemberState.ACCEPTED
        ):
            raise AssignmentProblem("not_yours", assignment=assignment_id)
        session.add(
            audit(
                person.actor,
                "accept",
                "assignments",
                str(assignment_id),
                old={"state": member.state},
                new={"state": MemberState.ACCEPTED, "cert_no": person.cert_no},
            )
        )
    return target_name, True


async def begin_recusal(ctx: AppContext, person: Person, assignment_id: int) -> str:
    """申请回避: open the recusal form for that task (replacing another of his that waits; his
    other forms, a /draw say, stay), and ask for the reason (the next text message)."""
    async with ctx.sessions() as session, session.begin():
        assignment, _ = await _membership(session, person, assignment_id)
        answers = form.start(RECUSAL, assignment=assignment_id)
        await form_drafts.restart(
            session, person.user_id, FormKind.RECUSAL, answers, "reason", utcnow()
        )
        return await assignment_store.target_name(session, assignment.credit_code)


@dataclass(frozen=True)
class RecusalOutcome:
    target_name: str
    replacement_name: str | None  # None: nobody could replace him (refusal says why)
    record_id: int | None
    refusal: Refusal | None


async def drop_recusal(ctx: AppContext, person: Person) -> str | None:
    """He sent a command instead of the reason: the request is dropped (a reason is never
    guessed from what follows). The target's name when one was waiting, else None."""
    async with ctx.sessions() as session, session.begin():
        draft = await form_drafts.mine(session, person.user_id, FormKind.RECUSAL)
        if draft is None or not await draft_store.discard(session, draft.id):
            return None
        return await _waiting_target(session, draft.data)


async def _waiting_target(session: AsyncSession, data: dict[str, object]) -> str:
    assignment = await assignment_store.get(session, int(str(data["assignment"])))
    if assignment is None:
        return ""
    return await assignment_store.target_name(session, assignment.credit_code)


async def complete_recusal(
    ctx: AppContext, person: Person, reason: str, now: datetime | None = None
) -> RecusalOutcome:
    """The reason arrived: record the conflict, draw a replacement under the same constraints
    (a new record amending the plan's current one), and queue the notices — one transaction.
    When nobody can replace him, the conflict still stands and the admins are told. A request
    older than [limits] recusal_wait_minutes has lapsed: the text is not a reason any more."""
    now = now or utcnow()
    async with ctx.sessions() as session, session.begin():
        draft = await form_drafts.mine(session, person.user_id, FormKind.RECUSAL)
        if draft is None:
            raise AssignmentProblem("no_recusal")
        accepted = form.accept(RECUSAL.template("reason"), reason, draft.data)
        if isinstance(accepted, Invalid):
            raise AssignmentProblem("reason_required")
        reason = str(accepted.value)
        # Whatever follows, the form is answered; the same text handled twice answers it once.
        if not await draft_store.discard(session, draft.id, draft.version):
            raise AssignmentProblem("no_recusal")
        if form_drafts.lapsed(draft, ctx.config.limits.recusal_wait_minutes, now):
            target_name = await _waiting_target(session, draft.data)
            await session.commit()
            raise AssignmentProblem("recusal_lapsed", target_name=target_name)
        try:
            assignment, _ = await _membership(session, person, int(draft.data["assignment"]))
        except AssignmentProblem:
            await session.commit()  # keep the cleared form; the task changed meanwhile
            raise
        plan = await draw_store.plan_by_id(session, assignment.plan_id)
        assert plan is not None and plan.current_record_id is not None
        await assignment_store.declare_conflict(
            session,
            person.cert_no,
            assignment.credit_code,
            reason,
            ConflictSource.RECUSAL,
            person.actor,
        )
        actor = person.actor
        try:
            async with session.begin_nested():
                change = await replace_and_notify(
                    session,
                    ctx,
                    plan.current_record_id,
                    assignment.credit_code,
                    person.cert_no,
                    reason,
                    actor,
                )
        except DrawRefused as refused:
            target_name = await _alert_admins(session, assignment.credit_code, person, reason)
            return RecusalOutcome(target_name, None, None, refused.reason)
        return RecusalOutcome(change.target_name, change.added_name, change.record_id, None)


@dataclass(frozen=True)
class TeamChange:
    target_name: str
    added_name: str
    added_cert: str
    outcome: draws.DrawOutcome  # the amending record, as published

    @property
    def record_id(self) -> int:
        return self.outcome.record_id


async def replace_and_notify(
    session: AsyncSession,
    ctx: AppContext,
    record_id: int,
    credit_code: str,
    removed: str,
    reason: str,
    actor: str,
) -> TeamChange:
    """Replace one member (a new amending record), push the task to the new member, and tell
    the rest of the team and the admins — in the caller's transaction. A result in review
    goes on with the new team (review.team_changed)."""
    outcome = await draws.replace_in(session, record_id, credit_code, removed, reason, actor)
    new_team = next(a for a in outcome.tasks if a["target"] == credit_code)
    before = next(a for a in outcome.record["amended_assignments"] if a["target"] == credit_code)
    added = next(c for c in new_team["inspectors"] if c not in before["inspectors"])
    amended = await draw_store.record_by_id(session, record_id)
    assert amended is not None  # replace_in found it
    assignment_id = await assignment_store.assignment_of_plan(session, amended.plan_id, credit_code)
    await enqueue_pushes(session, outcome.record_id, only=(int(assignment_id or 0), added))
    names = await account_store.names_of(session, {removed, added, *new_team["inspectors"]})
    target_name, region = await assignment_store.target_name_and_county(session, credit_code)
    if assignment_id is not None:
        team = set(new_team["inspectors"])
        await _withdraw_draft(session, assignment_id, team, target_name, actor)
        await review.team_changed(session, ctx, assignment_id, added, before.get("lead"))
    notice = {
        "target_name": target_name,
        "removed": names.get(removed, removed),
        "added": names[added],
        "reason": reason,
    }
    watchers = {c for c in new_team["inspectors"] if c != added}
    watchers |= await account_store.admins_of(session, region)
    for account in (await account_store.reachable_accounts(session, watchers)).values():
        session.add(
            outbox.message(account.chat_id, texts_for(account.language).team_changed(**notice))
        )
    return TeamChange(target_name, names[added], added, outcome)


async def _withdraw_draft(
    session: AsyncSession, assignment_id: int, team: set[str], target_name: str, actor: str
) -> None:
    """The assignment's inspection draft discarded when whoever fills it is no longer on the
    team (the one replaced): he cannot go on answering, adding photos, or keep his replacement
    from starting the form. He is told; the photos he sent stay, as evidence."""
    draft = await draft_store.on_subject(session, FormKind.INSPECTION, str(assignment_id))
    if draft is None:
        return
    holder = await account_store.account_by_user(session, draft.user_id)
    if holder is not None and holder.cert_no in team:
        return
    await draft_store.discard(session, draft.id)
    session.add(
        audit(
            actor,
            "discard",
            "form_drafts",
            str(assignment_id),
            new={"kind": FormKind.INSPECTION, "cert_no": holder.cert_no if holder else None},
        )
    )
    if holder is not None and holder.reachable:
        text = texts_for(holder.language).inspection_draft_withdrawn(target_name)
        session.add(outbox.message(holder.chat_id, text))


async def replace_member(
    ctx: AppContext, record_id: int, credit_code: str, removed: str, reason: str, actor: str
) -> tuple[draws.DrawOutcome, TeamChange]:
    """`draw replace` from the command line: the same replacement and notices as a recusal."""
    async with ctx.sessions() as session, session.begin():
        change = await replace_and_notify(
            session, ctx, record_id, credit_code, removed, reason, actor
        )
        return change.outcome, change


async def _alert_admins(
    session: AsyncSession, credit_code: str, person: Person, reason: str
) -> str:
    """Nobody can replace him: the admins must arrange it. Returns the target's name."""
    target_name, region = await assignment_store.target_name_and_county(session, credit_code)
    admins = await account_store.admins_of(session, region)
    for account in (await account_store.reachable_accounts(session, admins)).values():
        text = texts_for(account.language).recusal_unreplaced(target_name, person.name, reason)
        session.add(outbox.message(account.chat_id, text))
    return target_name


async def tasks_of(ctx: AppContext, person: Person) -> list[Task]:
    rows = await ctx.point_reads.all(assignment_store.TASKS_OF, {"cert_no": person.cert_no})
    return [
        Task(
            id_,
            quarter,
            name,
            code,
            due,
            TaskState.of(MemberState(state), drafting, ResultState(result) if result else None),
            lead,
            MemberState(state),
        )
        for id_, quarter, name, code, due, state, lead, drafting, result in rows
    ]


@dataclass(frozen=True)
class TaskCard:
    """One of his assignments shown again, as it was pushed, with what he may still do."""

    text: str
    buttons: list[list[tuple[str, str]]]
    location: tuple[float, float] | None  # (latitude, longitude) for a map pin


async def card_of(ctx: AppContext, person: Person, assignment_id: int) -> TaskCard:
    """/task_<id> from the /tasks list: only a member of the team in force gets it; anyone
    else gets AssignmentProblem (and the attempt is the handler's to log)."""
    async with ctx.sessions() as session:
        assignment, member = await _membership(session, person, assignment_id)
        target = await assignment_store.target(session, assignment.credit_code)
        team = await assignment_store.team_inspectors(session, assignment_id)
        names = await account_store.names_of(session, {m.person_key for m in team})
        items = await assignment_store.items_for(
            session, assignment.level, assignment.supervision_class
        )
    texts = texts_for(person.language)
    listed = [(names.get(m.person_key, m.person_key), m.is_lead) for m in team]
    pin = None
    if target.latitude is not None and target.longitude is not None:
        pin = (target.latitude, target.longitude)
    return TaskCard(
        assignment_text(texts, assignment, target, items, listed),
        task_buttons(
            texts,
            assignment_id,
            may_accept=member.state == MemberState.ASSIGNED,
            may_inspect=member.state == MemberState.ACCEPTED,
        ),
        pin,
    )


async def notify_unreachable(session: AsyncSession, chat_id: int) -> None:
    """Telegram answered 403 for this chat: tell the admins of the inspector's county."""
    account = await account_store.account_by_chat(session, chat_id)
    if account is None:
        return
    inspector = await account_store.inspector(session, account.cert_no)
    if inspector is None:
        return
    admins = await account_store.admins_of(session, inspector.region_code)
    for admin in (await account_store.reachable_accounts(session, admins)).values():
        if admin.chat_id != chat_id:
            session.add(
                outbox.message(
                    admin.chat_id,
                    texts_for(admin.language).unreachable(inspector.name, inspector.cert_no),
                )
            )
