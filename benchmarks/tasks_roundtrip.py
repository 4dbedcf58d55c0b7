"""The /tasks round trip — an inspector's update in, the bot's reply out — against a bare
python-telegram-bot echo handler through the same fake Bot API (the floor).

Both run the real Application and long polling against the in-process fake; ours also checks
the update was not handled before, identifies the caller, reads his assignments (eleven, from
a county draw on the demo data) and records the update as handled. Each bot runs in a process
of its own, started once and warmed up (its start-up catch-up done); the two take turns at
batches of round trips, so that the machine's ups and downs fall on both alike and neither's
background work is timed in the other's batch. Target: ratio ≤ 2.

    python -m benchmarks.tasks_roundtrip [--rounds 100]
"""

from __future__ import annotations

import argparse
import asyncio
import selectors
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Coroutine
from pathlib import Path
from typing import Any

from telegram import Update
from telegram.ext import Application, CommandHandler, ContextTypes

from bot.config import config_from_mapping
from bot.context import AppContext
from bot.services import demo, identity
from bot.services.draws import DrawRequest, execute
from bot.wiring import build_application
from spotcheck.quota import Level
from tests.e2e.fake_telegram import TOKEN, FakeRequest, FakeTelegram, run_application

BATCHES = 41
START_SECONDS, BATCH_SECONDS = 120.0, 60.0  # a bot silent longer than this is stuck
USER = 4242


async def round_trips(
    app: Application[Any, Any, Any, Any, Any, Any],
    fake: FakeTelegram,
    count: int,
    warmed_up: Callable[[], Awaitable[None]] | None = None,
) -> None:
    """Serve batches: for each line on stdin, ``count`` /tasks one after the other; print the
    seconds per round trip. ``warmed_up`` waits for the bot's start-up work, once running."""
    user = fake.user(USER, "王伟")
    loop = asyncio.get_running_loop()
    async with run_application(app, fake):
        fake.send_text(user, "/tasks")  # first queries, first reply
        await fake.wait_sent(1)
        if warmed_up is not None:  # steady state: the start-up catch-up is done
            await warmed_up()
        print("ready", flush=True)
        sent = fake.sent_count()
        while await loop.run_in_executor(None, sys.stdin.readline):
            started = time.perf_counter()
            for _ in range(count):
                sent += 1
                fake.send_text(user, "/tasks")
                await fake.wait_sent(sent)
            print((time.perf_counter() - started) / count, flush=True)


async def serve_echo(count: int) -> None:
    fake = FakeTelegram()

    async def reply(update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text("您目前没有检查任务。")

    app = fake.application_builder().build()
    app.add_handler(CommandHandler("tasks", reply))
    await round_trips(app, fake, count)


async def serve_ours(count: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        config = config_from_mapping(
            {
                "database": {"url": f"sqlite:///{Path(folder) / 'rt.db'}"},
                "telegram": {"token": TOKEN},
            }
        )
        ctx = await AppContext.open(config)
        await demo.load_demo_directory(ctx)
        await execute(
            ctx, DrawRequest("2024Q1", Level.COUNTY, "benchmark", region="130602", seed_text="rt")
        )
        code, _ = await identity.create_invite(ctx, "13060200001", "benchmark")
        await identity.redeem(ctx, code, USER, USER, "zh")
        fake = FakeTelegram()
        app = build_application(ctx, FakeRequest(fake), FakeRequest(fake))

        async def warmed_up() -> None:
            assert app.bot_data.background is not None
            await app.bot_data.background.started()

        await round_trips(app, fake, count, warmed_up)
        await ctx.close()


class Server:
    """One bot in a process of its own, answering "run a batch" with its seconds per trip."""

    def __init__(self, kind: str, rounds: int, module: str = "benchmarks.tasks_roundtrip") -> None:
        self.kind = kind
        command = [sys.executable, "-m", module, "--serve", kind]
        self.process = subprocess.Popen(
            [*command, "--rounds", str(rounds)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.lines = selectors.DefaultSelector()
        assert self.process.stdout is not None
        self.lines.register(self.process.stdout, selectors.EVENT_READ)
        if self._line(START_SECONDS) != "ready":
            raise SystemExit(f"the {kind} bot did not start")

    def _line(self, seconds: float) -> str:
        assert self.process.stdout is not None
        if not self.lines.select(seconds):
            raise SystemExit(f"the {self.kind} bot did not answer within {seconds:.0f} s")
        return self.process.stdout.readline().strip()

    def batch(self) -> float:
        assert self.process.stdin is not None
        self.process.stdin.write("go\n")
        self.process.stdin.flush()
        answer = self._line(BATCH_SECONDS)
        if not answer:
            raise SystemExit(f"the {self.kind} bot stopped (exit {self.process.wait()})")
        return float(answer)

    def stop(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()  # the bot's end of input: it stops
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()


def measure(rounds: int, module: str = "benchmarks.tasks_roundtrip") -> list[tuple[float, float]]:
    """(echo, ours) per pair of batches; who goes first alternates from pair to pair."""
    servers: list[Server] = []
    try:
        echo = Server("echo", rounds, module)
        servers.append(echo)
        ours = Server("ours", rounds, module)
        servers.append(ours)
        pairs = []
        for n in range(BATCHES):
            if n % 2:
                mine = ours.batch()
                pairs.append((echo.batch(), mine))
            else:
                pairs.append((echo.batch(), ours.batch()))
        return pairs
    finally:
        for server in servers:
            server.stop()


Serve = Callable[[int], Coroutine[Any, Any, None]]


def compare(module: str, floor: str, ours: str, echo: Serve, mine: Serve) -> None:
    """The command line of a round-trip benchmark: ``--serve`` runs one bot in this process
    (the child), otherwise both are measured in turns and the ratio printed (exit 1 above 2)."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=100)
    parser.add_argument("--serve", choices=["echo", "ours"])
    args = parser.parse_args()
    if args.serve:
        asyncio.run((echo if args.serve == "echo" else mine)(args.rounds))
        return
    pairs = measure(args.rounds, module)
    ratio = statistics.median(m / b for b, m in pairs)
    base, best = min(b for b, _ in pairs), min(m for _, m in pairs)
    width = max(len(floor), len(ours))
    print(f"{floor:<{width}} {base * 1000:.2f} ms per round trip (best of {BATCHES} batches)")
    print(f"{ours:<{width}} {best * 1000:.2f} ms per round trip (best of {BATCHES} batches)")
    print(f"{'ratio':<{width}} {ratio:.2f} (median over the batches; target ≤ 2)")
    sys.exit(0 if ratio <= 2 else 1)


def main() -> None:
    compare("benchmarks.tasks_roundtrip", "bare PTB echo (floor)", "/tasks", serve_echo, serve_ours)


if __name__ == "__main__":
    main()
