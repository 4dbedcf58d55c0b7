"""`shuangsuiji ask "问题"`: the answer the bot would give (without a caller's own county)."""

from __future__ import annotations

import argparse
from datetime import datetime
from typing import Any

from bot.context import AppContext
from bot.services import qa


def add_parsers(commands: Any) -> None:
    ask = commands.add_parser("ask", help="就政策提问，答案引用原文及条款")
    ask.add_argument("question")


async def cmd_ask(ctx: AppContext, args: argparse.Namespace) -> int:
    today = datetime.now(ctx.config.timezone).date()
    found = await qa.answer(qa.PolicyLibrary(ctx), ctx.texts, args.question, None, today)
    print(found.text)
    return 0 if found.found else 1
