"""A form answer round trip — a button of the inspection form in, the next question out, the
draft written (compare-and-set) — against a bare python-telegram-bot handler that answers the
same button with the same two calls (answerCallbackQuery and one message: the floor).

Ours walks an inspection to its review screen first (through the chat), then alternates two
answers, each a real step of the form: 修改 on an item (the draft records the question
re-asked; the item's question goes out) and 未发现问题 (the answer is written; the review screen
goes out). The harness is benchmarks/tasks_roundtrip.py's: each bot in a process of its own,
batches taken in turns. Target: ratio ≤ 2.

    python -m benchmarks.form_roundtrip [--rounds 100]
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import select
from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, ContextTypes

from benchmarks.tasks_roundtrip import USER, compare
from bot import callback_data
from bot.config import config_from_mapping
from bot.context import AppContext
from bot.services import demo, identity
from bot.services.draws import DrawRequest, execute
from bot.wiring import build_application
from spotcheck.quota import Level
from storage import draft_store
from storage.draw_models import AssignmentMember
from tests.e2e.fake_telegram import TOKEN, FakeRequest, FakeTelegram, TgUser, run_application

CERT = "13060200001"
MODULE = "benchmarks.form_roundtrip"


async def batches(
    app: Application[Any, Any, Any, Any, Any, Any],
    fake: FakeTelegram,
    user: TgUser,
    count: int,
    data: Callable[[int], str],
) -> None:
    """For each line on stdin, ``count`` button presses one after the other (``data(n)`` is
    the n-th press's callback data), each waiting for the message it brings; print the seconds
    per round trip."""
    loop = asyncio.get_running_loop()
    print("ready", flush=True)
    sent, n = fake.sent_count(), 0
    while await loop.run_in_executor(None, sys.stdin.readline):
        started = time.perf_counter()
        for _ in range(count):
            sent += 1
            fake.press(user, fake.last_message(USER) or 1, data(n), forge=True)
            await fake.wait_sent(sent)
            n += 1
        print((time.perf_counter() - started) / count, flush=True)


async def serve_echo(count: int) -> None:
    fake = FakeTelegram()
    user = fake.user(USER, "王伟")

    async def reply(update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.callback_query is not None and update.effective_message is not None
        await update.callback_query.answer()
        await update.effective_message.reply_text(
            "检查事项「大气污染防治设施运行情况的检查」：检查结果？"
        )

    app = fake.application_builder().build()
    app.add_handler(CallbackQueryHandler(reply))
    async with run_application(app, fake):
        fake.send_text(user, "hello")  # a first message to press on
        fake.press(user, 1, "1:fm:in:1:item.1:ok", forge=True)
        await fake.wait_sent(1)
        await batches(app, fake, user, count, lambda n: f"1:fm:in:{n}:item.1:ok")


async def serve_ours(count: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        config = config_from_mapping(
            {
                "database": {"url": f"sqlite:///{Path(folder) / 'rt.db'}"},
                "telegram": {"token": TOKEN},
                "storage": {"evidence_dir": str(Path(folder) / "evidence")},
            }
        )
        ctx = await AppContext.open(config)
        await demo.load_demo_directory(ctx)
        await execute(
            ctx, DrawRequest("2024Q1", Level.COUNTY, "benchmark", region="130602", seed_text="rt")
        )
        code, _ = await identity.create_invite(ctx, CERT, "benchmark")
        await identity.redeem(ctx, code, USER, USER, "zh")
        fake = FakeTelegram()
        user = fake.user(USER, "王伟")
        app = build_application(ctx, FakeRequest(fake), FakeRequest(fake))
        async with run_application(app, fake):
            assert app.bot_data.background is not None
            await app.bot_data.background.started()
            draft, version = await to_review(ctx, fake, user)

            def data(n: int) -> str:
                value = "edit" if n % 2 == 0 else "ok"
                return callback_data.form_step("inspection", draft, version + n, "item.1", value)

            await batches(app, fake, user, count, data)
        await ctx.close()


async def to_review(ctx: AppContext, fake: FakeTelegram, user: TgUser) -> tuple[int, int]:
    """Accept his first assignment, start its form and answer it to the review screen (no
    problem found); the draft's id and version there."""
    async with ctx.sessions() as session:
        assignment_id = await session.scalar(
            select(AssignmentMember.assignment_id).where(AssignmentMember.person_key == CERT)
        )
    assert assignment_id is not None
    fake.send_text(user, "/tasks")
    await fake.until_idle()
    fake.press(user, fake.last_message(USER) or 1, callback_data.accept(assignment_id), forge=True)
    await fake.until_idle()
    start = callback_data.start_inspection(assignment_id)
    fake.press(user, fake.last_message(USER) or 1, start, forge=True)
    await fake.until_idle()
    answers = {"findings": "skip", "photos": "done", "category": "none"}
    while True:
        async with ctx.sessions() as session:
            [draft] = await draft_store.of_user(session, USER, "inspection")
        if draft.question == "":
            return draft.id, draft.version
        if draft.question == "checkin":
            fake.send_location(user, 38.87, 115.46)
        else:
            value = "ok" if draft.question.startswith("item.") else answers[draft.question]
            step = callback_data.form_step(
                "inspection", draft.id, draft.version, draft.question, value
            )
            fake.press(user, fake.last_message(USER) or 1, step, forge=True)
        await fake.until_idle()


def main() -> None:
    compare(
        MODULE, "bare PTB button echo (floor)", "inspection form answer", serve_echo, serve_ours
    )


if __name__ == "__main__":
    main()
