"""/invite CERT_NO: a one-time code for an inspector (admins; county admins their county)."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CommandHandler

from bot.services import identity
from bot.services.identity import IdentityProblem
from handlers.common import App, Context, app_context, caller, reply, texts_of


async def invite(update: Update, context: Context) -> None:
    person, texts, ctx = caller(context), texts_of(update, context), app_context(context)
    if person is None or not person.is_admin:
        await reply(update, texts.invite_not_admin())
        return
    if not context.args:
        await reply(update, texts.invite_usage())
        return
    try:
        invitee, code, expires = await identity.invite_by(ctx, person, context.args[0].strip())
    except IdentityProblem as problem:
        await reply(update, texts.invite_problem(problem.kind))
        return
    local = expires.astimezone(ctx.config.timezone).strftime("%Y-%m-%d %H:%M")
    await reply(update, texts.invite_created(invitee, context.args[0].strip(), code, local))


def register(application: App) -> None:
    application.add_handler(CommandHandler("invite", invite))
