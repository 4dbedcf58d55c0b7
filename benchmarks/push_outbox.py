"""Push 1,000 assignment messages through a fake Bot API that enforces Telegram's limits
(30 messages/s overall, 1/s per chat) by answering 429.

Prints the total time against 1000/30 s (the limit itself: nothing can be faster), the number of
429s met, and how many messages were lost or sent twice. Target: ratio ≤ 1.1, 0 lost, 0 twice.

    python -m benchmarks.push_outbox [--messages 1000] [--chats 400]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from bot.config import config_from_mapping
from bot.context import AppContext
from bot.services import outbox
from bot.services.outbox import OutboxSender, Pace
from storage.bot_models import OutboxMessage
from tests.e2e.fake_telegram import TOKEN, FakeTelegram


async def measure(messages: int, chats: int, folder: Path) -> dict[str, float]:
    config = config_from_mapping(
        {"database": {"url": f"sqlite:///{folder / 'push.db'}"}, "telegram": {"token": TOKEN}}
    )
    ctx = await AppContext.open(config)
    fake = FakeTelegram()
    users = [fake.user(10_000 + i, f"执法人员{i}") for i in range(chats)]
    async with ctx.sessions() as session, session.begin():
        for n in range(messages):
            user = users[n % chats]
            session.add(
                outbox.message(user.id, f"【检查任务】第 {n} 号", [[("接受", f"1:ok:{n}")]])
            )
    fake.enforce_rate_limit(per_second=30, per_chat_per_second=1)
    app = fake.application_builder().build()
    await app.initialize()
    sender = OutboxSender(
        ctx, app.bot, Pace(config.telegram.messages_per_second, config.telegram.seconds_per_chat)
    )
    started = time.perf_counter()
    while True:
        await sender.drain()
        async with ctx.sessions() as session:
            from sqlalchemy import func, select

            left = await session.scalar(select(func.count()).where(OutboxMessage.state != "sent"))
        if not left:
            break
        await asyncio.sleep(0.05)
    seconds = time.perf_counter() - started
    await app.shutdown()
    await ctx.close()
    delivered = Counter(
        call.params["text"] for call in fake.calls if call.method == "sendMessage" and call.ok
    )
    return {
        "seconds": seconds,
        "limited": fake.rate_limited,
        "lost": messages - len(delivered),
        "twice": sum(1 for count in delivered.values() if count > 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--chats", type=int, default=400)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        result = asyncio.run(measure(args.messages, args.chats, Path(folder)))
    floor = args.messages / 30
    ratio = result["seconds"] / floor
    print(f"messages              {args.messages:,} to {args.chats:,} chats")
    print(f"the limit (floor)     {floor:.1f} s at 30 messages/s")
    print(f"outbox sender         {result['seconds']:.1f} s, {result['limited']:.0f} answers 429")
    print(f"ratio                 {ratio:.3f} (target ≤ 1.1)")
    print(f"lost / sent twice     {result['lost']:.0f} / {result['twice']:.0f} (target 0 / 0)")
    sys.exit(0 if ratio <= 1.1 and result["lost"] == 0 and result["twice"] == 0 else 1)


if __name__ == "__main__":
    main()
