"""`shuangsuiji ask "问题"`: the answer the bot would give (without a caller's own county).
Where no database exists yet, the shipped plan answers, and none is created."""

from __future__ import annotations

import argparse
from typing import Any

from bot.cli_database import database
from bot.clock import today_in
from bot.config import Config
from bot.services import qa
from bot.texts import Texts
from storage.database import database_missing


def add_parsers(commands: Any) -> None:
    ask = commands.add_parser("ask", help="就政策提问，答案引用原文及条款")
    ask.add_argument("question")


async def cmd_ask(config: Config, texts: Texts, args: argparse.Namespace) -> int:
    today = today_in(config.timezone)
    if database_missing(config.database_url):
        found = await qa.answer(qa.PolicyLibrary(None, config), texts, args.question, None, today)
    else:
        async with database(config) as ctx:
            found = await qa.answer(qa.PolicyLibrary(ctx), texts, args.question, None, today)
    print(found.text)
    return 0 if found.found else 1
