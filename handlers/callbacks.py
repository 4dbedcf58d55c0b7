"""Every button press: decode the callback data (never trusted) and hand it to its flow."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler

from bot import callback_data
from bot.services import assignments
from handlers import (
    ask,
    directory_import,
    draw_flow,
    follow_up_flow,
    inspection_flow,
    reporting,
    review_flow,
    tasks,
)
from handlers.common import App, Context, app_context, caller, texts_of
from spotcheck.states import FormKind


async def on_button(update: Update, context: Context) -> None:
    query, person = update.callback_query, caller(context)
    if query is None or person is None:
        return
    decoded = callback_data.decode(query.data)
    action, args = (decoded.action, decoded.args) if decoded is not None else ("", ())
    target = callback_data.as_int(args[0]) if action in ("ok", "rc") and args else None
    step = callback_data.parse_form_step(query.data) if action == "fm" else None
    reviewed = callback_data.parse_review_step(decoded) if decoded is not None else None
    if step is not None and step.kind == FormKind.DRAW:
        await draw_flow.on_step(update, context, person, step)
    elif action == "ok" and target is not None:
        await tasks.on_accept(update, context, person, target)
    elif action == "rc" and target is not None:
        await tasks.on_recuse(update, context, person, target)
    elif action == "qa":
        await ask.on_next(update, context, args)
    elif action == "sb" and len(args) == 2:
        await reporting.on_submitted(update, context, person, *args)
    elif step is not None and step.kind == FormKind.IMPORT:
        await directory_import.on_kind(update, context, person, step)
    elif step is not None and step.kind == FormKind.INSPECTION:
        await inspection_flow.on_step(update, context, person)
    elif action == "is":
        await inspection_flow.on_start(update, context, person, args)
    elif reviewed is not None:
        await review_flow.on_step(update, context, person, reviewed)
    # --- issue 10: follow-ups ---
    elif action == "fu":
        await follow_up_flow.on_close(update, context, person, args)
    elif step is not None and step.kind == FormKind.FOLLOW_UP:
        await follow_up_flow.on_step(update, context, person, step)
    else:
        user = update.effective_user
        await assignments.log_refused(
            app_context(context), person, user.id if user else 0, "callback", str(query.data)
        )
        await query.answer(texts_of(update, context).stale_button(), show_alert=True)


def register(application: App) -> None:
    application.add_handler(CallbackQueryHandler(on_button))
