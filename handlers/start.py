"""/start CODE (binding), /help, /cancel, and each role's command menu."""

from __future__ import annotations

from telegram import Bot, BotCommand, BotCommandScopeChat, Update
from telegram.ext import CommandHandler

from bot.services import form_drafts, identity
from bot.services.identity import IdentityProblem, Person
from bot.texts import texts_for
from handlers import inspection_flow
from handlers.common import App, Context, app_context, caller, reply, texts_of


async def start(update: Update, context: Context) -> None:
    ctx, texts = app_context(context), texts_of(update, context)
    user, chat = update.effective_user, update.effective_chat
    assert user is not None and chat is not None
    if not context.args:
        person = caller(context)
        if person is not None:
            await reply(update, texts.welcome(person.name, person.role.label))
        return
    try:
        person = await identity.redeem(ctx, context.args[0], user.id, chat.id, user.language_code)
    except IdentityProblem as problem:
        if problem.kind == "silenced":
            return  # too many wrong codes: no answer that would help the next guess
        text = texts.invite_problem(problem.kind)
        if problem.details.get("last_try"):
            text += "\n" + texts.wrong_code_limit(ctx.config.limits.wrong_code_window_minutes)
        await reply(update, text)
        return
    if context.user_data is not None:
        context.user_data.person = person
    texts = texts_for(person.language)
    await reply(update, texts.welcome(person.name, person.role.label))
    await set_menu(context.bot, person)


async def set_menu(bot: Bot, person: Person) -> None:
    """setMyCommands for this chat: each role sees its own menu."""
    texts = texts_for(person.language)
    commands = [BotCommand(name, text) for name, text in texts.commands(person.role)]
    await bot.set_my_commands(commands, scope=BotCommandScopeChat(person.chat_id))


async def help_command(update: Update, context: Context) -> None:
    person = caller(context)
    if person is not None:
        await reply(update, texts_of(update, context).help(person.role))


async def cancel(update: Update, context: Context) -> None:
    person, texts = caller(context), texts_of(update, context)
    if person is None:
        return
    had = await form_drafts.cancel(app_context(context), person)
    if not had and await inspection_flow.ask_cancel(update, context, person):
        return  # an inspection draft is discarded only once he confirms
    await reply(update, texts.cancelled() if had else texts.nothing_to_cancel())


def register(application: App) -> None:
    application.add_handler(CommandHandler("start", start))
    application.add_handler(CommandHandler("help", help_command))
    application.add_handler(CommandHandler("cancel", cancel))
