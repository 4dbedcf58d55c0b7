"""/tasks, and the buttons on a pushed assignment: 接受 and 申请回避 (then the reason)."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CommandHandler

from bot import callback_data
from bot.services import assignments
from bot.services.assignments import AssignmentProblem
from bot.services.draws import DrawProblem
from bot.services.identity import Person
from handlers.common import Context, app_context, caller, reply, texts_of
from handlers.keyboards import keyboard

MAX_BUTTONS = 10


async def tasks(update: Update, context: Context) -> None:
    person, texts = caller(context), texts_of(update, context)
    if person is None:
        return
    mine = await assignments.tasks_of(app_context(context), person)
    if not mine:
        await reply(update, texts.tasks_empty())
        return
    listed = [
        (t.quarter, t.target_name, t.due.isoformat() if t.due else "—", t.my_state, t.is_lead)
        for t in mine
    ]
    # buttons for the tasks still to accept, numbered as in the list
    open_ones = [(i, t) for i, t in enumerate(mine, start=1) if t.my_state == "assigned"][
        :MAX_BUTTONS
    ]
    rows = [
        [(f"{texts.button_accept()} {i}", callback_data.accept(t.assignment_id)),
         (f"{texts.button_recuse()} {i}", callback_data.recuse(t.assignment_id))]
        for i, t in open_ones
    ]  # fmt: skip
    await reply(update, texts.tasks_list(listed), reply_markup=keyboard(rows) if rows else None)


async def on_accept(update: Update, context: Context, person: Person, assignment_id: int) -> None:
    texts, query = texts_of(update, context), update.callback_query
    assert query is not None
    try:
        name, changed = await assignments.accept(app_context(context), person, assignment_id)
    except AssignmentProblem:
        await _refused(update, context, person, f"accept:{assignment_id}")
        return
    await query.answer(texts.accepted(name, changed))
    await reply(update, texts.accepted(name, changed))


async def on_recuse(update: Update, context: Context, person: Person, assignment_id: int) -> None:
    texts, query = texts_of(update, context), update.callback_query
    assert query is not None
    try:
        name = await assignments.begin_recusal(app_context(context), person, assignment_id)
    except AssignmentProblem:
        await _refused(update, context, person, f"recuse:{assignment_id}")
        return
    await query.answer()
    await reply(update, texts.recusal_ask_reason(name))


async def recusal_reason(update: Update, context: Context, person: Person, reason: str) -> None:
    texts, ctx = texts_of(update, context), app_context(context)
    try:
        done = await assignments.complete_recusal(ctx, person, reason)
    except AssignmentProblem as problem:
        await reply(
            update,
            texts.reason_required() if problem.kind == "reason_required" else texts.not_yours(),
        )
        return
    except DrawProblem as problem:
        await reply(update, texts.draw_problem(problem.kind, problem.details))
        return
    context.application.bot_data["outbox"].wake()
    if done.replacement_name is None:
        assert done.refusal is not None
        refusal = texts.refusal(ctx.config.regions, done.refusal)
        await reply(update, texts.recusal_no_replacement(done.target_name, refusal))
        return
    await reply(update, texts.recusal_done(done.target_name, done.replacement_name))


async def _refused(update: Update, context: Context, person: Person, what: str) -> None:
    """A forged or stale button: nothing changes, the attempt is logged, the user is told."""
    user = update.effective_user
    await assignments.log_refused(
        app_context(context), person, user.id if user else 0, "callback", what
    )
    query = update.callback_query
    if query is not None:
        await query.answer(texts_of(update, context).not_yours(), show_alert=True)


def register(application: Application) -> None:  # type: ignore[type-arg]
    application.add_handler(CommandHandler("tasks", tasks))
