"""The on-site inspection form (现场检查) in chat: start it on an accepted assignment, answer
its questions one by one (each answer written, by compare-and-set, before the next question
is shown), take photos as evidence, review and edit, submit the result, or discard the draft.

One draft per assignment (whoever opens it first fills it) and one inspection draft per person
(storage/draft_store.py). The form and its rules are spotcheck/inspection.py; the engine that
asks and edits is spotcheck/form.py. Every action re-reads the caller's own draft and compares
the button's stamp (the draft's id and version) with it: a forged button can only ever reach
the caller's own draft at its current version, and a button of a discarded draft (ids are
never reused) reaches none.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any, NamedTuple

from sqlalchemy.ext.asyncio import AsyncSession

from bot.context import AppContext
from bot.services import assignments, review
from bot.services.identity import Person
from bot.services.photo_check import checked_photo
from bot.services.problems import ServiceProblem
from spotcheck import form
from spotcheck.form import DONE, Answer, InputKind, Invalid, Question
from spotcheck.inspection import (
    AMENDS,
    CHECK_DAY,
    CHECKED_IN_AT,
    ITEMS,
    CheckIn,
    EvidenceSource,
    FollowUpKind,
    ItemAnswer,
    ResultCategory,
    checked_in,
    checkin_of,
    follow_ups,
    inspection_form,
)
from spotcheck.states import FormKind, MemberState
from storage import account_store, assignment_store, draft_store, result_store, review_store
from storage.audit import audit
from storage.draft_store import Draft, Stamp
from storage.evidence_store import store
from storage.result_store import CheckinInput, FollowUpInput, ItemInput, ResultExists, ResultInput

FORM = inspection_form()
KIND = FormKind.INSPECTION.value
REVIEW = ""  # the draft's open question while the review screen is shown
# Callback keys that are not questions: the review screen's 提交, 修改 (which shows the
# numbers to choose from) and 返回 (from the numbers), /cancel's confirmation.
REVIEW_KEY, SUBMIT_VALUE, CHOOSE_VALUE, BACK_VALUE = "review", "submit", "choose", "back"
CANCEL_KEY, CANCEL_YES, CANCEL_NO = "cancel", "yes", "no"
EDIT_VALUE = "edit"


class InspectionProblem(ServiceProblem):
    """Kinds: not_yours (logged), not_accepted, submitted, held (name, target_name),
    other_open (target_name), stale (logged), invalid (reason_key, detail), no_photo_expected,
    image_refused (refusal, size, limit), result_exists."""


@dataclass(frozen=True)
class Screen:
    """What to show: the open question of the caller's draft, or the review screen."""

    version: int
    assignment_id: int
    answers: dict[str, Any]
    draft: int  # the draft's id: with the version, what its buttons carry
    question: Question | None  # None: the review screen
    target_name: str = ""
    photos: int = 0  # evidence stored for the assignment so far (the photos question)
    resumed: bool = False  # 开始检查 found his draft already open
    checkin: CheckIn | None = None  # just answered: the check-in as measured
    target_located: bool = True  # the target has coordinates
    review: list[form.ReviewLine] = field(default_factory=list)

    @property
    def stamp(self) -> Stamp:
        return Stamp(self.draft, self.version)


@dataclass(frozen=True)
class Startable:
    """An accepted assignment of his without a result (/report)."""

    assignment_id: int
    target_name: str
    due: date | None
    mine: bool  # his draft of it is open: 继续填写


@dataclass(frozen=True)
class PhotoIn:
    file_unique_id: str
    file_size: int | None  # as Telegram reports it; None when it does not say
    source: EvidenceSource
    note: str  # the caption


@dataclass(frozen=True)
class PhotoAdded:
    count: int  # the assignment's evidence so far
    new: bool  # False: this file was stored already (sent twice, or a retried update)


# ---- reading -------------------------------------------------------------------------------


async def _mine(session: AsyncSession, person: Person) -> Draft | None:
    found = await draft_store.of_user(session, person.user_id, KIND)
    return found[0] if found else None


class Held(NamedTuple):
    draft: Draft
    on_team: bool  # still an accepted member of the team in force of its assignment


async def _held(ctx: AppContext, person: Person) -> Held | None:
    """His draft, and whether he may still fill it (replaced, or the plan redrawn, since he
    opened it: he may not), in one point read of the hot path, outside any transaction: every
    write that follows is a compare-and-set on the version read here, which his replacement's
    transaction discards."""
    rows = await ctx.point_reads.all(
        assignment_store.HELD_INSPECTION,
        {"user_id": person.user_id, "kind": KIND, "cert_no": person.cert_no},
    )
    if not rows:
        return None
    *draft, on_team = rows[0]
    return Held(draft_store.from_row(draft), bool(on_team))


def _on_team(held: Held) -> Draft:
    """The draft, if he may fill it (else not_yours)."""
    if not held.on_team:
        raise InspectionProblem("not_yours", assignment=int(held.draft.subject))
    return held.draft


def _question(draft: Draft) -> Question | None:
    return form.find(FORM, draft.data, draft.question) if draft.question else None


async def _target_of(
    session: AsyncSession, assignment_id: int
) -> tuple[str, float | None, float | None]:
    assignment = await assignment_store.get(session, assignment_id)
    if assignment is None:
        return "", None, None
    target = await assignment_store.target(session, assignment.credit_code)
    return target.name, target.latitude, target.longitude


async def _screen(session: AsyncSession, draft: Draft, version: int, **extra: Any) -> Screen:
    question = _question(draft)
    photos = 0
    if question is not None and question.kind is InputKind.PHOTOS:
        photos = len(await result_store.evidence_of(session, int(draft.subject)))
    return _shown(draft, question, version, photos, **extra)


def _shown(
    draft: Draft, question: Question | None, version: int, photos: int, **extra: Any
) -> Screen:
    # Every write of this service stores settled answers (an answer is settled as it is
    # recorded; a toggle, 修改 and a photo change nothing settle would drop).
    review = form.review(FORM, draft.data, settled=True) if question is None else []
    return Screen(
        version,
        int(draft.subject),
        draft.data,
        draft.id,
        question,
        photos=photos,
        review=review,
        **extra,
    )


async def open_screen(ctx: AppContext, person: Person) -> Screen | None:
    """/resume: the open question of his inspection draft (or its review screen); None when
    he has none."""
    async with ctx.sessions() as session:
        draft = await _mine(session, person)
        if draft is None:
            return None
        name = (await _target_of(session, int(draft.subject)))[0]
        return await _screen(session, draft, draft.version, target_name=name, resumed=True)


async def waiting_for_text(ctx: AppContext, person: Person) -> Question | None:
    """The question of his draft a typed message answers (text, number, date, or the check-in's
    无法定位 typed from the reply keyboard); None when there is none."""
    held = await _held(ctx, person)
    question = _question(held.draft) if held is not None else None
    if question is None or question.kind in (InputKind.BUTTONS, InputKind.MULTI):
        return None
    return question


async def startable(ctx: AppContext, person: Person) -> list[Startable]:
    """/report: his accepted assignments in force without a result, his open draft marked."""
    tasks = [
        t for t in await assignments.tasks_of(ctx, person) if t.my_state == MemberState.ACCEPTED
    ]
    async with ctx.sessions() as session:
        done = await result_store.with_results(session, [t.assignment_id for t in tasks])
        draft = await _mine(session, person)
    mine = draft.subject if draft is not None else None
    return [
        Startable(t.assignment_id, t.target_name, t.due, str(t.assignment_id) == mine)
        for t in tasks
        if t.assignment_id not in done
    ]


# ---- starting ------------------------------------------------------------------------------


async def start(
    ctx: AppContext, person: Person, assignment_id: int, today: date, now: datetime
) -> Screen:
    """开始检查: his draft of this assignment, opened now or already open (resumed). Refused:
    not on the team in force (not_yours), not accepted, result already submitted, another
    member filling it (held), or his draft of another assignment still open (other_open)."""
    async with ctx.sessions() as session, session.begin():
        place = await assignment_store.membership(session, assignment_id, person.cert_no)
        if place is None:
            raise InspectionProblem("not_yours", assignment=assignment_id)
        assignment, member = place
        target = await assignment_store.target(session, assignment.credit_code)
        if member.state != MemberState.ACCEPTED:
            raise InspectionProblem("not_accepted", target_name=target.name)
        if await result_store.with_results(session, [assignment_id]):
            raise InspectionProblem("submitted", target_name=target.name)
        items = await assignment_store.item_pairs_for(
            session, assignment.level, assignment.supervision_class
        )
        answers = form.start(
            FORM, **{ITEMS: [list(pair) for pair in items], CHECK_DAY: today.isoformat()}
        )
        first = form.next_question(FORM, answers)
        latest = await review_store.latest_version(session, assignment_id)
        if latest is not None and latest.answers is not None:  # sent back: start from it
            answers, first = latest.answers, None
        opened = await draft_store.open_draft(
            session,
            person.user_id,
            KIND,
            answers,
            first.key if first is not None else REVIEW,
            now,
            subject=str(assignment_id),
        )
        draft = opened.draft
        if opened.held_by_other:
            account = await account_store.account_by_user(session, draft.user_id)
            cert = account.cert_no if account is not None else ""
            name = (await account_store.names_of(session, {cert})).get(cert, "")
            raise InspectionProblem("held", name=name, target_name=target.name)
        if draft.subject != str(assignment_id):
            other = (await _target_of(session, int(draft.subject)))[0]
            raise InspectionProblem("other_open", target_name=other)
        if opened.created:
            session.add(
                audit(person.actor, "start", "form_drafts", str(assignment_id), new={"kind": KIND})
            )
        return await _screen(
            session,
            draft,
            draft.version,
            target_name=target.name,
            resumed=not opened.created,
            target_located=target.latitude is not None and target.longitude is not None,
        )


# ---- answering -----------------------------------------------------------------------------


async def answer(
    ctx: AppContext,
    person: Person,
    at: Stamp | None,
    key: str,
    raw: object,
    today: date,
    now: datetime,
) -> Screen:
    """An answer to the open question ``key`` of his draft as stamped ``at`` (None: typed or
    sent, the current one): written by compare-and-set with the next question to ask. A
    button of another draft, version or question is stale; an answer the form refuses is
    invalid (nothing changes)."""
    held = await _held(ctx, person)
    if held is None or (at is not None and held.draft.stamp != at):
        raise InspectionProblem("stale")
    question = _question(held.draft)
    if question is None or question.key != key:
        raise InspectionProblem("stale")
    draft = _on_team(held)
    answers = draft.data
    if question.kind is InputKind.MULTI and raw != DONE:
        if not any(o.code == raw for o in form.options(question, answers)):
            raise InspectionProblem("stale")
        return await _save(ctx, draft, form.toggle(answers, key, str(raw)), key, now)
    if question.kind is InputKind.MULTI:
        raw = form.pending(answers, key)
    elif question.kind is InputKind.PHOTOS:
        if raw != DONE:
            raise InspectionProblem("stale")
        async with ctx.sessions() as session:
            evidence = await result_store.evidence_of(session, int(draft.subject))
        raw = [e.sha256 for e in evidence]
    verdict = form.accept(question, raw, answers, today)
    if isinstance(verdict, Invalid):
        raise InspectionProblem("invalid", reason_key=verdict.reason_key, detail=verdict.detail)
    if question.key == "checkin":  # the check day is the check-in's (checked_in)
        answers = checked_in(answers, today, now)
    new = _recorded(answers, question, verdict)
    following = form.next_question(FORM, new, settled=True)
    extra: dict[str, Any] = {}
    if question.key == "checkin":
        async with ctx.sessions() as session:
            name, lat, lon = await _target_of(session, int(draft.subject))
        radius = ctx.config.inspection.checkin_radius_m
        extra = {
            "checkin": checkin_of(new, lat, lon, radius),
            "target_located": lat is not None and lon is not None,
            "target_name": name,
        }
    return await _save(
        ctx, draft, new, following.key if following is not None else REVIEW, now, **extra
    )


def _recorded(answers: dict[str, Any], question: Question, verdict: Answer) -> dict[str, Any]:
    """A first answer recorded; an answer changed from the review screen re-asks only what
    depends on it."""
    if question.key in answers:
        return form.after_edit(FORM, answers, question.key, verdict)
    return form.settle(FORM, form.record(answers, question, verdict))


async def _save(
    ctx: AppContext,
    draft: Draft,
    answers: dict[str, Any],
    question: str,
    now: datetime,
    **extra: Any,
) -> Screen:
    """The answers and the question to ask next written by compare-and-set, and committed,
    before the next screen is made: in the event loop when the write can go at once
    (ctx.point_writes), else in a transaction of its own."""
    params = draft_store.answer_params(draft.id, draft.version, answers, question, now)
    written = ctx.point_writes.rowcount(draft_store.SAVE_ANSWER, params)
    if written is None:
        async with ctx.sessions() as session, session.begin():
            version = await draft_store.save_answer(
                session, draft.id, draft.version, answers, question, now
            )
        written = 0 if version is None else 1
    if written != 1:
        raise InspectionProblem("stale")
    version = draft.version + 1
    saved = Draft(
        draft.id, draft.user_id, draft.kind, draft.subject, answers, question, version, now, None
    )
    shown = _question(saved)
    if shown is not None and shown.kind is InputKind.PHOTOS:
        async with ctx.sessions() as session:
            return await _screen(session, saved, version, **extra)
    return _shown(saved, shown, version, 0, **extra)


async def reviewing(ctx: AppContext, person: Person, at: Stamp) -> Screen:
    """The review screen his button was pressed on, still the one in force (修改 and 返回
    change only its buttons; nothing is written)."""
    held = await _held(ctx, person)
    if held is None or held.draft.stamp != at or held.draft.question != REVIEW:
        raise InspectionProblem("stale")
    return _shown(held.draft, None, at.version, 0)


async def edit(ctx: AppContext, person: Person, at: Stamp, key: str, now: datetime) -> Screen:
    """修改 on the review screen: that question asked again (a multiple choice starts from
    what was chosen)."""
    held = await _held(ctx, person)
    if held is None or held.draft.stamp != at or held.draft.question != REVIEW:
        raise InspectionProblem("stale")
    question = form.find(FORM, held.draft.data, key)
    # 修改 is offered for the answers the review screen lists: the relevant answered ones.
    if (
        question is None
        or key not in held.draft.data
        or not form.is_relevant(question, held.draft.data)
    ):
        raise InspectionProblem("stale")
    draft = _on_team(held)
    answers = dict(draft.data)
    if question.kind is InputKind.MULTI:
        answers[form.PENDING + key] = list(answers[key])
    return await _save(ctx, draft, answers, key, now)


# ---- photos --------------------------------------------------------------------------------


async def add_photo(
    ctx: AppContext,
    person: Person,
    photo: PhotoIn,
    fetch: Callable[[], Awaitable[bytes]],
    now: datetime,
) -> PhotoAdded:
    """A photo (or image file) for the open photos question: checked, stored under its hash,
    recorded as the assignment's evidence. The draft's answers are not written (the photos
    question's answer is the evidence on 完成, so the photos of an album are never stale
    writes), but it is touched: a photo is activity, and keeps the draft from expiring."""
    held = await _held(ctx, person)
    question = _question(held.draft) if held is not None else None
    if held is None or question is None or question.kind is not InputKind.PHOTOS:
        raise InspectionProblem("no_photo_expected")
    draft = _on_team(held)
    assignment_id = int(draft.subject)
    async with ctx.sessions() as session:
        known = await result_store.evidence_by_file(session, assignment_id, photo.file_unique_id)
        if known is not None:
            count = len(await result_store.evidence_of(session, assignment_id))
            return PhotoAdded(count, False)
    data, facts = await checked_photo(ctx, photo.file_size, fetch, InspectionProblem)
    await asyncio.to_thread(store, data, facts, ctx.config.storage.evidence_dir)
    async with ctx.sessions() as session, session.begin():
        if not await draft_store.touch(session, draft.id, now):
            raise InspectionProblem("no_photo_expected")  # gone meanwhile (replaced, expired)
        _, created = await result_store.add_evidence(
            session,
            assignment_id,
            facts,
            source=photo.source,
            received_by=person.cert_no,
            note=photo.note,
            file_unique_id=photo.file_unique_id,
        )
        count = len(await result_store.evidence_of(session, assignment_id))
    return PhotoAdded(count, created)


# ---- submitting and discarding -------------------------------------------------------------


async def submit(ctx: AppContext, person: Person, at: Stamp, now: datetime) -> str:
    """提交 at ``now`` (the bot's clock, which the review chain's reminders count from): the
    result written and the draft discarded in one transaction; the target's name.
    After it the result cannot change: a second 提交 finds no draft (stale)."""
    async with ctx.sessions() as session, session.begin():
        draft = await _mine(session, person)
        if draft is None or draft.stamp != at or draft.question != REVIEW:
            raise InspectionProblem("stale")
        answers = form.settle(FORM, draft.data)
        if form.next_question(FORM, answers) is not None:
            raise InspectionProblem("stale")
        # issue 10: a form opened by 更正 is an amendment of the passed version; the reason
        # is the new version's, not one of its answers (a return of it reopens a plain form)
        amendment_reason = str(answers.pop(AMENDS, "") or "")
        assignment_id = int(draft.subject)
        if await assignment_store.membership(session, assignment_id, person.cert_no) is None:
            raise InspectionProblem("not_yours", assignment=assignment_id)
        name, lat, lon = await _target_of(session, assignment_id)
        radius = ctx.config.inspection.checkin_radius_m
        data = replace(
            result_input(answers, assignment_id, (lat, lon), radius, person.cert_no),
            submitted_at=now,
            amendment_reason=amendment_reason,
        )
        if not await draft_store.discard(session, draft.id, at.version):
            raise InspectionProblem("stale")
        try:
            result_id = await result_store.save_result(session, data)
        except ResultExists:
            raise InspectionProblem("result_exists", target_name=name) from None
        session.add(
            audit(
                person.actor,
                "submit",
                "inspection_results",
                str(result_id),
                new={"assignment": assignment_id, "cert_no": person.cert_no},
                at=now,
            )
        )
        # The team gets the result card (the others with 确认 / 有异议) in the same transaction.
        await review.submitted(session, ctx, result_id, now)
        return name


def result_input(
    answers: dict[str, Any],
    assignment_id: int,
    target: tuple[float | None, float | None],
    radius_m: float,
    submitted_by: str,
) -> ResultInput:
    """The result the answers make; checked on the day of the check-in (checked_in)."""
    items = tuple(
        ItemInput(
            item.code,
            ItemAnswer(answers[f"item.{item.index}"]),
            str(answers.get(f"note.{item.index}", "")),
        )
        for item in form.items_of(answers, ITEMS)
    )
    checkin = checkin_of(answers, target[0], target[1], radius_m)
    assert checkin is not None  # the first question
    reason = checkin.reason if checkin.unlocated else ("far" if checkin.flagged else "")
    deadline = answers.get("deadline")
    agency = answers.get("agency")
    return ResultInput(
        assignment_id=assignment_id,
        category=ResultCategory(answers["category"]),
        findings=str(answers.get("findings", "")),
        items=items,
        checkin=CheckinInput(
            checkin.latitude,
            checkin.longitude,
            checkin.distance_m,
            checkin.flagged,
            datetime.fromisoformat(str(answers[CHECKED_IN_AT])),
            reason,
        ),
        submitted_by=submitted_by,
        checked_on=date.fromisoformat(str(answers[CHECK_DAY])),
        answers=answers,
        follow_ups=tuple(
            FollowUpInput(
                kind,
                date.fromisoformat(deadline) if kind is FollowUpKind.RECTIFY and deadline else None,
                str(agency) if kind is FollowUpKind.TRANSFER and agency else None,
            )
            for kind in follow_ups(answers)
        ),
    )


async def pending_discard(ctx: AppContext, person: Person) -> tuple[Stamp, str] | None:
    """/cancel with an inspection draft open: (its stamp, the target's name) for the
    question whether to discard it; None when he has none."""
    async with ctx.sessions() as session:
        draft = await _mine(session, person)
        if draft is None:
            return None
        return draft.stamp, (await _target_of(session, int(draft.subject)))[0]


async def discard(ctx: AppContext, person: Person, at: Stamp) -> str:
    """放弃草稿 confirmed: the answers are gone (the photos stay, as evidence); the target's
    name."""
    async with ctx.sessions() as session, session.begin():
        draft = await _mine(session, person)
        if draft is None or draft.id != at.draft:
            raise InspectionProblem("stale")
        if not await draft_store.discard(session, draft.id, at.version):
            raise InspectionProblem("stale")
        session.add(
            audit(person.actor, "discard", "form_drafts", draft.subject, new={"kind": KIND})
        )
        return (await _target_of(session, int(draft.subject)))[0]
