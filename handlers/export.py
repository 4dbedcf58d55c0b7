"""/export [QUARTER] [COUNTY]: the quarter's statistics workbook, sent as a document — the city
admins' of the whole city (or of a county they name), a county admin's of his own county."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CommandHandler

from bot.services import statistics_report
from bot.services.statistics_report import ExportProblem
from handlers.common import App, Context, app_context, caller, local_today, reply, texts_of


async def export(update: Update, context: Context) -> None:
    person, texts, message = caller(context), texts_of(update, context), update.effective_message
    if person is None or message is None:
        return
    today = local_today(context)
    try:
        report = await statistics_report.export_for(
            app_context(context), person, context.args or [], today
        )
    except ExportProblem as problem:
        await reply(update, texts.export_problem(problem.kind, problem.details.get("detail", "")))
        return
    await message.reply_document(
        report.data,
        filename=report.file_name,
        caption=texts.export_caption(report.quarter, report.scope, today),
    )


def register(application: App) -> None:
    application.add_handler(CommandHandler("export", export))
