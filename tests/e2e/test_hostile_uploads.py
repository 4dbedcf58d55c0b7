"""Hostile files a city admin sends in chat (issue 16), through the real Application and the
fake Bot API: a .docx whose XML declares entities, or an .xlsx that inflates past the ratio, is
refused in Chinese and nothing is stored; neither is unpacked on the event loop."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.services import directories
from bot.services.directories import detect_kind, write_template
from spotcheck.roles import Role
from storage.bot_models import PolicyDocument
from storage.models import AuditLog, Target
from tests.e2e.conftest import SQLITE_ONLY, BotHarness
from tests.factories import TARGET_HEADERS, target_row, write_workbook
from tests.hostile_files import (
    MB,
    billion_laughs_docx,
    external_entity_docx,
    repeated,
    swapped,
)

CITY = "130600"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
UNSAFE = "文件含有 DOCTYPE 声明（Office 文件不会有），疑似恶意文件，已拒绝。请用 Excel 或 Word 另存一份再试。"


@SQLITE_ONLY
async def test_docx_with_a_doctype_sent_in_chat_is_refused_and_nothing_stored(
    bot: BotHarness,
) -> None:
    async with bot.running():
        boss = await bot.bind(8611, str((await bot.staff(Role.ADMIN, CITY))[0].cert_no))
        for data in (billion_laughs_docx(), external_entity_docx()):
            bot.fake.send_document(boss, data, "执法记录仪使用规定.docx")
            await bot.fake.until_idle()
            assert bot.fake.last_text(boss.id) == UNSAFE
    assert await bot.all(select(PolicyDocument)) == []
    assert await bot.all(select(AuditLog).where(AuditLog.entity == "policy_documents")) == []


@SQLITE_ONLY
async def test_xlsx_bomb_sent_in_chat_is_refused_off_the_event_loop_and_nothing_written(
    bot: BotHarness, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    threads: list[int] = []

    def spied(*args: Any) -> list[str]:
        threads.append(threading.get_ident())
        return detect_kind(*args)

    monkeypatch.setattr(directories, "detect_kind", spied)
    good = write_workbook(tmp_path / "good.xlsx", TARGET_HEADERS, [target_row()]).read_bytes()
    bomb = swapped(good, repeated("xl/workbook.xml", bytes(MB), 64, declared=200))
    counts = [select(func.count()).select_from(Target), select(func.count()).select_from(AuditLog)]
    async with bot.running():
        boss = await bot.bind(8612, str((await bot.staff(Role.ADMIN, CITY))[0].cert_no))
        before = [await bot.scalar(query) for query in counts]
        bot.fake.send_document(boss, bomb, "企业名单.xlsx", XLSX)  # no caption: the kind is read
        await bot.fake.until_idle()
        assert bot.fake.last_text(boss.id) == "文件解压后异常庞大，疑似恶意文件，已拒绝。"
    assert threads and threading.get_ident() not in threads
    assert [await bot.scalar(query) for query in counts] == before


@SQLITE_ONLY
async def test_template_is_written_off_the_event_loop(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    threads: list[int] = []

    def spied(*args: Any) -> None:
        threads.append(threading.get_ident())
        write_template(*args)

    monkeypatch.setattr(directories, "write_template", spied)
    async with bot.running():
        boss = await bot.bind(8613, str((await bot.staff(Role.ADMIN, CITY))[0].cert_no))
        await bot.send(boss, "/template targets")
    assert threads and threading.get_ident() not in threads
    document = bot.fake.last_message(boss.id)
    assert document is not None and document["document"]["file_name"] == "检查对象名录库模板.xlsx"
