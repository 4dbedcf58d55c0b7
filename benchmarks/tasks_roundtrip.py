"""The /tasks round trip — an inspector's update in, the bot's reply out — against a bare
python-telegram-bot echo handler through the same fake Bot API (the floor).

Both run the real Application and long polling against the in-process fake; ours also checks
the update was not handled before, identifies the caller, reads his assignments and records the
update as handled. Target: ratio ≤ 2.

    python -m benchmarks.tasks_roundtrip [--rounds 300]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
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

BATCHES = 7
STARTUP_TASKS = ("catch_up_task", "digest_catch_up_task", "library_task")
USER = 4242


@dataclass
class Bot:
    app: Any
    fake: FakeTelegram
    sent: int = 0

    async def warm_up(self) -> None:
        await self.batch(1)  # first queries, first reply
        for name in STARTUP_TASKS:  # steady state: the start-up catch-up is done
            if name in self.app.bot_data:
                await self.app.bot_data[name]

    async def batch(self, count: int) -> float:
        """Seconds per round trip over ``count`` /tasks sent one after the other."""
        user = self.fake.user(USER, "王伟")
        started = time.perf_counter()
        for _ in range(count):
            self.sent += 1
            self.fake.send_text(user, "/tasks")
            await self.fake.wait_sent(self.sent)
        return (time.perf_counter() - started) / count


def echo_bot() -> Bot:
    fake = FakeTelegram()

    async def reply(update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text("您目前没有检查任务。")

    app = fake.application_builder().build()
    app.add_handler(CommandHandler("tasks", reply))
    return Bot(app, fake)


async def our_bot(folder: Path) -> tuple[Bot, AppContext]:
    """An inspector with his county's draw on him (eleven tasks in the demo data)."""
    config = config_from_mapping(
        {"database": {"url": f"sqlite:///{folder / 'rt.db'}"}, "telegram": {"token": TOKEN}}
    )
    ctx = await AppContext.open(config)
    await demo.load_demo_directory(ctx)
    await execute(
        ctx, DrawRequest("2024Q1", Level.COUNTY, "benchmark", region="130602", seed_text="rt")
    )
    code, _ = await identity.create_invite(ctx, "13060200001", "benchmark")
    await identity.redeem(ctx, code, USER, USER, "zh")
    fake = FakeTelegram()
    return Bot(build_application(ctx, FakeRequest(fake), FakeRequest(fake)), fake), ctx


async def measure(count: int, folder: Path) -> list[tuple[float, float]]:
    """(echo, ours) seconds per round trip, batch after batch, the two bots taking turns so
    that the machine's ups and downs fall on both alike."""
    echo, (ours, ctx) = echo_bot(), await our_bot(folder)
    pairs = []
    async with run_application(echo.app, echo.fake), run_application(ours.app, ours.fake):
        await echo.warm_up()
        await ours.warm_up()
        for _ in range(BATCHES):
            pairs.append((await echo.batch(count), await ours.batch(count)))
    await ctx.close()
    return pairs


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        pairs = asyncio.run(measure(args.rounds, Path(folder)))
    ratio = statistics.median(mine / base for base, mine in pairs)
    base, mine = min(b for b, _ in pairs), min(m for _, m in pairs)
    print(f"bare PTB echo (floor) {base * 1000:.2f} ms per round trip (best of {BATCHES} batches)")
    print(f"/tasks                {mine * 1000:.2f} ms per round trip (best of {BATCHES} batches)")
    print(f"ratio                 {ratio:.2f} (median over the batches; target ≤ 2)")
    sys.exit(0 if ratio <= 2 else 1)


if __name__ == "__main__":
    main()
