"""Before any handler: drop updates already handled, identify the caller, and give a stranger
one polite refusal and nothing else."""

from __future__ import annotations

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import ApplicationHandlerStop, TypeHandler

from bot.services import identity
from handlers.common import App, Context, app_context, command_of, reply, texts_of

BEFORE = -10


async def _before(update: Update, context: Context) -> None:
    ctx, user, chat = app_context(context), update.effective_user, update.effective_chat
    if user is None or user.is_bot:
        raise ApplicationHandlerStop
    in_group = chat is not None and chat.type != ChatType.PRIVATE
    if in_group and command_of(update) != "/ask":
        # Assignments are confidential: in a group the bot answers policy questions from bound
        # people and nothing else — nothing is bound, listed or drawn there.
        raise ApplicationHandlerStop
    if not await context.bot_data.handled.first_time(update.update_id):
        raise ApplicationHandlerStop  # Telegram delivered it again
    person = await identity.who(ctx, user.id)
    if context.user_data is not None:
        context.user_data.person = person
    if person is not None and not person.reachable:
        await identity.reachable_again(ctx, user.id)
    if in_group and person is None:
        raise ApplicationHandlerStop  # strangers in a group are not even refused
    if update.edited_message is not None:
        # Only new messages count: an edit neither runs a command again nor feeds a form (a
        # recusal reason, a seed) after the fact. The author is told once per edit.
        if person is not None:
            await reply(update, texts_of(update, context).edited_ignored())
        raise ApplicationHandlerStop
    if person is not None or _is_start_with_code(update):
        return
    if update.callback_query is not None:
        await update.callback_query.answer()
    if await identity.first_contact(ctx, user.id):
        await reply(update, texts_of(update, context).stranger_refusal())
    raise ApplicationHandlerStop


def _is_start_with_code(update: Update) -> bool:
    message = update.message
    parts = (message.text or "").split() if message is not None else []
    return len(parts) == 2 and command_of(update) == "/start"


def register(application: App) -> None:
    application.add_handler(TypeHandler(Update, _before), group=BEFORE)
