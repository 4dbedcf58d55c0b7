"""Policy questions: /ask, plain text that no form waits for, and the 下一条 button; admins
manage the documents with /policies and by sending a .txt or .docx."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CommandHandler

from bot import callback_data
from bot.services import qa
from bot.services.identity import Person
from bot.services.qa import DocumentProblem, PolicyLibrary
from handlers.common import (
    App,
    Context,
    app_context,
    caller,
    local_today,
    refused_as_too_long,
    reply,
    texts_of,
)
from handlers.keyboards import keyboard
from spotcheck.roles import Role


def _library(context: Context) -> PolicyLibrary:
    return context.bot_data.library


async def ask(update: Update, context: Context) -> None:
    if caller(context) is None:
        return
    question = " ".join(context.args or []).strip()
    if not question:
        await reply(update, texts_of(update, context).ask_usage())
        return
    if await refused_as_too_long(update, context, question):
        return
    await answer_question(update, context, question)


async def answer_question(update: Update, context: Context, question: str) -> None:
    person, texts = caller(context), texts_of(update, context)
    today = local_today(context)
    library = _library(context)
    found = await qa.answer(library, texts, question, person, today)
    private = update.effective_chat is not None and update.effective_chat.type == "private"
    more = found.more[:1] if private else ()  # in a group only /ask gets through, not buttons
    buttons = [
        [(texts.button_next_passage(), callback_data.next_passage(library.fingerprint, p))]
        for p in more
    ]
    await reply(update, found.text, reply_markup=keyboard(buttons) if buttons else None)


async def on_next(update: Update, context: Context, args: tuple[str, ...]) -> None:
    query, texts = update.callback_query, texts_of(update, context)
    assert query is not None
    numbers = [callback_data.as_int(a) for a in args]
    if len(numbers) != 2 or None in numbers:
        await query.answer(texts.stale_button(), show_alert=True)
        return
    generation, position = numbers
    assert generation is not None and position is not None
    passage = await qa.passage_at(_library(context), texts, generation, position)
    if passage is None:
        await query.answer(texts.qa_stale(), show_alert=True)
        return
    await query.answer()
    await reply(update, passage)


async def policies(update: Update, context: Context) -> None:
    person, texts, ctx = caller(context), texts_of(update, context), app_context(context)
    if person is None or person.role is not Role.ADMIN:
        await reply(update, texts.document_problem("not_admin"))
        return
    args = context.args or []
    number = callback_data.as_int(args[1]) if len(args) == 2 and args[0] == "remove" else None
    if number is not None:
        try:
            name = await qa.remove_document(ctx, _library(context), number, person.actor)
        except DocumentProblem as problem:
            await reply(update, texts.document_problem(problem.kind))
            return
        await reply(update, texts.document_removed(name))
        return
    await reply(update, texts.documents_list(await qa.documents(ctx)))


async def add_document(update: Update, context: Context, person: Person) -> None:
    """A city admin sent a .txt or .docx: add it to the policy library."""
    message, texts = update.effective_message, texts_of(update, context)
    assert message is not None and message.document is not None
    document = message.document
    if (document.file_size or 0) > qa.MAX_DOCUMENT_BYTES:
        await reply(update, texts.document_problem("too_large"))
        return
    data = bytes(await (await document.get_file()).download_as_bytearray())
    try:
        _, passages = await qa.add_document(
            app_context(context),
            _library(context),
            document.file_name or texts.default_document_name(),
            data,
            person.actor,
        )
    except DocumentProblem as problem:
        await reply(update, texts.document_problem(problem.kind))
        return
    await reply(update, texts.document_added(qa.document_title(document.file_name or ""), passages))


def register(application: App) -> None:
    application.add_handler(CommandHandler("ask", ask))
    application.add_handler(CommandHandler("policies", policies))
