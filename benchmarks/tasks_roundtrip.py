"""The /tasks round trip — an inspector's update in, the bot's reply out — against a bare
python-telegram-bot echo handler through the same fake Bot API (the floor).

Both run the real Application and long polling against the in-process fake; ours also checks
the update was not handled before, identifies the caller, reads his assignments and records the
update as handled. Target: ratio ≤ 2.

    python -m benchmarks.tasks_roundtrip [--rounds 200]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from telegram import Update
from telegram.ext import CommandHandler, ContextTypes

from bot.config import config_from_mapping
from bot.context import AppContext
from bot.services import demo, identity
from bot.services.draws import DrawRequest, execute
from bot.wiring import build_application
from spotcheck.quota import Level
from tests.e2e.fake_telegram import TOKEN, FakeRequest, FakeTelegram, run_application

Setup = Callable[[FakeTelegram], Awaitable[Any]]


async def rounds(app: Any, fake: FakeTelegram, user_id: int, count: int) -> float:
    user = fake.user(user_id, "王伟")
    async with run_application(app, fake):
        fake.send_text(user, "/tasks")  # warm up: first queries, first reply
        await fake.wait_for(lambda: len(fake.texts(user_id)) >= 1)
        started = time.perf_counter()
        for n in range(2, count + 2):
            fake.send_text(user, "/tasks")
            await fake.wait_for(
                lambda n=n: len(fake.texts(user_id)) >= n, timeout=10, interval=0.0005
            )
        return (time.perf_counter() - started) / count


async def echo(count: int) -> float:
    fake = FakeTelegram()

    async def reply(update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text("您目前没有检查任务。")

    app = fake.application_builder().build()
    app.add_handler(CommandHandler("tasks", reply))
    return await rounds(app, fake, 4242, count)


async def ours(count: int, folder: Path) -> float:
    config = config_from_mapping(
        {"database": {"url": f"sqlite:///{folder / 'rt.db'}"}, "telegram": {"token": TOKEN}}
    )
    ctx = await AppContext.open(config)
    await demo.load_demo_directory(ctx)
    await execute(
        ctx, DrawRequest("2024Q1", Level.COUNTY, "benchmark", region="130602", seed_text="rt")
    )
    code, _ = await identity.create_invite(ctx, "13060200001", "benchmark")
    await identity.redeem(ctx, code, 4242, 4242, "zh")
    fake = FakeTelegram()
    app = build_application(ctx, FakeRequest(fake), FakeRequest(fake))
    seconds = await rounds(app, fake, 4242, count)
    await ctx.close()
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        base = asyncio.run(echo(args.rounds))
        mine = asyncio.run(ours(args.rounds, Path(folder)))
    ratio = mine / base
    print(f"bare PTB echo (floor) {base * 1000:.1f} ms per round trip")
    print(f"/tasks                {mine * 1000:.1f} ms per round trip")
    print(f"ratio                 {ratio:.2f} (target ≤ 2)")
    sys.exit(0 if ratio <= 2 else 1)


if __name__ == "__main__":
    main()
