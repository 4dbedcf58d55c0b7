"""Every button press: decode the callback data (never trusted) and hand it to its flow."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler

from bot import callback_data
from bot.services import assignments
from handlers import ask, draw_flow, reporting, tasks
from handlers.common import Context, app_context, caller, texts_of


async def on_button(update: Update, context: Context) -> None:
    query, person = update.callback_query, caller(context)
    if query is None or person is None:
        return
    decoded = callback_data.decode(query.data)
    target = (
        callback_data.as_int(decoded.args[0])
        if decoded and decoded.action in ("ok", "rc")
        else None
    )
    if decoded is not None and decoded.action == "dw":
        await draw_flow.on_step(update, context, person, decoded.args)
    elif decoded is not None and target is not None and decoded.action == "ok":
        await tasks.on_accept(update, context, person, target)
    elif decoded is not None and target is not None and decoded.action == "rc":
        await tasks.on_recuse(update, context, person, target)
    elif decoded is not None and decoded.action == "qa":
        await ask.on_next(update, context, decoded.args)
    elif decoded is not None and decoded.action == "sb" and len(decoded.args) == 2:
        await reporting.on_submitted(update, context, person, *decoded.args)
    else:
        user = update.effective_user
        await assignments.log_refused(
            app_context(context), person, user.id if user else 0, "callback", str(query.data)
        )
        await query.answer(texts_of(update, context).stale_button(), show_alert=True)


def register(application: Application) -> None:  # type: ignore[type-arg]
    application.add_handler(CallbackQueryHandler(on_button))
