"""The directories in chat: an admin sends an .xlsx and gets the CLI's all-or-nothing import,
its progress edited into one message and the error copy back; /template sends the blank sheet.
A county admin imports his county's rows only; an inspector imports nothing."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from sqlalchemy import func, select, update

from spotcheck.roles import DutyStatus, Role
from storage.draft_models import FormDraft
from storage.models import AuditLog, Inspector, Target, utcnow
from tests.e2e.conftest import SQLITE_ONLY, BotHarness, OpenBot
from tests.e2e.fake_telegram import TgUser
from tests.factories import (
    INSPECTOR_HEADERS,
    TARGET_HEADERS,
    credit_code,
    inspector_row,
    target_row,
    write_workbook,
)
from tests.test_qa_service import docx

JINGXIU, LIANCHI, CITY = "130602", "130606", "130600"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
NOT_ADMIN = "只有管理员可以导入名录库或下载模板。"


def sheet(tmp_path: Path, headers: list[str], rows: list[dict[str, Any]]) -> bytes:
    return write_workbook(tmp_path / "sheet.xlsx", headers, rows).read_bytes()


def fresh_targets(count: int, region: str = JINGXIU) -> list[dict[str, Any]]:
    # serials far above the demo directory's, so every row is new
    return [
        target_row(
            统一社会信用代码=credit_code(region, 900_000 + i), 行政区划代码=region, 所属区县=None
        )
        for i in range(count)
    ]


async def admin(bot: BotHarness, user_id: int, role: Role = Role.ADMIN) -> TgUser:
    region = CITY if role is Role.ADMIN else JINGXIU
    return await bot.bind(user_id, (await bot.staff(role, region))[0].cert_no)


async def target_count(bot: BotHarness) -> int:
    count: int = await bot.scalar(select(func.count()).select_from(Target))
    return count


def workbook_rows(data: bytes) -> list[tuple[Any, ...]]:
    workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    try:
        return list(workbook.worksheets[0].iter_rows(values_only=True))
    finally:
        workbook.close()


async def test_a_city_admin_imports_a_targets_sheet_by_sending_it(
    bot: BotHarness, tmp_path: Path
) -> None:
    rows = fresh_targets(3)
    async with bot.running():
        boss = await admin(bot, 8401)
        # no caption, no /import: a city admin's spreadsheet is an import; its headers say which
        bot.fake.send_document(boss, sheet(tmp_path, TARGET_HEADERS, rows), "企业名单.xlsx", XLSX)
        await bot.fake.until_idle()
    assert bot.fake.last_text(boss.id) == "检查对象名录库导入完成：新增 3，更新 0，未变 0，停用 0。"
    codes = [r["统一社会信用代码"] for r in rows]
    stored = await bot.all(select(Target.credit_code).where(Target.credit_code.in_(codes)))
    assert sorted(stored) == sorted(codes)
    audited = await bot.all(select(AuditLog).where(AuditLog.entity_key.in_(codes)))
    person = (await bot.staff(Role.ADMIN, CITY))[0]
    assert {(a.action, a.actor) for a in audited} == {("create", f"tg:8401/{person.cert_no}")}
    assert len(audited) == 3


@SQLITE_ONLY
async def test_a_sheet_with_a_bad_row_imports_nothing_and_the_error_copy_comes_back(
    bot: BotHarness, tmp_path: Path
) -> None:
    rows = [*fresh_targets(2), target_row(统一社会信用代码="91130602MA0000000X")]
    before = await target_count(bot)
    async with bot.running():
        boss = await admin(bot, 8402)
        data = sheet(tmp_path, TARGET_HEADERS, rows)
        bot.fake.send_document(boss, data, "targets.xlsx", XLSX, caption="/import targets")
        await bot.fake.until_idle()
    assert await target_count(bot) == before
    *_, outcome, document = bot.fake.sent_to(boss.id)
    assert outcome["text"].startswith("检查对象名录库未导入：发现 1 处错误，未写入任何数据。")
    assert "第 4 行「统一社会信用代码」" in outcome["text"]
    assert document["document"]["file_name"] == "检查对象名录库-错误标注.xlsx"
    header, *body = workbook_rows(bot.fake.file_content(document["document"]))
    assert header[-1] == "错误"
    assert [r[-1] for r in body][:2] in ([None, None], ["", ""])
    assert body[2][-1].startswith("第 4 行「统一社会信用代码」：统一社会信用代码")


async def test_a_county_admins_sheet_with_another_countys_rows_is_refused(
    bot: BotHarness, tmp_path: Path
) -> None:
    [lianchi] = await bot.all(
        select(Target).where(Target.region_code == LIANCHI).order_by(Target.id).limit(1)
    )
    moved = target_row(统一社会信用代码=lianchi.credit_code, 所属区县=None)  # into 竞秀区
    rows = [*fresh_targets(1), *fresh_targets(1, LIANCHI), moved]
    before = await target_count(bot)
    async with bot.running():
        county = await admin(bot, 8403, Role.COUNTY_ADMIN)
        await bot.send(county, "/import")
        assert bot.fake.last_text(county.id).startswith("请发送要导入的 .xlsx 文件")  # type: ignore[union-attr]
        bot.fake.send_document(county, sheet(tmp_path, TARGET_HEADERS, rows), "t.xlsx", XLSX)
        await bot.fake.until_idle()
        # the item list is the city's
        await bot.send(county, "/import items")
        assert (
            bot.fake.last_text(county.id) == "随机抽查事项清单由市局统一维护，区县管理员不能导入。"
        )
    assert await target_count(bot) == before
    [outcome] = [m["text"] for m in bot.fake.sent_to(county.id) if "未导入" in m.get("text", "")]
    assert "发现 2 处错误" in outcome
    assert f"第 3 行「行政区划代码」：行政区划代码 {LIANCHI} 不是本区县的" in outcome
    assert f"第 4 行「行政区划代码」：该行已登记在其他区县（{LIANCHI}）" in outcome


@SQLITE_ONLY
async def test_an_inspector_can_neither_import_nor_get_a_template(
    bot: BotHarness, tmp_path: Path
) -> None:
    before = await target_count(bot)
    async with bot.running():
        user = await bot.bind(8404, (await bot.staff(Role.INSPECTOR, JINGXIU))[0].cert_no)
        await bot.send(user, "/import targets")
        assert bot.fake.last_text(user.id) == NOT_ADMIN
        await bot.send(user, "/template targets")
        assert bot.fake.last_text(user.id) == NOT_ADMIN
        data = sheet(tmp_path, TARGET_HEADERS, fresh_targets(1))
        bot.fake.send_document(user, data, "t.xlsx", XLSX, caption="/import targets")
        await bot.fake.until_idle()
    assert await target_count(bot) == before
    assert not bot.fake.calls_to("getFile")
    assert not bot.fake.calls_to("sendDocument")


@SQLITE_ONLY
async def test_template_targets_sends_a_workbook_with_the_headers(bot: BotHarness) -> None:
    async with bot.running():
        boss = await admin(bot, 8405)
        await bot.send(boss, "/template targets")
    document = bot.fake.last_message(boss.id)
    assert document is not None and document["document"]["file_name"] == "检查对象名录库模板.xlsx"
    assert workbook_rows(bot.fake.file_content(document["document"])) == [tuple(TARGET_HEADERS)]


@SQLITE_ONLY
async def test_a_larger_sheet_edits_its_progress_message_as_it_goes(
    open_bot: OpenBot, tmp_path: Path
) -> None:
    bot = await open_bot(telegram={"progress_seconds": 0})
    async with bot.running():
        boss = await admin(bot, 8406)
        data = sheet(tmp_path, TARGET_HEADERS, fresh_targets(1200))
        bot.fake.send_document(boss, data, "t.xlsx", XLSX, caption="/import 检查对象")
        await bot.fake.until_idle(timeout=60)
    edits = [c.params["text"] for c in bot.fake.calls_to("editMessageText") if c.ok]
    assert edits[0].startswith("正在检查检查对象名录库：已读 500 / 1200 行")
    assert edits[-1] == "检查对象名录库导入完成：新增 1200，更新 0，未变 0，停用 0。"
    [message] = [m for m in bot.fake.sent_to(boss.id) if m.get("edit_date")]
    assert message["text"] == edits[-1]


@SQLITE_ONLY
async def test_a_sheet_whose_headers_fit_two_directories_is_asked_about_with_buttons(
    bot: BotHarness, tmp_path: Path
) -> None:
    # 姓名, 行政区划代码 and 联系电话 are an expert sheet's too
    headers = [*INSPECTOR_HEADERS, "联系电话"]
    rows = [inspector_row(联系电话="13800138000") for _ in range(2)]
    async with bot.running():
        boss = await admin(bot, 8407)
        bot.fake.send_document(boss, sheet(tmp_path, headers, rows), "名单.xlsx", XLSX)
        await bot.fake.until_idle()
        question = bot.fake.last_message(boss.id)
        assert question is not None and question["text"] == "从表头看不出这是哪个名录库，请选择："
        assert [t for t, _ in bot.fake.buttons(question)] == [
            "检查对象",
            "执法人员",
            "专家",
            "抽查事项",
        ]
        await bot.press(boss, "执法人员", question)
        assert (
            bot.fake.last_text(boss.id)
            == "执法人员名录库导入完成：新增 2，更新 0，未变 0，停用 0。"
        )
        # the button is used up: pressed again, it imports nothing twice
        await bot.press(boss, "执法人员", question)
        assert (
            bot.fake.last_text(boss.id)
            == "执法人员名录库导入完成：新增 2，更新 0，未变 0，停用 0。"
        )


@SQLITE_ONLY
async def test_a_file_over_the_size_limit_is_refused_before_it_is_downloaded(
    open_bot: OpenBot,
) -> None:
    bot = await open_bot(storage={"max_import_mb": 1})
    async with bot.running():
        boss = await admin(bot, 8408)
        bot.fake.send_document(boss, b"PK\x03\x04" + b"\0" * (1024 * 1024), "big.xlsx", XLSX)
        await bot.fake.until_idle()
    assert bot.fake.last_text(boss.id) == "文件过大（1024 KB），上限为 1024 KB。"
    assert not bot.fake.calls_to("getFile")


@SQLITE_ONLY
async def test_a_renamed_csv_or_an_old_xls_in_chat_meets_the_clis_checks(bot: BotHarness) -> None:
    before = await target_count(bot)
    async with bot.running():
        boss = await admin(bot, 8409)
        csv = "统一社会信用代码,单位名称\n91130602MA0000000X,某公司\n".encode()
        bot.fake.send_document(boss, csv, "名单.xlsx", XLSX, caption="/import targets")
        await bot.fake.until_idle()
        assert bot.fake.last_text(boss.id) == (
            "检查对象名录库未导入：发现 1 处错误，未写入任何数据。\n"
            "  文件不是 .xlsx 工作簿（可能是 CSV、文本或改了扩展名的文件），请用 Excel 另存为 .xlsx。"
        )
        old = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504
        bot.fake.send_document(boss, old, "名单.xls", "application/vnd.ms-excel")
        await bot.fake.until_idle()
        assert bot.fake.last_text(boss.id) == (
            "这是旧版 .xls 文件，请在 Excel 中“另存为”.xlsx 后再导入。"
        )
    assert await target_count(bot) == before
    assert not bot.fake.calls_to("sendDocument")


def person_row(inspector: Inspector, **changes: str) -> dict[str, Any]:
    """The directory row of a stored person, with some cells changed."""
    row = inspector_row(
        姓名=inspector.name,
        执法证号=inspector.cert_no,
        所属单位=inspector.unit,
        行政区划代码=inspector.region_code,
        专长标签=";".join(inspector.specialties),
        角色=Role(inspector.role).label,
        状态=DutyStatus(inspector.status).label,
    )
    row.update(changes)
    return row


async def test_a_county_admin_can_neither_make_nor_change_a_county_admin_by_import(
    bot: BotHarness, tmp_path: Path
) -> None:
    [own, *_] = await bot.staff(Role.INSPECTOR, JINGXIU)
    [county_admin] = await bot.staff(Role.COUNTY_ADMIN, JINGXIU)
    peer = inspector_row(执法证号="130602009901", 角色="区县管理员")
    async with bot.running():
        boss = await admin(bot, 8411)  # the city gives 竞秀区 a second county admin
        data = sheet(tmp_path, INSPECTOR_HEADERS, [peer])
        bot.fake.send_document(boss, data, "peer.xlsx", XLSX, caption="/import inspectors")
        await bot.fake.until_idle()
        assert bot.fake.last_text(boss.id) == (
            "执法人员名录库导入完成：新增 1，更新 0，未变 0，停用 0。"
        )
        before = {p.cert_no: (p.role, p.status) for p in await bot.all(select(Inspector))}
        county = await bot.bind(8410, county_admin.cert_no)
        for n, rows in enumerate(
            [
                [inspector_row(角色="区县管理员"), person_row(own, 角色="区县管理员")],
                [{**peer, "角色": "执法人员"}],
                [{**peer, "状态": "调离"}],
            ]
        ):
            data = sheet(tmp_path, INSPECTOR_HEADERS, rows)
            bot.fake.send_document(county, data, f"{n}.xlsx", XLSX, caption="/import inspectors")
            await bot.fake.until_idle()
    outcomes = [m["text"] for m in bot.fake.sent_to(county.id) if "名录库" in m.get("text", "")]
    assert [o.splitlines()[0] for o in outcomes] == [
        "执法人员名录库未导入：发现 2 处错误，未写入任何数据。",
        "执法人员名录库未导入：发现 1 处错误，未写入任何数据。",
        "执法人员名录库未导入：发现 1 处错误，未写入任何数据。",
    ]
    refused = "「角色」：区县管理员不能设置“区县管理员”角色（只能设置执法人员或组长）"
    assert f"第 2 行{refused}" in outcomes[0] and f"第 3 行{refused}" in outcomes[0]
    protected = "第 2 行「角色」：该行是区县管理员，区县管理员只能改动本区县的执法人员和组长"
    assert protected in outcomes[1] and protected in outcomes[2]
    after = {p.cert_no: (p.role, p.status) for p in await bot.all(select(Inspector))}
    assert after == before


POLICY = docx(["一、总则", "（一）佩戴。现场检查全程佩戴执法记录仪。"])
POLICY_ADDED = "已加入规定库：《执法记录仪使用规定》，共 1 段。"
NOT_XLSX = "文件不是 .xlsx 工作簿（可能是 CSV、文本或改了扩展名的文件），请用 Excel 另存为 .xlsx。"


async def _forms_aged(bot: BotHarness, minutes: int) -> None:
    async with bot.ctx.sessions() as session, session.begin():
        await session.execute(
            update(FormDraft).values(updated_at=utcnow() - timedelta(minutes=minutes))
        )


@SQLITE_ONLY
async def test_an_import_that_fails_midway_leaves_no_form_behind(
    bot: BotHarness, tmp_path: Path
) -> None:
    # the outcome's edit fails: the handler fails, and the error handler apologises
    with pytest.raises(AssertionError, match=r"apologised to \[8412\]"):
        async with bot.running():
            boss = await admin(bot, 8412)
            await bot.send(boss, "/import targets")
            bot.fake.fail_next("editMessageText", 400, "Bad Request: message to edit not found")
            data = sheet(tmp_path, TARGET_HEADERS, fresh_targets(1))
            bot.fake.send_document(boss, data, "t.xlsx", XLSX)
            await bot.fake.until_idle()
            assert await bot.all(select(FormDraft)) == []
            # his next .docx is a policy, not a directory
            bot.fake.send_document(boss, POLICY, "执法记录仪使用规定.docx")
            await bot.fake.until_idle()
            assert bot.fake.last_text(boss.id) == POLICY_ADDED


@SQLITE_ONLY
async def test_an_import_form_older_than_the_wait_no_longer_takes_a_document(
    open_bot: OpenBot,
) -> None:
    bot = await open_bot(limits={"import_wait_minutes": 45})
    async with bot.running():
        boss = await admin(bot, 8413)
        for minutes, answer in ((44, NOT_XLSX), (46, POLICY_ADDED)):
            await bot.send(boss, "/import")
            await _forms_aged(bot, minutes)
            bot.fake.send_document(boss, POLICY, "执法记录仪使用规定.docx")
            await bot.fake.until_idle()
            assert bot.fake.last_text(boss.id) == answer
    assert await bot.all(select(FormDraft)) == []
