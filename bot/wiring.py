"""The one place that builds the Telegram Application from the configuration."""

from __future__ import annotations

import asyncio
import logging

from telegram import BotCommand
from telegram.ext import Application, Defaults
from telegram.request import BaseRequest

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
    guard,
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
) -> Application:  # type: ignore[type-arg]
    """The bot: Defaults in the configured time zone, the configured Bot API server (a
    self-hosted one, or a fake in tests), updates of different chats handled concurrently,
    every handler, the outbox sender, the error handler."""
    config = ctx.config.telegram
    builder = (
        Application.builder()
        .token(config.token)
        .base_url(config.api_base_url)
        .base_file_url(config.api_file_url)
        .defaults(Defaults(tzinfo=ctx.config.timezone))
        .concurrent_updates(ChatOrderedProcessor(config.concurrent_updates))
        .post_init(start_background)
        .post_shutdown(stop_background)
    )
    if request is not None:
        builder = builder.request(request).get_updates_request(updates_request or request)
    application = builder.build()
    application.bot_data["ctx"] = ctx
    application.bot_data["error_chat"] = config.error_chat_id or None
    application.bot_data["outbox"] = OutboxSender(
        ctx,
        application.bot,
        Pace(config.messages_per_second, config.seconds_per_chat),
        on_unreachable=assignments.notify_unreachable,
        on_refused=undelivered.notify_city_admins,
    )
    application.bot_data["handled"] = HandledUpdates(ctx)
    application.bot_data["library"] = PolicyLibrary(ctx)
    application.bot_data["schedule"] = Schedule(ctx, application.bot_data["outbox"].wake)
    for module in (
        guard,
        start,
        invite,
        tasks,
        draw_flow,
        directory_import,
        reporting,
        ask,
        callbacks,
        text_input,
        errors,
    ):
        module.register(application)
    return application


async def start_background(application: Application) -> None:  # type: ignore[type-arg]
    """Start the outbox sender (it first resumes what a restart left unsent) and set the menu
    strangers see. Role menus are set per chat when someone binds."""
    sender: OutboxSender = application.bot_data["outbox"]
    loop = asyncio.get_running_loop()
    application.bot_data["outbox_task"] = loop.create_task(sender.run())
    application.bot_data["handled_task"] = loop.create_task(application.bot_data["handled"].run())
    schedule: Schedule = application.bot_data["schedule"]
    schedule.start()
    application.bot_data["catch_up_task"] = loop.create_task(schedule.catch_up())
    application.bot_data["digest_catch_up_task"] = loop.create_task(schedule.catch_up_digests())
    application.bot_data["prune_task"] = loop.create_task(schedule.prune())  # if down at prune_at
    # jieba loads its dictionary once per process (~0.5 s): do it now, not on the first question.
    application.bot_data["library_task"] = loop.create_task(application.bot_data["library"].index())
    texts = application.bot_data["ctx"].texts
    await application.bot.set_my_commands([BotCommand(n, d) for n, d in texts.commands(None)])


async def stop_background(application: Application) -> None:  # type: ignore[type-arg]
    application.bot_data["schedule"].stop()
    application.bot_data["outbox"].stop()
    application.bot_data["handled"].stop()
    for name in (
        "catch_up_task",
        "digest_catch_up_task",
        "prune_task",
        "library_task",
        "outbox_task",
        "handled_task",
    ):
        task = application.bot_data.pop(name, None)
        if task is not None:
            await task
