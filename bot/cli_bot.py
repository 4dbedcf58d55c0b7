"""`shuangsuiji run` (the bot) and `shuangsuiji invite CERT_NO`."""

from __future__ import annotations

import argparse
import asyncio
import secrets
import signal
import sys
from typing import Any
from urllib.parse import urlparse

from telegram import Update
from telegram.error import TelegramError

from bot import logs
from bot.context import AppContext
from bot.services import identity
from bot.services.identity import IdentityProblem
from bot.wiring import build_application, start_background, stop_background


def add_parsers(commands: Any) -> None:
    commands.add_parser("run", help="启动机器人（默认长轮询；配置 webhook 后用 webhook）")
    invite = commands.add_parser("invite", help="为执法人员生成一次性邀请码")
    invite.add_argument("cert_no", help="执法证号")


async def cmd_invite(ctx: AppContext, args: argparse.Namespace) -> int:
    cert_no = args.cert_no.strip()
    try:
        code, expires = await identity.create_invite(ctx, cert_no, "cli")
    except IdentityProblem as problem:
        print(ctx.texts.invite_problem(problem.kind), file=sys.stderr)
        return 1
    local = expires.astimezone(ctx.config.timezone).strftime("%Y-%m-%d %H:%M")
    name = await identity.inspector_name(ctx, cert_no)
    print(ctx.texts.invite_created(name, cert_no, code, local))
    return 0


async def cmd_run(ctx: AppContext, _: argparse.Namespace) -> int:
    config = ctx.config.telegram
    if not config.token:
        print(ctx.texts.token_missing())
        return 2
    logs.configure(config.token)
    application = build_application(ctx)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        await application.initialize()
    except TelegramError as error:
        # InvalidToken's own message quotes the token: say what is wrong without it.
        print(ctx.texts.bot_start_failed(config.api_base_url, type(error).__name__))
        return 2
    async with application:
        await application.start()
        await start_background(application)
        assert application.updater is not None
        if config.mode == "webhook":
            # Telegram sends the secret in a header with every update; anything without it is
            # refused, so a stranger who finds the listener cannot post updates as an admin.
            await application.updater.start_webhook(
                listen=config.webhook_listen,
                port=config.webhook_port,
                url_path=urlparse(config.webhook_url).path.lstrip("/"),
                webhook_url=config.webhook_url,
                secret_token=secrets.token_urlsafe(32),
                allowed_updates=Update.ALL_TYPES,
            )
        else:
            # Pending updates are kept: what inspectors sent while the bot was down is handled.
            await application.updater.start_polling(
                drop_pending_updates=False, allowed_updates=Update.ALL_TYPES
            )
        await stop.wait()
        await application.updater.stop()
        await stop_background(application)
        await application.stop()
    return 0
