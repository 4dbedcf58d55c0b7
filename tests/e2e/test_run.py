"""`shuangsuiji run` itself: long polling against the configured Bot API, pending updates kept,
the token never logged, a clean stop on SIGTERM."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
from pathlib import Path
from typing import Any

import pytest

from bot import cli_bot, wiring
from bot.config import config_from_mapping
from bot.context import AppContext
from bot.logs import RedactToken
from tests.e2e.fake_telegram import TOKEN, FakeRequest, FakeTelegram


async def test_run_handles_pending_updates_logs_no_token_and_stops_on_sigterm(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    fake = FakeTelegram()
    stranger = fake.user(777, "路人")
    fake.send_text(stranger, "在吗？")  # sent while the bot was down

    def with_fake(ctx: AppContext, *_: Any) -> Any:
        return original(ctx, FakeRequest(fake), FakeRequest(fake))

    original = wiring.build_application
    monkeypatch.setattr(cli_bot, "build_application", with_fake)
    config = config_from_mapping(
        {
            "database": {"url": f"sqlite:///{tmp_path / 'run.db'}"},
            "telegram": {"token": TOKEN, "api_base_url": "http://127.0.0.1:9/bot"},
        }
    )
    ctx = await AppContext.open(config)
    caplog.set_level(logging.DEBUG)
    running = asyncio.create_task(cli_bot.cmd_run(ctx, argparse.Namespace()))
    await fake.wait_for(lambda: len(fake.texts(777)) == 1, timeout=10)
    os.kill(os.getpid(), signal.SIGTERM)
    assert await asyncio.wait_for(running, timeout=10) == 0
    await ctx.close()

    assert fake.texts(777) == [ctx.texts.stranger_refusal()]
    assert fake.base_urls and all(
        url.startswith("http://127.0.0.1:9/bot") for url in fake.base_urls
    )
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "getUpdates" in logged or "Application" in logged  # something was logged at all
    assert TOKEN not in logged
    asyncio.get_running_loop().remove_signal_handler(signal.SIGTERM)


def test_token_is_redacted_from_log_lines() -> None:
    record = logging.LogRecord(
        "httpx", logging.INFO, __file__, 1, "POST %s", (f"https://x/bot{TOKEN}/getMe",), None
    )
    assert RedactToken(TOKEN).filter(record) is True
    assert record.getMessage() == "POST https://x/bot<token>/getMe"


async def test_a_rejected_token_is_one_line_without_the_token(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fake = FakeTelegram()
    fake.fail_next("getMe", 401, "Unauthorized")
    original = wiring.build_application
    monkeypatch.setattr(
        cli_bot,
        "build_application",
        lambda ctx, *_: original(ctx, FakeRequest(fake), FakeRequest(fake)),
    )
    config = config_from_mapping(
        {"database": {"url": f"sqlite:///{tmp_path / 'run.db'}"}, "telegram": {"token": TOKEN}}
    )
    ctx = await AppContext.open(config)
    assert await cli_bot.cmd_run(ctx, argparse.Namespace()) == 2
    await ctx.close()
    out, err = capsys.readouterr()
    assert out.startswith(
        "无法启动机器人：Telegram Bot API（https://api.telegram.org/bot）拒绝了令牌"
    )
    assert TOKEN not in out + err
