"""/deadlines, /digest, and a county's submission: the 已报送 button or an uploaded file."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CommandHandler, MessageHandler, filters

from bot.services import digests, reporting
from bot.services.identity import Person
from bot.services.reporting import ReportingProblem
from handlers import ask, directory_import
from handlers.common import App, Context, app_context, caller, local_today, now, reply, texts_of
from spotcheck.roles import Role


async def deadlines(update: Update, context: Context) -> None:
    person, ctx, texts = caller(context), app_context(context), texts_of(update, context)
    if person is None:
        return
    today = local_today(context)
    rows = await reporting.upcoming(ctx, person, today)
    county_admin = person.role.value == "county_admin"
    lines = [texts.deadlines_title()] + [
        texts.deadline_line(
            d.quarter, d.duty, d.window, d.provisional, d.submitted if county_admin else None
        )
        for d in rows
    ]
    await reply(update, "\n".join(lines))


async def digest(update: Update, context: Context) -> None:
    person = caller(context)
    if person is not None:
        await reply(update, await digests.digest_for(app_context(context), person, now(context)))


async def on_submitted(
    update: Update, context: Context, person: Person, quarter: str, duty: str
) -> None:
    texts, query = texts_of(update, context), update.callback_query
    assert query is not None
    try:
        ctx = app_context(context)
        today = local_today(context)
        done = await reporting.mark_submitted(ctx, person, quarter, duty, today=today)
    except ReportingProblem as problem:
        await query.answer(texts.reporting_problem(problem.kind), show_alert=True)
        return
    await query.answer()
    await reply(update, texts.submitted(done.quarter, done.duty, done.new))


async def on_document(update: Update, context: Context) -> None:
    """A file: a directory to import (handlers/directory_import.py says which files are); else
    a city admin's .txt or .docx joins the policy library; a county admin's file is his
    county's submission; anyone else's is not understood."""
    person, message, texts = caller(context), update.effective_message, texts_of(update, context)
    if person is None or message is None or message.document is None:
        return
    if await directory_import.takes_document(update, context, person):
        return
    if person.role is Role.ADMIN:
        await ask.add_document(update, context, person)
        return
    if person.role is not Role.COUNTY_ADMIN:
        await reply(update, texts.unknown_input())
        return
    document = message.document
    try:
        done = await reporting.submit_upload(
            app_context(context), person, now(context), document.file_id, document.file_name or ""
        )
    except ReportingProblem as problem:
        await reply(update, texts.reporting_problem(problem.kind))
        return
    await reply(update, texts.submitted(done.quarter, done.duty, done.new))


def register(application: App) -> None:
    application.add_handler(CommandHandler("deadlines", deadlines))
    application.add_handler(CommandHandler("digest", digest))
    application.add_handler(
        MessageHandler(filters.Document.ALL & filters.ChatType.PRIVATE, on_document)
    )
