"""The /draw form in chat: the wizard declared in spotcheck/chat_forms.py (quarter → level →
region → class → directed filter → seed), asked by the form engine, then the preview and 确认抽取.
Each answer is written to the draft by compare-and-set on the version the buttons carry, and
the buttons name their draft, so a restart loses nothing and a stale, doubled or forged button
(or one of a form cancelled before) changes nothing."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.context import AppContext
from bot.services import draws, form_drafts
from bot.services.draws import DrawOutcome, DrawRequest
from bot.services.identity import Person
from bot.services.problems import ServiceProblem
from spotcheck import form
from spotcheck.chat_forms import ALL, DRAW, MAX_TAGS, TYPED
from spotcheck.classes import SupervisionClass
from spotcheck.deadlines import Quarter
from spotcheck.draw import DrawFilters
from spotcheck.form import Invalid, Option, Question
from spotcheck.quota import Level, StratumPlan
from spotcheck.roles import Role, may_draw
from spotcheck.states import FormKind
from storage import draft_store
from storage.draft_store import Draft, Stamp
from storage.models import Tag, utcnow

PREVIEW = "preview"  # the step after the last question: its buttons are confirm and cancel


class FormProblem(ServiceProblem):
    """A form step refused: stale or forged button, or beyond the caller's rights."""


@dataclass
class Step:
    """What to ask next: a question and the options offered now, or (question None) the
    preview of the plan; ``answers`` for the buttons' words."""

    question: Question | None
    at: Stamp  # what its buttons carry
    answers: dict[str, Any]
    options: tuple[Option, ...] = ()
    preview: tuple[StratumPlan, ...] = dataclasses.field(default=())


async def start(ctx: AppContext, person: Person, today: date) -> Step:
    if person.role not in (Role.ADMIN, Role.COUNTY_ADMIN):
        raise FormProblem("not_admin")
    quarter = Quarter.containing(today)
    county_admin = person.role is Role.COUNTY_ADMIN
    async with ctx.sessions() as session, session.begin():
        tags = list(
            await session.scalars(
                select(Tag.name).where(Tag.kind == "target").order_by(Tag.name).limit(MAX_TAGS)
            )
        )
        answers = form.start(
            DRAW,
            quarters=[str(quarter), str(quarter.next())],
            counties=[] if county_admin else sorted(ctx.config.regions.counties),
            tags=tags,
            own_region=person.region if county_admin else "",
        )
        draft = await form_drafts.restart(
            session, person.user_id, FormKind.DRAW, answers, _open_key(answers), utcnow()
        )
    return await _step(ctx, person.actor, draft.stamp, answers)


async def choose(ctx: AppContext, person: Person, at: Stamp, key: str, value: str) -> Step:
    """One answer from a button; anything but an offered option of the open question of his
    draft at its current version is refused as stale (a second press of the same button
    included)."""
    async with ctx.sessions() as session, session.begin():
        draft = await _draft(session, person)
        if draft is None or draft.stamp != at:
            raise FormProblem("stale")
        question = form.next_question(DRAW, draft.data)
        if question is None or question.key != key:
            raise FormProblem("stale")
        answers = _answered(draft.data, question, value)
        if answers is None:
            raise FormProblem("stale")
        if not may_draw(person.role, person.region, _level(answers), _region(answers)):
            raise FormProblem("not_allowed")
        saved = await _save(session, draft, answers)
    return await _step(ctx, person.actor, saved, answers)


async def seed_text(ctx: AppContext, person: Person, text: str) -> Step | None:
    """A typed message while the form waits for the seed: the public seed text (typed at the
    seed's buttons, it chooses 公开文本 too). None when no form waits for one (the text is then
    for someone else, e.g. Q&A)."""
    async with ctx.sessions() as session, session.begin():
        draft = await _draft(session, person)
        question = form.next_question(DRAW, draft.data) if draft is not None else None
        if draft is None or question is None or question.key not in ("seed", "seed_text"):
            return None
        chosen = draft.data
        if question.key == "seed":
            typed = _answered(chosen, question, TYPED)
            assert typed is not None
            chosen, question = typed, DRAW.template("seed_text")
        answers = _answered(chosen, question, text)
        if answers is None:
            return None
        saved = await _save(session, draft, answers)
    return await _step(ctx, person.actor, saved, answers)


def _answered(answers: dict[str, Any], question: Question, raw: str) -> dict[str, Any] | None:
    accepted = form.accept(question, raw, answers)
    return None if isinstance(accepted, Invalid) else form.record(answers, question, accepted)


async def _save(session: AsyncSession, draft: Draft, answers: dict[str, Any]) -> Stamp:
    saved = await draft_store.save_answer(
        session, draft.id, draft.version, answers, _open_key(answers), utcnow()
    )
    if saved is None:  # answered meanwhile (the same button twice at once): compare-and-set
        raise FormProblem("stale")
    return Stamp(draft.id, saved)


def _open_key(answers: dict[str, Any]) -> str:
    question = form.next_question(DRAW, answers)
    return PREVIEW if question is None else question.key


async def _draft(session: AsyncSession, person: Person) -> Draft | None:
    """His /draw draft; one from before the form engine (without its givens) counts as none."""
    draft = await form_drafts.mine(session, person.user_id, FormKind.DRAW)
    return draft if draft is not None and set(DRAW.givens) <= set(draft.data) else None


def _level(answers: dict[str, Any]) -> str:
    return str(answers.get("level") or Level.COUNTY.value)


def _region(answers: dict[str, Any]) -> str | None:
    own = answers.get("own_region")
    if own:
        return str(own)
    if _level(answers) != Level.COUNTY.value or "region" not in answers:
        return None
    return str(answers["counties"][int(answers["region"])])


def request_of(actor: str, answers: dict[str, Any], chat_id: int | None) -> DrawRequest:
    """The draw the answers describe, asked for by `actor`; `chat_id` gets the record."""
    tag, cls = answers.get("tag", ALL), answers.get("class", ALL)
    return DrawRequest(
        quarter=answers["quarters"][int(answers["quarter"])],
        level=Level(_level(answers)),
        actor=actor,
        region=_region(answers),
        supervision_class=None if cls == ALL else SupervisionClass(cls),
        filters=DrawFilters()
        if tag == ALL
        else DrawFilters(tags=frozenset({answers["tags"][int(tag)]})),
        seed_text=answers["seed_text"] if answers.get("seed") == TYPED else None,
        notify_chat=chat_id,
    )


async def _step(ctx: AppContext, actor: str, at: Stamp, answers: dict[str, Any]) -> Step:
    question = form.next_question(DRAW, answers)
    if question is not None:
        return Step(question, at, answers, form.options(question, answers))
    plan = await draws.preview(ctx, request_of(actor, answers, None))
    return Step(None, at, answers, preview=plan)


async def confirm(
    ctx: AppContext, person: Person, at: Stamp, chat_id: int, today: date
) -> DrawOutcome:
    """Run the draw the form describes; the record and the pushes go out through the outbox.
    A quarter offered when the form began may have ended since (a draft left over New Year):
    an ended quarter is drawn only on the command line, with its reason."""
    async with ctx.sessions() as session:
        draft = await _draft(session, person)
    if draft is None or draft.stamp != at or form.next_question(DRAW, draft.data):
        raise FormProblem("stale")
    answers = draft.data
    if not may_draw(person.role, person.region, _level(answers), _region(answers)):
        raise FormProblem("not_allowed")
    request = replace(request_of(person.actor, answers, chat_id), today=today)
    outcome = await draws.execute(ctx, request)
    async with ctx.sessions() as session, session.begin():
        await draft_store.discard(session, draft.id)
    return outcome


async def cancel(ctx: AppContext, person: Person, at: Stamp) -> None:
    """取消 on the preview: his /draw draft dropped (his other forms stay); the 取消 of a form
    he started over, or of one gone, is stale."""
    async with ctx.sessions() as session, session.begin():
        draft = await form_drafts.mine(session, person.user_id, FormKind.DRAW)
        if draft is None or draft.id != at.draft:
            raise FormProblem("stale")
        if not await draft_store.discard(session, draft.id, at.version):
            raise FormProblem("stale")
