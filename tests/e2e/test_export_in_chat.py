"""/export through the real Application and the fake Bot API, on the demo directory with the
seeded quarter (tests/factories_statistics.py): the workbook arrives as a document — a county
admin's of his county only, a city admin's of the whole city with the evaluation — and
everyone else is refused."""

from __future__ import annotations

import io
from typing import Any

import openpyxl
from openpyxl.workbook.workbook import Workbook
from sqlalchemy import delete

from spotcheck.roles import Role
from storage.models import Target
from tests.e2e.conftest import SQLITE_ONLY, BotHarness
from tests.e2e.fake_telegram import TgUser
from tests.factories_statistics import JINGXIU, seed_quarter

CITY = "130600"
NOT_ADMIN = "只有市局和区县管理员可以导出统计表。"
OTHER_COUNTY = "区县管理员只能导出本区县的统计表。"


async def _seeded(bot: BotHarness) -> None:
    """The demo's people, the seeded quarter's targets (the demo's would share their codes)."""
    async with bot.ctx.sessions.begin() as session:
        await session.execute(delete(Target))
    await seed_quarter(bot.ctx)


async def _person(bot: BotHarness, user_id: int, role: Role, region: str) -> TgUser:
    return await bot.bind(user_id, str((await bot.staff(role, region))[0].cert_no))


def _document(bot: BotHarness, user: TgUser) -> tuple[dict[str, Any], Workbook]:
    message = bot.fake.last_message(user.id)
    assert message is not None and "document" in message, bot.said(user.id)[-1:]
    data = bot.fake.file_content(message["document"])
    return message, openpyxl.load_workbook(io.BytesIO(data))


def _counties(book: Workbook) -> set[str]:
    return {row[0] for row in book["统计表"].iter_rows(min_row=2, values_only=True)}


def _row(book: Workbook, county: str, cls: str) -> dict[str, Any]:
    rows = list(book["统计表"].iter_rows(values_only=True))
    (found,) = [r for r in rows[1:] if r[:2] == (county, cls)]
    return dict(zip(rows[0], found, strict=True))


@SQLITE_ONLY
async def test_a_county_admin_gets_his_county_s_workbook(bot: BotHarness) -> None:
    await _seeded(bot)
    async with bot.running():
        admin = await _person(bot, 9101, Role.COUNTY_ADMIN, JINGXIU)
        await bot.send(admin, "/export 2026Q4")
        message, book = _document(bot, admin)
        await bot.send(admin, "/export 2026Q4 莲池区")
        assert bot.fake.last_text(admin.id) == OTHER_COUNTY
    assert message["document"]["file_name"] == "2026Q4竞秀区双随机抽查统计表.xlsx"
    assert message["caption"] == "2026Q4 竞秀区双随机抽查统计表（截至 2024-02-05）"
    assert _counties(book) == {"竞秀区", "合计"}
    assert "稽查考核" not in book.sheetnames
    key = _row(book, "竞秀区", "重点")  # as in tests/test_statistics.py
    assert [key[h] for h in ("对象数", "应抽数", "已抽数", "已通过")] == [9, 3, 2, 1]
    assert len(bot.fake.calls_to("sendDocument")) == 1


@SQLITE_ONLY
async def test_an_inspector_is_refused_and_gets_no_file(bot: BotHarness) -> None:
    async with bot.running():
        inspector = await _person(bot, 9102, Role.INSPECTOR, JINGXIU)
        await bot.send(inspector, "/export")
        assert bot.fake.last_text(inspector.id) == NOT_ADMIN
    assert not bot.fake.calls_to("sendDocument")


@SQLITE_ONLY
async def test_a_city_admin_gets_the_whole_city_or_the_county_he_names(bot: BotHarness) -> None:
    await _seeded(bot)
    async with bot.running():
        boss = await _person(bot, 9103, Role.ADMIN, CITY)
        await bot.send(boss, "/export 2026Q4")
        message, city = _document(bot, boss)
        await bot.send(boss, "/export 莲池 2026Q4")
        named, county = _document(bot, boss)
        await bot.send(boss, "/export 2026Q9")
        refused = bot.fake.last_text(boss.id)
    assert message["document"]["file_name"] == "2026Q4保定市双随机抽查统计表.xlsx"
    assert city.sheetnames == ["统计表", "比例核查", "区县完成率", "稽查考核"]
    assert {"竞秀区", "莲池区", "市级（全市）", "合计"} <= _counties(city)
    assert _row(city, "市级（全市）", "重点")["已通过"] == 1
    assert named["document"]["file_name"] == "2026Q4莲池区双随机抽查统计表.xlsx"
    assert _counties(county) == {"莲池区", "合计"}
    assert refused == (
        "无法识别“2026Q9”：请写季度（如 2026Q4）或区县名称、代码，例如 /export 2026Q4 竞秀区。"
    )


@SQLITE_ONLY
async def test_without_a_quarter_the_one_being_reported_is_exported(bot: BotHarness) -> None:
    async with bot.running():
        admin = await _person(bot, 9104, Role.COUNTY_ADMIN, JINGXIU)
        await bot.send(admin, "/export")  # 2024-02-05: 2023Q4's statistics window has closed
        message, book = _document(bot, admin)
    assert message["document"]["file_name"] == "2024Q1竞秀区双随机抽查统计表.xlsx"
    assert _row(book, "竞秀区", "重点")["完成率"] == 0
