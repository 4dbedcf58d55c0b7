"""The global error handler: log with the traceback, tell the user nothing was lost, and report
to the configured error chat (as python-telegram-bot's rules-bot does)."""

from __future__ import annotations

import logging

from telegram import Update

from bot.logs import error_summary
from bot.texts import texts_for
from handlers.common import App, Context, texts_of

log = logging.getLogger("shuangsuiji.errors")


async def on_error(update: object, context: Context) -> None:
    log.error("handling %s failed", getattr(update, "update_id", update), exc_info=context.error)
    texts = texts_of(update, context) if isinstance(update, Update) else texts_for(None)
    if isinstance(update, Update) and update.effective_message is not None:
        try:
            await update.effective_message.reply_text(texts.error_apology())
        except Exception:  # the apology must not raise in the error handler
            log.exception("could not apologise")
    chat = context.bot_data.error_chat
    if chat:
        update_id = getattr(update, "update_id", None)
        try:
            await context.bot.send_message(
                chat, texts.error_report(update_id, error_summary(context.error))
            )
        except Exception:
            log.exception("could not report the error to chat %s", chat)


def register(application: App) -> None:
    application.add_error_handler(on_error)
