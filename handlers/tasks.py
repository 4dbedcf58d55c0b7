"""/tasks, /task_<id> (one of them again, as pushed), and the buttons on an assignment: 接受
and 申请回避 (then the reason)."""

from __future__ import annotations

import contextlib
import re

from telegram import Update
from telegram.ext import CommandHandler, MessageHandler, filters

from bot import callback_data
from bot.services import assignments, result_cards
from bot.services.assignments import AssignmentProblem
from bot.services.draws import DrawProblem
from bot.services.identity import Person
from handlers import result_card
from handlers.common import App, Context, app_context, caller, command_of, reply, texts_of
from handlers.keyboards import keyboard

BEFORE_COMMANDS = -5  # after the guard (-10), before every command handler (0)

# Telegram shows /task_12 in a message as a command to tap: the list needs no keyboard, however
# many tasks it holds. Typed by hand it is checked like a button.
TASK_COMMAND = re.compile(r"^/task_([0-9]{1,20})(?:@\w+)?$")


async def tasks(update: Update, context: Context) -> None:
    person, texts = caller(context), texts_of(update, context)
    if person is None:
        return
    mine = await assignments.tasks_of(app_context(context), person)
    if not mine:
        await reply(update, texts.tasks_empty())
        return
    listed = [
        (
            t.assignment_id,
            t.quarter,
            t.target_name,
            t.due.isoformat() if t.due else "—",
            t.state,
            t.is_lead,
        )
        for t in mine
    ]
    await reply(update, texts.tasks_list(listed))


async def task_card(update: Update, context: Context) -> None:
    person, ctx, message = caller(context), app_context(context), update.effective_message
    match = TASK_COMMAND.match(message.text or "") if message is not None else None
    if person is None or match is None:
        return
    assignment_id, card = callback_data.as_int(match.group(1)), None
    if assignment_id is not None and (
        checked := await result_cards.card_for(ctx, person, assignment_id)
    ):
        await result_card.show(update, context, checked)  # a result: its card, to whom may see it
        return
    if assignment_id is not None:  # else larger than any id we made: forged
        with contextlib.suppress(AssignmentProblem):
            card = await assignments.card_of(ctx, person, assignment_id)
    if card is None:
        await _refused(update, context, person, f"task:{match.group(1)}")
        return
    await reply(update, card.text, reply_markup=keyboard(card.buttons))
    if card.location is not None and message is not None:
        await message.reply_location(*card.location)


async def on_accept(update: Update, context: Context, person: Person, assignment_id: int) -> None:
    texts, query = texts_of(update, context), update.callback_query
    assert query is not None
    try:
        name, changed = await assignments.accept(app_context(context), person, assignment_id)
    except AssignmentProblem:
        await _refused(update, context, person, f"accept:{assignment_id}")
        return
    await query.answer(texts.accepted(name, changed))
    start = [[(texts.start_inspection_button(), callback_data.start_inspection(assignment_id))]]
    await reply(update, texts.accepted(name, changed), reply_markup=keyboard(start))


async def on_recuse(update: Update, context: Context, person: Person, assignment_id: int) -> None:
    texts, query = texts_of(update, context), update.callback_query
    assert query is not None
    try:
        name = await assignments.begin_recusal(app_context(context), person, assignment_id)
    except AssignmentProblem:
        await _refused(update, context, person, f"recuse:{assignment_id}")
        return
    await query.answer()
    await reply(
        update,
        texts.recusal_ask_reason(name, app_context(context).config.limits.recusal_wait_minutes),
    )


async def recusal_reason(update: Update, context: Context, person: Person, reason: str) -> bool:
    """The text as the reason a 申请回避 waits for; False when the request had lapsed (he is
    told, and the text is then an ordinary message)."""
    texts, ctx = texts_of(update, context), app_context(context)
    try:
        done = await assignments.complete_recusal(ctx, person, reason)
    except AssignmentProblem as problem:
        if problem.kind == "recusal_lapsed":
            minutes = ctx.config.limits.recusal_wait_minutes
            await reply(update, texts.recusal_lapsed(problem.details["target_name"], minutes))
            return False
        await reply(
            update,
            texts.reason_required() if problem.kind == "reason_required" else texts.not_yours(),
        )
        return True
    except DrawProblem as problem:
        await reply(update, texts.draw_problem(problem.kind, problem.details))
        return True
    context.bot_data.outbox.wake()
    if done.replacement_name is None:
        assert done.refusal is not None
        refusal = texts.refusal(ctx.config.regions, done.refusal)
        await reply(update, texts.recusal_no_replacement(done.target_name, refusal))
        return True
    await reply(update, texts.recusal_done(done.target_name, done.replacement_name))
    return True


async def drop_waiting_recusal(update: Update, context: Context) -> None:
    """A command while 申请回避 waits for its reason: the command runs (in its own group) and
    the request is dropped, so a later message is never taken for the reason. /cancel says so
    itself."""
    person, ctx = caller(context), app_context(context)
    if person is None or command_of(update) == "/cancel":
        return
    if not person.recusing:
        return
    target_name = await assignments.drop_recusal(ctx, person)
    if target_name is not None:
        await reply(update, texts_of(update, context).recusal_dropped(target_name))


async def _refused(update: Update, context: Context, person: Person, what: str) -> None:
    """A forged or stale button or task number: nothing changes, the attempt is logged, the
    user is told."""
    user, query = update.effective_user, update.callback_query
    await assignments.log_refused(
        app_context(context),
        person,
        user.id if user else 0,
        "callback" if query is not None else "command",
        what,
    )
    if query is not None:
        await query.answer(texts_of(update, context).not_yours(), show_alert=True)
    else:
        await reply(update, texts_of(update, context).not_yours())


def register(application: App) -> None:
    application.add_handler(CommandHandler("tasks", tasks))
    private = filters.ChatType.PRIVATE
    application.add_handler(
        MessageHandler(filters.COMMAND & private, drop_waiting_recusal), group=BEFORE_COMMANDS
    )
    application.add_handler(MessageHandler(filters.Regex(TASK_COMMAND) & private, task_card))
