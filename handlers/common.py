"""What every handler needs: the application context, the caller, their texts."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from telegram import Update

from bot.bot_data import App as App  # re-exported: handler modules import both from here
from bot.bot_data import Context as Context
from bot.clock import local_date
from bot.context import AppContext
from bot.services import assignments
from bot.services.identity import Person
from bot.texts import Texts, texts_for


def app_context(context: Context) -> AppContext:
    return context.bot_data.ctx


def caller(context: Context) -> Person | None:
    """The bound inspector behind this update, set by the guard before any handler runs."""
    return context.user_data.person if context.user_data is not None else None


def texts_of(update: Update, context: Context) -> Texts:
    person = caller(context)
    if person is not None:
        return texts_for(person.language)
    user = update.effective_user
    return texts_for(user.language_code if user else None)


async def reply(update: Update, text: str, **kwargs: Any) -> None:
    if update.effective_message is not None:
        await update.effective_message.reply_text(text, **kwargs)


def command_of(update: Update) -> str:
    """The command a new message starts with, without @botname ('' when none)."""
    message = update.message
    text = message.text if message is not None and message.text else ""
    first = text.split(maxsplit=1)[0] if text.strip() else ""
    return first.split("@")[0] if first.startswith("/") else ""


def now(context: Context) -> datetime:
    """The bot's one clock (the schedule's), so that tests can set the day."""
    return context.bot_data.schedule.clock()


def local_today(context: Context) -> date:
    """The bot's today, in the configured time zone."""
    return local_date(now(context), app_context(context).config.timezone)


async def refused_as_too_long(update: Update, context: Context, text: str) -> bool:
    """Free text over [limits] free_text_chars is refused before any form or question sees it:
    nothing is stored, and every notice that quotes it (【检查组变更】 quotes a recusal reason)
    stays within Telegram's message length."""
    limit = app_context(context).config.limits.free_text_chars
    if len(text) <= limit:
        return False
    await reply(update, texts_of(update, context).text_too_long(len(text), limit))
    return True


async def refuse_forged(
    update: Update, context: Context, person: Person, kind: str, topic: str
) -> None:
    """A stale or forged button, or a form input that is not his (``kind`` "stale" or
    "not_yours"): nothing changed; written to the audit log (the callback data, or
    ``topic:kind`` for a message) and answered with an alert or a reply."""
    user, query, texts = update.effective_user, update.callback_query, texts_of(update, context)
    what = str(query.data) if query is not None else f"{topic}:{kind}"
    await assignments.log_refused(
        app_context(context),
        person,
        user.id if user else 0,
        "callback" if query is not None else "message",
        what,
    )
    text = texts.stale_button() if kind == "stale" else texts.not_yours()
    if query is not None:
        await query.answer(text, show_alert=True)
    else:
        await reply(update, text)
