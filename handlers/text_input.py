"""Plain text in a private chat: the answer a form waits for (a recusal reason, a public seed),
else a policy question; anything else gets a hint."""

from __future__ import annotations

from telegram import Update
from telegram.ext import MessageHandler, filters

from handlers import ask, draw_flow, follow_up_flow, inspection_flow, review_flow, tasks
from handlers.common import App, Context, caller, refused_as_too_long, reply, texts_of
from spotcheck.states import FormKind


async def on_text(update: Update, context: Context) -> None:
    person, message = caller(context), update.effective_message
    if person is None or message is None or not message.text:
        return
    text = message.text
    if await refused_as_too_long(update, context, text):
        return
    # The form whose text question was asked last takes the text (read with who he is, before
    # this update); the check-in's 无法定位 from its reply keyboard is the inspection's anyway.
    waiting = person.waiting
    first = waiting == FormKind.INSPECTION
    if (first or inspection_flow.is_unlocated(update, context, text)) and (
        await inspection_flow.text_answer(update, context, person, text, only_checkin=not first)
    ):
        return
    if waiting == FormKind.RECUSAL and await tasks.recusal_reason(update, context, person, text):
        return
    if waiting in (FormKind.OBJECTION, FormKind.RETURN, FormKind.AMEND) and (
        await review_flow.reason_typed(update, context, person, text)
    ):
        return
    if waiting == FormKind.DRAW and await draw_flow.seed_typed(update, context, person, text):
        return
    # --- issue 10: follow-ups ---
    if waiting == FormKind.FOLLOW_UP and await follow_up_flow.text_answer(
        update, context, person, text
    ):
        return
    if not first and await inspection_flow.text_answer(update, context, person, text):
        return  # nothing else waits (a 申请回避 that lapsed lets the text go)
    await ask.answer_question(update, context, text)


async def on_other(update: Update, context: Context) -> None:
    if caller(context) is not None and update.effective_message is not None:
        await reply(update, texts_of(update, context).unknown_input())


def register(application: App) -> None:
    private = filters.ChatType.PRIVATE
    application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND & private, on_text))
    application.add_handler(MessageHandler(private, on_other))  # unknown commands, stickers …
