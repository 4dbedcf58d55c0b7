"""`shuangsuiji demo` ends with the product itself: a scripted chat with the real bot, played on
the in-process Bot API and a scratch database — no token, no network."""

from __future__ import annotations

import socket
import sqlite3
from pathlib import Path

import pytest

from tests.factories import run_cli


def _no_network(*_: object, **__: object) -> None:
    raise AssertionError("the demo tried to reach the network")


def test_demo_plays_a_chat_offline_from_draw_to_the_check_in(
    database: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(socket.socket, "connect", _no_network)
    monkeypatch.setattr(socket, "create_connection", _no_network)
    code, out = run_cli(capsys, "demo")
    assert code == 0
    start = next(i for i, line in enumerate(out) if line.startswith("在聊天中"))
    chat = out[
        start : out.index("市级管理员（先邀请其中一位，再由他在聊天中用 /invite 邀请其他人）：")
    ]
    text = "\n".join(chat)
    assert 20 <= len(chat) <= 52, text
    admin = chat[1].split("（")[0]
    [inspector] = {line.split("→ ")[1].split(":")[0] for line in chat if "【检查任务】" in line}
    # The inspector the demo follows may be drawn as a 组长: the speaker shows his role.
    asks_tasks = next(
        (
            line
            for line in chat
            if line.startswith(f"{inspector}（") and line.endswith("）: /tasks")
        ),
        f"{inspector} never asked /tasks",
    )
    story = [
        f"{admin}（管理员）: /draw",
        "🤖 第 1 步：选择季度 [",
        f"{admin} ⇒ [确认抽取]",
        "号抽查记录已生成：现场检查",
        f"🤖 → {inspector}: 【检查任务】",
        "[接受] [申请回避]",
        f"{inspector} ⇒ [接受]",
        f"🤖 → {inspector}: 已接受：",
        asks_tasks,
        f"🤖 → {inspector}: 我的检查任务：",
        "已接受 /task_",
        f"{inspector} ⇒ [开始检查]",
        f"🤖 → {inspector}: 第 1 步 现场签到",
        f"{inspector} ⇒ 📍 ",
        f"🤖 → {inspector}: 已签到：距检查对象 33 米。",
        "：检查结果？ [未发现问题] [发现问题] [不涉及]",
    ]
    positions = [text.find(step) for step in story]
    assert all(p >= 0 for p in positions), list(zip(story, positions, strict=True))
    assert positions == sorted(positions), list(zip(story, positions, strict=True))
    # the scene's draw and bindings stayed in its scratch database
    with sqlite3.connect(database) as connection:
        for table in ("draw_records", "telegram_accounts", "outbox"):
            assert connection.execute(f"select count(*) from {table}").fetchone() == (0,), table
