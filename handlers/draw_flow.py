"""/draw in chat: a form of inline keyboards whose state lives in the database."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CommandHandler

from bot import callback_data
from bot.services import chat_draw
from bot.services.chat_draw import FormProblem, Step
from bot.services.draws import DrawProblem
from bot.services.identity import Person
from handlers.common import App, Context, app_context, caller, local_today, reply, texts_of
from handlers.keyboards import in_rows, keyboard
from spotcheck.chat_forms import DRAW, step_number
from spotcheck.draw import DrawRefused
from storage.draft_store import Stamp


async def draw(update: Update, context: Context) -> None:
    person, ctx = caller(context), app_context(context)
    if person is None:
        return
    try:
        step = await chat_draw.start(ctx, person, local_today(context))
    except FormProblem as problem:
        await _problem(update, context, problem.kind)
        return
    await _ask(update, context, step)


async def on_step(
    update: Update, context: Context, person: Person, step: callback_data.FormStep
) -> None:
    """A button of the /draw form (``fm:dw:<draft>:<version>:<question>:<value>``)."""
    query, ctx = update.callback_query, app_context(context)
    assert query is not None
    # A query is answered once: with the refusal's alert, or plainly once the step is taken.
    at = Stamp(step.draft, step.version)
    try:
        if step.key == chat_draw.PREVIEW and step.value == "cancel":
            await chat_draw.cancel(ctx, person, at)
            await query.answer()
            await reply(update, texts_of(update, context).cancelled())
            return
        if step.key == chat_draw.PREVIEW and step.value == "confirm":
            await _confirm(update, context, person, at)
            return
        asked = await chat_draw.choose(ctx, person, at, step.key, step.value)
    except FormProblem as problem:
        await _problem(update, context, problem.kind)
        return
    await query.answer()
    await _ask(update, context, asked)


async def seed_typed(update: Update, context: Context, person: Person, text: str) -> bool:
    """A typed public seed while the form waits for one; False when no form waits."""
    step = await chat_draw.seed_text(app_context(context), person, text)
    if step is None:
        return False
    await _ask(update, context, step)
    return True


async def _confirm(update: Update, context: Context, person: Person, at: Stamp) -> None:
    ctx, texts, chat = app_context(context), texts_of(update, context), update.effective_chat
    assert chat is not None
    query = update.callback_query
    assert query is not None
    try:
        outcome = await chat_draw.confirm(ctx, person, at, chat.id, local_today(context))
    except DrawProblem as problem:
        await query.answer()
        # In chat there are no command-line flags to suggest: a redraw, or a draw of a quarter
        # that has ended, is the CLI's, with a reason.
        chat_kinds = {"already_drawn", "late_reason_required"}
        kind = f"{problem.kind}_chat" if problem.kind in chat_kinds else problem.kind
        await reply(update, texts.draw_problem(kind, problem.details))
        return
    except DrawRefused as refused:
        await query.answer()
        await reply(update, texts.refusal(ctx.config.regions, refused.reason))
        return
    await query.answer()
    context.bot_data.outbox.wake()
    await reply(
        update,
        texts.draw_done(
            outcome.record_id, outcome.onsite, outcome.offsite, outcome.inspector_visits
        ),
    )
    await reply(update, texts.draw_seed(outcome.seed))


async def _ask(update: Update, context: Context, step: Step) -> None:
    ctx, texts = app_context(context), texts_of(update, context)
    regions = ctx.config.regions
    if step.question is None:
        buttons = [
            (texts.draw_option(regions, chat_draw.PREVIEW, value, step.answers), value)
            for value in ("confirm", "cancel")
        ]
        request = chat_draw.request_of("", step.answers, None)
        text = texts.preview(
            regions, request.quarter, request.level.value, [s.to_json() for s in step.preview]
        )
        await reply(
            update, text, reply_markup=keyboard([_buttons(step, chat_draw.PREVIEW, buttons)])
        )
        return
    key = step.question.key
    labelled = [
        (texts.draw_option(regions, key, o.code, step.answers), o.code) for o in step.options
    ]
    per_row = 3 if key == "region" else 2
    prompt = texts.draw_ask(step_number(DRAW, key), key)
    markup = keyboard(in_rows(_buttons(step, key, labelled), per_row)) if labelled else None
    await reply(update, prompt, reply_markup=markup)


def _buttons(step: Step, key: str, labelled: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [
        (label, callback_data.form_step(DRAW.kind, step.at.draft, step.at.version, key, code))
        for label, code in labelled
    ]


async def _problem(update: Update, context: Context, kind: str) -> None:
    texts = texts_of(update, context)
    text = {"not_admin": texts.not_admin(), "not_allowed": texts.not_allowed_draw()}.get(
        kind, texts.stale_button()
    )
    if update.callback_query is not None:
        await update.callback_query.answer(text, show_alert=True)
    else:
        await reply(update, text)


def register(application: App) -> None:
    application.add_handler(CommandHandler("draw", draw))
