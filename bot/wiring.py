"""The one place that builds the Telegram Application from the configuration."""

from __future__ import annotations

import asyncio
import logging

from telegram import BotCommand
from telegram.ext import Application
from telegram.request import BaseRequest

from bot.bot_data import App, Background, context_types
from bot.context import AppContext
from bot.services import assignments, undelivered
from bot.services.handled import HandledUpdates
from bot.services.outbox import OutboxSender, Pace
from bot.services.qa import PolicyLibrary
from bot.update_order import ChatOrderedProcessor
from handlers import (
    ask,
    callbacks,
    directory_import,
    draw_flow,
    errors,
    export,  # issue 11
    follow_up_flow,
    guard,
    inspection_flow,
    invite,
    reporting,
    start,
    tasks,
    text_input,
)
from scheduler.jobs import Schedule

log = logging.getLogger("shuangsuiji")


def build_application(
    ctx: AppContext, request: BaseRequest | None = None, updates_request: BaseRequest | None = None
) -> App:
    """The bot: the configured Bot API server (a self-hosted one, or a fake in tests), updates
    of different chats handled concurrently, every handler, the outbox sender, the error
    handler, and the services they use (bot.bot_data.BotData). No PTB Defaults: nothing reads
    Telegram's dates, and the bot's own clock and time zone are bot.clock's."""
    config = ctx.config.telegram
    builder = (
        Application.builder()
        .token(config.token)
        .base_url(config.api_base_url)
        .base_file_url(config.api_file_url)
        .context_types(context_types())
        .job_queue(None)
        .concurrent_updates(ChatOrderedProcessor(config.concurrent_updates))
        .post_init(start_background)
        .post_shutdown(stop_background)
    )
    if request is not None:
        builder = builder.request(request).get_updates_request(updates_request or request)
    application = builder.build()
    data = application.bot_data
    data.ctx = ctx
    data.error_chat = config.error_chat_id or None
    data.outbox = OutboxSender(
        ctx,
        application.bot,
        Pace(config.messages_per_second, config.seconds_per_chat),
        on_unreachable=assignments.notify_unreachable,
        on_refused=undelivered.notify_city_admins,
    )
    data.handled = HandledUpdates(ctx)
    data.library = PolicyLibrary(ctx)
    data.schedule = Schedule(ctx, data.outbox.wake)
    for module in (
        guard,
        callbacks,  # button presses first: no command or text handler is asked about them
        start,
        invite,
        tasks,
        draw_flow,
        inspection_flow,
        follow_up_flow,  # issue 10
        directory_import,
        reporting,
        export,  # issue 11
        ask,
        text_input,
        errors,
    ):
        module.register(application)
    return application


async def start_background(application: App) -> None:
    """Start the outbox sender (it first resumes what a restart left unsent) and set the menu
    strangers see. Role menus are set per chat when someone binds."""
    data = application.bot_data
    loop = asyncio.get_running_loop()
    data.schedule.start()  # first: if it fails, no task is left running unawaited
    outbox = loop.create_task(data.outbox.run())
    handled = loop.create_task(data.handled.run())
    data.background = Background(
        catch_up=loop.create_task(data.schedule.catch_up()),
        digest_catch_up=loop.create_task(data.schedule.catch_up_digests()),
        prune=loop.create_task(data.schedule.prune()),  # if down at prune_at
        # jieba loads its dictionary once per process (~0.5 s): now, not on the first question.
        library=loop.create_task(data.library.index()),
        outbox=outbox,
        handled=handled,
    )
    texts = data.ctx.texts
    await application.bot.set_my_commands([BotCommand(n, d) for n, d in texts.commands(None)])


async def stop_background(application: App) -> None:
    data = application.bot_data
    data.schedule.stop()
    data.outbox.stop()
    data.handled.stop()
    background, data.background = data.background, None
    if background is not None:
        for task in background.in_stop_order():
            await task
