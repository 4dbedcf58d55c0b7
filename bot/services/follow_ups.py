"""Follow-ups (后续处理) closed in chat, and their deadline reminders.

Who closes: any inspector who has accepted his place on the assignment's team in force — the
submitter among them while he is on it. A follow-up outlives the person who wrote the result:
when he is replaced or away, his teammates close it; and a stranger to the team never can.

办结 opens a small form on the engine (spotcheck/follow_up.py: the note, then for 责令整改 the
photos of the correction) as a draft of kind FOLLOW_UP, one per person, one per follow-up.
Every step re-reads his draft and re-checks that the follow-up is still his to close (open,
of the result in force, he on its team); 完成 closes it in one transaction: the draft gone,
state, closed_by, closed_at and close_note written by compare-and-set, and an audit row.
Correction photos are stored like the inspection's (checked, stored under their hash) as the
assignment's evidence with the note 整改照片.

Reminders go through the reminder ledger (bot/services/reporting.once), so a restart's
catch-up sends nothing twice.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot import callback_data
from bot.context import AppContext
from bot.services import form_drafts, outbox
from bot.services.identity import Person
from bot.services.inspection import PhotoAdded, PhotoIn
from bot.services.photo_check import checked_photo
from bot.services.problems import ServiceProblem
from bot.services.reporting import once
from bot.texts import texts_for
from spotcheck import form
from spotcheck.follow_up import (
    CLOSING,
    CORRECTION_PHOTO_NOTE,
    FOLLOW_UP,
    FOLLOW_UP_KIND,
    NOTE,
    PHOTOS,
    Stage,
    ledger_key,
    stage_on,
)
from spotcheck.form import InputKind, Invalid, Question
from spotcheck.roles import Role
from spotcheck.states import FormKind
from storage import account_store, draft_store, follow_up_store, result_store
from storage.audit import audit
from storage.draft_store import Draft, Stamp
from storage.evidence_store import store
from storage.follow_up_store import OpenFollowUp

KIND = FormKind.FOLLOW_UP
CONFIRM = ""  # the draft's open question once everything is answered: the 完成 screen
LEDGER_KIND = "follow_up"
SAVE_TRIES = 3  # a photo's compare-and-set, retried on a concurrent write of the draft


class FollowUpProblem(ServiceProblem):
    """Kinds: not_yours (logged), closed, held (name), stale (logged), invalid (reason_key,
    detail), no_photo_expected, image_refused (refusal, size, limit), not_a_correction."""


@dataclass(frozen=True)
class Screen:
    """Where his closing stands: the open question (the note, the photos), or None: 完成."""

    follow_up: OpenFollowUp
    stamp: Stamp
    question: Question | None
    note: str
    photos: int
    resumed: bool = False  # 办结 found his closing of it already open


@dataclass(frozen=True)
class Closed:
    follow_up: OpenFollowUp
    photos: int


# ---- reading -------------------------------------------------------------------------------


async def mine(ctx: AppContext, person: Person) -> list[OpenFollowUp]:
    """/followups: the open follow-ups he may close, nearest deadline first."""
    async with ctx.sessions() as session:
        return await follow_up_store.open_in_force(session, closer=person.cert_no)


async def _draft(session: AsyncSession, person: Person) -> Draft | None:
    return await form_drafts.mine(session, person.user_id, KIND)


async def _closable(session: AsyncSession, person: Person, follow_up_id: int) -> OpenFollowUp:
    """The follow-up, if it is his to close now; else closed, or not_yours."""
    found = await follow_up_store.open_in_force(session, closer=person.cert_no, ids=[follow_up_id])
    if found:
        return found[0]
    if await follow_up_store.closed(session, follow_up_id, person.cert_no) is not None:
        raise FollowUpProblem("closed")
    raise FollowUpProblem("not_yours", follow_up=follow_up_id)


async def _closable_or_drop(session: AsyncSession, person: Person, draft: Draft) -> OpenFollowUp:
    """The follow-up his draft closes, if it is still his to close; else the draft is dropped
    (committed) with the refusal — closed by a teammate meanwhile, the result sent back, he off
    the team — so his next message is not taken for it again."""
    try:
        return await _closable(session, person, int(draft.subject))
    except FollowUpProblem:
        await draft_store.discard(session, draft.id)
        await session.commit()
        raise


def _question(draft: Draft) -> Question | None:
    return form.find(CLOSING, draft.data, draft.question) if draft.question else None


def _screen(draft: Draft, follow_up: OpenFollowUp, resumed: bool = False) -> Screen:
    return Screen(
        follow_up,
        draft.stamp,
        _question(draft),
        str(draft.data.get(NOTE, "")),
        len(form.pending(draft.data, PHOTOS)),
        resumed,
    )


async def waiting_for(ctx: AppContext, person: Person) -> Question | None:
    """The question his closing waits for (the note, the photos); None when he has none."""
    async with ctx.sessions() as session:
        draft = await _draft(session, person)
    return _question(draft) if draft is not None else None


# ---- 办结 ------------------------------------------------------------------------------------


async def begin(ctx: AppContext, person: Person, follow_up_id: int, now: datetime) -> Screen:
    """办结: his closing of this follow-up, opened now or already open (another closing of his
    is replaced). Refused: not his to close, closed already, or a teammate closing it."""
    async with ctx.sessions() as session, session.begin():
        follow_up = await _closable(session, person, follow_up_id)
        other = await _draft(session, person)
        if other is not None and other.subject != str(follow_up_id):
            await draft_store.discard(session, other.id)
        answers = form.start(
            CLOSING, **{FOLLOW_UP: follow_up_id, FOLLOW_UP_KIND: follow_up.kind.value}
        )
        opened = await draft_store.open_draft(
            session, person.user_id, KIND, answers, NOTE, now, subject=str(follow_up_id)
        )
        if opened.held_by_other:
            account = await account_store.account_by_user(session, opened.draft.user_id)
            cert = account.cert_no if account is not None else ""
            name = (await account_store.names_of(session, {cert})).get(cert, "")
            raise FollowUpProblem("held", name=name)
        if opened.created:
            session.add(
                audit(person.actor, "start", "form_drafts", str(follow_up_id), new={"kind": KIND})
            )
        return _screen(opened.draft, follow_up, resumed=not opened.created)


async def answer_note(ctx: AppContext, person: Person, text: str, now: datetime) -> Screen:
    """The note typed: recorded by compare-and-set with the question to ask next."""
    async with ctx.sessions() as session, session.begin():
        draft = await _draft(session, person)
        question = _question(draft) if draft is not None else None
        if draft is None or question is None or question.key != NOTE:
            raise FollowUpProblem("stale")
        follow_up = await _closable_or_drop(session, person, draft)
        verdict = form.accept(question, text, draft.data)
        if isinstance(verdict, Invalid):
            raise FollowUpProblem("invalid", reason_key=verdict.reason_key, detail=verdict.detail)
        answers = form.record(draft.data, question, verdict)
        following = form.next_question(CLOSING, answers)
        key = following.key if following is not None else CONFIRM
        version = await draft_store.save_answer(session, draft.id, draft.version, answers, key, now)
        if version is None:
            raise FollowUpProblem("stale")
        saved = Draft(
            draft.id, draft.user_id, draft.kind, draft.subject, answers, key, version, now, None
        )
        return _screen(saved, follow_up)


async def add_photo(
    ctx: AppContext,
    person: Person,
    photo: PhotoIn,
    fetch: Callable[[], Awaitable[bytes]],
    now: datetime,
) -> PhotoAdded:
    """A photo of the correction while his closing of a 责令整改 asks for photos: checked,
    stored under its hash, recorded as the assignment's evidence (整改照片) and as one of the
    closing's photos. A photo the check itself recorded (the same bytes) is no correction."""
    async with ctx.sessions() as session:
        draft = await _draft(session, person)
        question = _question(draft) if draft is not None else None
        if draft is None or question is None or question.kind is not InputKind.PHOTOS:
            raise FollowUpProblem("no_photo_expected")
        follow_up = await _closable_or_drop(session, person, draft)
        known = await result_store.evidence_by_file(
            session, follow_up.assignment_id, photo.file_unique_id
        )
    if known is not None:  # sent before (or a retried update): no need to fetch it again
        if known.note != CORRECTION_PHOTO_NOTE:
            raise FollowUpProblem("not_a_correction")
        return await _add_to_closing(ctx, person, follow_up, known.sha256, now)
    data, facts = await checked_photo(ctx, photo.file_size, fetch, FollowUpProblem)
    async with ctx.sessions() as session:
        same = [
            e
            for e in await result_store.evidence_of(session, follow_up.assignment_id)
            if e.sha256 == facts.sha256
        ]
    if same and same[0].note != CORRECTION_PHOTO_NOTE:
        raise FollowUpProblem("not_a_correction")
    await asyncio.to_thread(store, data, facts, ctx.config.storage.evidence_dir)
    async with ctx.sessions() as session, session.begin():
        await _closable(session, person, follow_up.id)  # still his (replaced meanwhile?)
        await result_store.add_evidence(
            session,
            follow_up.assignment_id,
            facts,
            source=photo.source,
            received_by=person.cert_no,
            note=CORRECTION_PHOTO_NOTE,
            file_unique_id=photo.file_unique_id,
            now=now,
        )
    return await _add_to_closing(ctx, person, follow_up, facts.sha256, now)


async def _add_to_closing(
    ctx: AppContext, person: Person, follow_up: OpenFollowUp, sha256: str, now: datetime
) -> PhotoAdded:
    """The photo among his closing's photos (once), by compare-and-set on the draft."""
    for _ in range(SAVE_TRIES):
        async with ctx.sessions() as session, session.begin():
            draft = await _draft(session, person)
            question = _question(draft) if draft is not None else None
            if (
                draft is None
                or draft.subject != str(follow_up.id)
                or question is None
                or question.key != PHOTOS
            ):
                raise FollowUpProblem("no_photo_expected")  # closed or gone meanwhile
            answers, new = form.add_photo(draft.data, PHOTOS, sha256)
            count = len(form.pending(answers, PHOTOS))
            if not new:
                return PhotoAdded(count, False)
            saved = await draft_store.save_answer(
                session, draft.id, draft.version, answers, PHOTOS, now
            )
            if saved is not None:
                return PhotoAdded(count, True)
    raise FollowUpProblem("stale")


async def finish(ctx: AppContext, person: Person, at: Stamp, key: str, now: datetime) -> Closed:
    """完成 (on the photos question, or on the 完成 screen): the follow-up closed — the draft
    discarded; state, closed_by, closed_at and the note written; audited — in one transaction.
    The button names the draft and the question it was shown with: photos that arrived after
    it do not make it stale."""
    async with ctx.sessions() as session, session.begin():
        draft = await _draft(session, person)
        if draft is None or draft.id != at.draft or draft.question != key:
            raise FollowUpProblem("stale")
        follow_up = await _closable_or_drop(session, person, draft)
        answers = draft.data
        question = _question(draft)
        if question is not None:
            if question.kind is not InputKind.PHOTOS:
                raise FollowUpProblem("stale")
            verdict = form.accept(question, form.pending(answers, PHOTOS), answers)
            if isinstance(verdict, Invalid):
                raise FollowUpProblem(
                    "invalid", reason_key=verdict.reason_key, detail=verdict.detail
                )
            answers = form.record(answers, question, verdict)
        if form.next_question(CLOSING, answers) is not None:
            raise FollowUpProblem("stale")
        if not await draft_store.discard(session, draft.id, draft.version):
            raise FollowUpProblem("stale")
        note = str(answers[NOTE])
        if not await follow_up_store.close(session, follow_up.id, person.cert_no, now, note):
            await session.commit()  # a teammate closed it a moment ago: his draft goes too
            raise FollowUpProblem("closed")
        photos = list(answers.get(PHOTOS) or [])
        session.add(
            audit(
                person.actor,
                "close",
                "follow_ups",
                str(follow_up.id),
                old={"state": "open"},
                new={
                    "state": "closed",
                    "closed_by": person.cert_no,
                    "close_note": note,
                    "photos": photos,
                },
                at=now,
            )
        )
        return Closed(follow_up, len(photos))


# ---- reminders -----------------------------------------------------------------------------


async def send_reminders(ctx: AppContext, now: datetime) -> int:
    """Each open 责令整改 of a result in force: a reminder to those who may close it
    ``[follow_ups] remind_days_before`` days before its deadline and one on the day; past it,
    one escalation to each county admin of the target's county. Each once (the ledger)."""
    today = now.astimezone(ctx.config.timezone).date()
    days = ctx.config.follow_ups.remind_days_before
    queued = 0
    async with ctx.sessions() as session, session.begin():
        due = await follow_up_store.open_in_force(
            session, rectify_due_by=today + timedelta(days=days)
        )
        admins = await account_store.bound_people(session, Role.COUNTY_ADMIN)
        for follow_up in due:
            deadline = follow_up.deadline
            assert deadline is not None  # the query keeps the deadlines up to the horizon
            stage = stage_on(deadline, today, days)
            if stage is None:
                continue
            key = ledger_key(follow_up.id, stage, deadline)
            if stage is Stage.OVERDUE:
                for cert, _, county, account in admins:
                    if county != follow_up.region_code:
                        continue
                    texts = texts_for(account.language)
                    text = texts.follow_up_overdue(
                        texts.region_name(ctx.config.regions, county),
                        follow_up.target_name,
                        deadline,
                        (today - deadline).days,
                    )
                    message = outbox.message(account.chat_id, text)
                    queued += await once(session, LEDGER_KIND, key, cert, message)
                continue
            for cert, account in await follow_up_store.closers(session, follow_up.assignment_id):
                texts = texts_for(account.language)
                text = texts.follow_up_reminder(
                    follow_up.target_name, deadline, (deadline - today).days
                )
                button = (
                    texts.close_follow_up_button(),
                    callback_data.close_follow_up(follow_up.id),
                )
                message = outbox.message(account.chat_id, text, [[button]])
                queued += await once(session, LEDGER_KIND, key, cert, message)
    return queued
