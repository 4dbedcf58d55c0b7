"""Fifty inspectors at once, with and without a city draw running in chat.

The bot (the real Application from bot.wiring, on an SQLite file holding the demo directory,
every county drawn for the quarter) runs against the in-process fake Bot API. Fifty bound
inspectors each send `/tasks`, wait for the list, think 0.1–0.3 s, press 接受 on their next
assignment (on one already accepted once they are through), wait for the answer, think, and so
on. First for a few seconds with nothing else going on (the baseline), then while a city admin
walks `/draw` in chat and confirms city draws of the demo directory — one per quarter the form
offers. An answer's latency runs from the update being queued at the fake to the bot's reply
reaching it; it counts as during a draw when its request was sent between 确认抽取 and the
draw's summary. Prints p50/p95/max of both, per kind, their ratio, and how many requests were
sent and answered: none may be lost (exit 1 if one was).

    python -m benchmarks.load_chat [--inspectors 50] [--baseline-seconds 5]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from bot.clock import today_in
from bot.config import Config, config_from_mapping
from bot.context import AppContext
from bot.demo_chat.bot_api import JSON
from bot.services import demo, identity
from bot.services.draws import DrawRequest, execute
from bot.wiring import build_application
from spotcheck.deadlines import Quarter
from spotcheck.quota import Level
from spotcheck.roles import Role
from storage.bot_models import OutboxMessage
from storage.models import Inspector
from tests.e2e.fake_telegram import TOKEN, FakeRequest, FakeTelegram, TgUser, run_application

ANSWERS = {
    "/tasks": ("我的检查任务：", "您目前没有检查任务。"),
    "接受": ("已接受：", "您已接受过该任务："),
}
ANSWER_SECONDS = 120.0  # an answer later than this counts as lost
THINK = (0.1, 0.3)  # seconds between an answer and the next request
Arrival = tuple[float, JSON]  # when a message was sent, and the message


class TimedFake(FakeTelegram):
    """The fake Bot API, waking whoever waits for a message in a chat as it is sent."""

    def __init__(self) -> None:
        super().__init__()
        self.watchers: dict[int, tuple[Callable[[JSON], bool], asyncio.Future[Arrival]]] = {}

    def _bot_message(self, chat: JSON, params: JSON, **content: Any) -> JSON:
        message = super()._bot_message(chat, params, **content)
        watcher = self.watchers.get(chat["id"])
        if watcher is not None and watcher[0](message) and not watcher[1].done():
            del self.watchers[chat["id"]]
            watcher[1].set_result((time.perf_counter(), message))
        return message

    async def answer(self, chat_id: int, wanted: Callable[[JSON], bool]) -> Arrival:
        """The next message in the chat that ``wanted`` accepts, and when it was sent."""
        arrived: asyncio.Future[Arrival] = asyncio.get_running_loop().create_future()
        self.watchers[chat_id] = (wanted, arrived)
        return await asyncio.wait_for(arrived, ANSWER_SECONDS)


@dataclass
class Sample:
    sent: float
    latency: float
    kind: str


@dataclass
class Load:
    fake: TimedFake
    samples: list[Sample] = field(default_factory=list)
    sent: int = 0
    answered: int = 0
    stopping: bool = False

    async def inspector(self, user: TgUser, seed: int) -> None:
        """One inspector: /tasks, 接受, /tasks, 接受 … until told to stop."""
        think = random.Random(seed)
        pressed: set[str] = set()
        while not self.stopping:
            await self.ask(user, "/tasks", lambda: self.fake.send_text(user, "/tasks"))
            await asyncio.sleep(think.uniform(*THINK))
            buttons = [
                (message, data)
                for message in self.fake.sent_to(user.id)
                for label, data in self.fake.buttons(message)
                if label == "接受"
            ]
            fresh = [(m, d) for m, d in buttons if d not in pressed]
            if fresh or buttons:
                message, data = (fresh or buttons)[0]
                pressed.add(str(data))
                await self.ask(user, "接受", partial(self.fake.press, user, message, str(data)))
                await asyncio.sleep(think.uniform(*THINK))

    async def ask(self, user: TgUser, kind: str, send: Callable[[], object]) -> None:
        prefixes = ANSWERS[kind]
        answer = self.fake.answer(user.id, lambda m: str(m.get("text", "")).startswith(prefixes))
        waiting = asyncio.ensure_future(answer)
        await asyncio.sleep(0)  # the watcher is in place before the update can be handled
        started = time.perf_counter()
        send()
        self.sent += 1
        try:
            arrived, _ = await waiting
        except TimeoutError:
            return  # lost: sent and never answered
        self.answered += 1
        self.samples.append(Sample(started, arrived - started, kind))


async def walk_city_draw(fake: TimedFake, admin: TgUser, quarter: str) -> tuple[float, float]:
    """/draw as a city admin, city level, every class, no tag, server seed; confirm. Returns
    when 确认抽取 was pressed and when the draw's summary arrived."""

    async def step(send: Callable[[], object]) -> JSON:
        """The next question (a message with buttons: the record of an earlier draw, a
        document, may come in between)."""
        asked = asyncio.ensure_future(fake.answer(admin.id, lambda m: bool(fake.buttons(m))))
        await asyncio.sleep(0)
        send()
        return (await asked)[1]

    def press(message: JSON, label: str) -> Callable[[], object]:
        [data] = [d for text, d in fake.buttons(message) if text == label]
        return lambda: fake.press(admin, message, str(data))

    message = await step(lambda: fake.send_text(admin, "/draw"))
    for label in (quarter, "市级", "全部类别", "不定向", "服务器随机"):
        message = await step(press(message, label))
    assert message["text"].startswith("预览："), message["text"]
    summary = fake.answer(admin.id, lambda m: "号抽查记录已生成" in str(m.get("text", "")))
    waiting = asyncio.ensure_future(summary)
    await asyncio.sleep(0)
    started = time.perf_counter()
    press(message, "确认抽取")()
    return started, (await waiting)[0]


async def prepare(url: str, count: int, fake: TimedFake) -> tuple[TgUser, list[TgUser]]:
    """The demo directory, a city admin and ``count`` inspectors bound, every county drawn this
    quarter, and the pushes delivered (unpaced)."""
    ctx = await AppContext.open(settings(url, {"messages_per_second": 1000, "seconds_per_chat": 0}))
    await demo.load_demo_directory(ctx)
    async with ctx.sessions() as session:
        [admin, *_] = await session.scalars(
            select(Inspector.cert_no).where(Inspector.role == Role.ADMIN.value)
        )
        people = await session.scalars(
            select(Inspector.cert_no)
            .where(Inspector.role.in_((Role.INSPECTOR.value, Role.LEAD.value)))
            .order_by(Inspector.cert_no)
            .limit(count)
        )
        certs = [admin, *people]
    users = []
    for user_id, cert in enumerate(certs, start=7000):
        code, _ = await identity.create_invite(ctx, cert, "benchmark")
        await identity.redeem(ctx, code, user_id, user_id, "zh")
        users.append(fake.user(user_id, cert))
    quarter = str(Quarter.containing(today(ctx)))
    for region in sorted(ctx.config.regions.counties):
        await execute(ctx, DrawRequest(quarter, Level.COUNTY, "benchmark", region=region))
    async with run_application(build_application(ctx, FakeRequest(fake), FakeRequest(fake)), fake):
        while await pending(ctx):
            await asyncio.sleep(0.1)
    await ctx.close()
    return users[0], users[1:]


async def pending(ctx: AppContext) -> int:
    async with ctx.sessions() as session:
        count = await session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.state.in_(("pending", "sending")))
        )
    return int(count or 0)


def settings(url: str, telegram: dict[str, Any] | None = None) -> Config:
    return config_from_mapping(
        {"database": {"url": url}, "telegram": {"token": TOKEN, **(telegram or {})}}
    )


def today(ctx: AppContext) -> date:
    return today_in(ctx.config.timezone)


def summary(samples: list[Sample]) -> tuple[float, float, float]:
    ms = sorted(s.latency * 1000 for s in samples)
    if not ms:
        return (0.0, 0.0, 0.0)
    return statistics.median(ms), ms[min(len(ms) - 1, int(0.95 * len(ms)))], ms[-1]


async def run(count: int, baseline_seconds: float) -> int:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'load.db'}"
        fake = TimedFake()
        admin, inspectors = await prepare(url, count, fake)
        ctx = await AppContext.open(settings(url))  # the outbox paced as configured by default
        app = build_application(ctx, FakeRequest(fake), FakeRequest(fake))
        load = Load(fake)
        async with run_application(app, fake):
            assert app.bot_data.background is not None
            await app.bot_data.background.started()
            clients = [
                asyncio.create_task(load.inspector(user, n)) for n, user in enumerate(inspectors)
            ]
            await asyncio.sleep(baseline_seconds)
            baseline_end = time.perf_counter()
            quarter = Quarter.containing(today(ctx))
            windows = [await walk_city_draw(fake, admin, str(q)) for q in (quarter, quarter.next())]
            await asyncio.sleep(1.0)
            load.stopping = True
            await asyncio.gather(*clients)
        await ctx.close()

    start = load.samples[0].sent if load.samples else 0.0
    base = [s for s in load.samples if start + 1.0 <= s.sent < baseline_end]  # warmed up
    during = [s for s in load.samples if any(a <= s.sent < b for a, b in windows)]
    draw_ms = ", ".join(f"{(b - a) * 1000:.0f}" for a, b in windows)
    print(f"{count} inspectors; the city draws in chat took {draw_ms} ms (确认抽取 → summary)")
    print(f"{'':22}{'answers':>8}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}")
    for kind in ("all", *ANSWERS):
        ratio = []
        for label, chosen in (("without a draw", base), ("during a draw", during)):
            mine = [s for s in chosen if kind in ("all", s.kind)]
            p50, p95, worst = summary(mine)
            ratio.append((p50, p95))
            print(f"{kind:6} {label:15}{len(mine):8}{p50:9.1f}{p95:9.1f}{worst:9.1f}")
        (b50, b95), (d50, d95) = ratio
        print(f"{kind:6} during/without: p50 ×{d50 / b50:.2f}, p95 ×{d95 / b95:.2f}")
    lost = load.sent - load.answered
    print(f"requests sent {load.sent}, answered {load.answered}, lost {lost}")
    return 0 if lost == 0 else 1


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--inspectors", type=int, default=50)
    parser.add_argument("--baseline-seconds", type=float, default=5.0)
    args = parser.parse_args()
    sys.exit(asyncio.run(run(args.inspectors, args.baseline_seconds)))


if __name__ == "__main__":
    main()
