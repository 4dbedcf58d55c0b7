"""Hostile files a city admin sends in chat (issue 16), through the real Application and the
fake Bot API: a .docx whose XML declares entities is refused in Chinese and nothing is stored."""

from __future__ import annotations

from sqlalchemy import select

from spotcheck.roles import Role
from storage.bot_models import PolicyDocument
from storage.models import AuditLog
from tests.e2e.conftest import SQLITE_ONLY, BotHarness
from tests.hostile_files import billion_laughs_docx, external_entity_docx

CITY = "130600"
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
