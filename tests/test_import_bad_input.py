"""Bad input to an import (issue 2's list, one test each): a clear Chinese message, nothing written.

Every test asserts what the clerk reads (through the Chinese texts or the command line) and
that the database holds no directory row and no audit entry afterwards.
"""

from __future__ import annotations

import os
import re
import sqlite3
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from sqlalchemy import func, select

from bot.cli import main
from bot.context import AppContext
from bot.services.directories import ImportReport, import_directory
from storage import excel
from storage.models import AuditLog, Inspector, Target
from tests.conftest import make_config
from tests.factories import (
    INSPECTOR_HEADERS,
    TARGET_HEADERS,
    inspector_row,
    target_row,
    write_workbook,
)

MB = 1024 * 1024
GOOD_CODE = "91350100M000100Y43"
SHEET_XML = "xl/worksheets/sheet1.xml"


async def _import(
    ctx: AppContext, path: Path, kind: str = "targets", **options: Any
) -> ImportReport:
    return await import_directory(
        ctx.sessions,
        ctx.config.regions,
        kind,
        path,
        actor="test",
        max_bytes=ctx.config.storage.max_import_mb * MB,
        **options,
    )


async def _written(ctx: AppContext) -> tuple[int, int, int]:
    """(targets, inspectors, audit entries) in the database."""
    async with ctx.sessions() as session:
        counts = [
            await session.scalar(select(func.count()).select_from(model))
            for model in (Target, Inspector, AuditLog)
        ]
    return counts[0] or 0, counts[1] or 0, counts[2] or 0


def _sheet_messages(ctx: AppContext, report: ImportReport) -> list[str]:
    assert report.refused and report.problems == []
    return [ctx.texts.sheet_problem(p) for p in report.sheet_problems]


def _cell_messages(ctx: AppContext, report: ImportReport) -> list[str]:
    assert report.refused and report.sheet_problems == []
    return [ctx.texts.cell_problem(found) for found in report.problems]


def _valid_workbook(path: Path, rows: int = 2) -> Path:
    return write_workbook(path, TARGET_HEADERS, [target_row() for _ in range(rows)])


def _add_member(path: Path, name: str, data: bytes, method: int) -> None:
    with zipfile.ZipFile(path, "a", compression=method) as archive:
        archive.writestr(name, data)


def _rewrite_sheet_xml(path: Path, change: Callable[[str], str]) -> None:
    """Rewrite the first sheet's XML inside the .xlsx, as a program other than openpyxl would."""
    with zipfile.ZipFile(path) as archive:
        members = {info.filename: archive.read(info) for info in archive.infolist()}
    members[SHEET_XML] = change(members[SHEET_XML].decode()).encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)


def _cache_formula_results(path: Path, cached: dict[str, Any]) -> None:
    """What Excel does on save and openpyxl does not: store each formula's last result (<v>)."""

    def add_values(sheet: str) -> str:
        for ref, value in cached.items():
            pattern = re.compile(rf'<c r="{ref}"([^>]*)><f>(.*?)</f><v ?/></c>')
            kind = ' t="str"' if isinstance(value, str) else ""
            cell = f'<c r="{ref}"\\1{kind}><f>\\2</f><v>{value}</v></c>'
            sheet, found = pattern.subn(cell, sheet)
            assert found == 1, ref
        return sheet

    _rewrite_sheet_xml(path, add_values)


# --- the header row ------------------------------------------------------------------------


async def test_missing_required_column_is_named(ctx: AppContext, tmp_path: Path) -> None:
    headers = [h for h in TARGET_HEADERS if h != "监管类别"]
    path = write_workbook(tmp_path / "t.xlsx", headers, [target_row()])
    report = await _import(ctx, path)
    assert _sheet_messages(ctx, report) == ["缺少必需列“监管类别”"]
    assert await _written(ctx) == (0, 0, 0)


async def test_header_typo_suggests_the_typed_header(ctx: AppContext, tmp_path: Path) -> None:
    headers = ["统一社会信用码" if h == "统一社会信用代码" else h for h in TARGET_HEADERS]
    row = target_row()
    row["统一社会信用码"] = row.pop("统一社会信用代码")
    path = write_workbook(tmp_path / "t.xlsx", headers, [row])
    report = await _import(ctx, path)
    assert _sheet_messages(ctx, report) == [
        "缺少必需列“统一社会信用代码”（表中有“统一社会信用码”，是否写错？）"
    ]
    assert await _written(ctx) == (0, 0, 0)


async def test_header_with_spaces_and_full_width_is_recognised(
    ctx: AppContext, tmp_path: Path
) -> None:
    row = target_row()
    headers = [" 统一社会 信用代码\u3000" if h == "统一社会信用代码" else h for h in TARGET_HEADERS]
    row[headers[0]] = row.pop("统一社会信用代码")
    report = await _import(ctx, write_workbook(tmp_path / "t.xlsx", headers, [row]))
    assert (report.refused, report.added) == (False, 1)


async def test_unknown_columns_are_ignored(ctx: AppContext, tmp_path: Path) -> None:
    row = {**target_row(), "备注": "新增"}
    path = write_workbook(tmp_path / "t.xlsx", [*TARGET_HEADERS, "备注"], [row])
    report = await _import(ctx, path)
    assert (report.refused, report.added) == (False, 1)


async def test_header_only_sheet_imports_nothing(ctx: AppContext, tmp_path: Path) -> None:
    report = await _import(ctx, write_workbook(tmp_path / "t.xlsx", TARGET_HEADERS, []))
    assert (report.refused, report.added) == (False, 0)
    assert await _written(ctx) == (0, 0, 0)


async def test_header_given_twice_is_refused(ctx: AppContext, tmp_path: Path) -> None:
    path = write_workbook(tmp_path / "t.xlsx", [*TARGET_HEADERS, "单位名称"], [target_row()])
    report = await _import(ctx, path)
    assert _sheet_messages(ctx, report) == ["表头“单位名称”出现了不止一次。"]
    assert await _written(ctx) == (0, 0, 0)


async def test_empty_sheet_is_refused(ctx: AppContext, tmp_path: Path) -> None:
    path = tmp_path / "t.xlsx"
    openpyxl.Workbook().save(path)
    report = await _import(ctx, path)
    assert _sheet_messages(ctx, report) == ["工作表为空：第一行应为表头。"]
    assert await _written(ctx) == (0, 0, 0)


async def test_row_numbers_count_the_blank_rows_in_between(ctx: AppContext, tmp_path: Path) -> None:
    path = write_workbook(tmp_path / "t.xlsx", TARGET_HEADERS, [target_row()])
    workbook = openpyxl.load_workbook(path)
    bad = target_row(信用风险等级="Z")
    for column, header in enumerate(TARGET_HEADERS, start=1):
        workbook.active.cell(row=6, column=column, value=bad[header])
    workbook.save(path)
    report = await _import(ctx, path)
    assert _cell_messages(ctx, report) == [
        "第 6 行「信用风险等级」：信用风险等级“Z”无法识别（应为 A、B、C、D）"
    ]
    assert await _written(ctx) == (0, 0, 0)


# --- the credit code -----------------------------------------------------------------------


async def test_wrong_check_character_is_refused(ctx: AppContext, tmp_path: Path) -> None:
    path = write_workbook(
        tmp_path / "t.xlsx", TARGET_HEADERS, [target_row(统一社会信用代码="91350100M000100Y44")]
    )
    report = await _import(ctx, path)
    assert _cell_messages(ctx, report) == [
        "第 2 行「统一社会信用代码」：统一社会信用代码第 18 位校验码不符（GB 32100-2015）"
    ]
    assert report.problems[0].value == "91350100M000100Y44"
    assert await _written(ctx) == (0, 0, 0)


async def test_seventeen_character_code_is_refused(ctx: AppContext, tmp_path: Path) -> None:
    path = write_workbook(
        tmp_path / "t.xlsx", TARGET_HEADERS, [target_row(统一社会信用代码=GOOD_CODE[:17])]
    )
    report = await _import(ctx, path)
    assert _cell_messages(ctx, report) == [
        "第 2 行「统一社会信用代码」：统一社会信用代码应为 18 位"
    ]
    assert await _written(ctx) == (0, 0, 0)


@pytest.mark.parametrize(
    "written",
    [
        "91350100m000100y43",
        "９１３５０１００Ｍ０００１００Ｙ４３",
        " 9135 0100M000100Y43\u3000",
        "９1350100ｍ000100y43 ",
    ],
    ids=["lower-case", "full-width", "spaces", "mixed"],
)
async def test_lower_case_full_width_and_spaces_are_normalised_then_accepted(
    ctx: AppContext, tmp_path: Path, written: str
) -> None:
    row = target_row(统一社会信用代码=written, 行政区划代码="１３０６０２", 所属区县="竞秀")
    report = await _import(ctx, write_workbook(tmp_path / "t.xlsx", TARGET_HEADERS, [row]))
    assert (report.refused, report.added) == (False, 1)
    async with ctx.sessions() as session:
        stored = (await session.execute(select(Target.credit_code, Target.region_code))).one()
    assert tuple(stored) == (GOOD_CODE, "130602")


async def test_duplicate_key_inside_the_file_names_both_rows(
    ctx: AppContext, tmp_path: Path
) -> None:
    rows = [
        target_row(统一社会信用代码=GOOD_CODE),
        target_row(),
        target_row(统一社会信用代码=GOOD_CODE.lower(), 单位名称="另一家公司"),
    ]
    report = await _import(ctx, write_workbook(tmp_path / "t.xlsx", TARGET_HEADERS, rows))
    assert _cell_messages(ctx, report) == ["第 4 行「统一社会信用代码」：与第 2 行重复"]
    assert await _written(ctx) == (0, 0, 0)


async def test_credit_code_excel_stored_as_a_number_is_refused_not_guessed(
    ctx: AppContext, tmp_path: Path
) -> None:
    # Typed into a General column, 911306020000373565 is kept by Excel to 15 significant
    # digits, 9.11306020000374E+17, whose digits 911306020000374016 happen to be another
    # valid code: reading the number back would store a company the clerk never typed.
    typed = "911306020000373565"
    kept = float(f"{int(typed):.15g}")
    assert str(int(kept)) == "911306020000374016"
    rows = [target_row(), target_row(统一社会信用代码=kept)]
    report = await _import(ctx, write_workbook(tmp_path / "t.xlsx", TARGET_HEADERS, rows))
    assert _cell_messages(ctx, report) == [
        "第 3 行「统一社会信用代码」：“9.11306E+17”已被 Excel 转成数字或科学计数法，"
        "请把该列设为文本后重新填写"
    ]
    assert await _written(ctx) == (0, 0, 0)


# --- codes and words the city does not know ------------------------------------------------


async def test_unknown_region_code_is_refused(ctx: AppContext, tmp_path: Path) -> None:
    row = target_row(行政区划代码="130699", 所属区县="")
    report = await _import(ctx, write_workbook(tmp_path / "t.xlsx", TARGET_HEADERS, [row]))
    assert _cell_messages(ctx, report) == [
        "第 2 行「行政区划代码」：行政区划代码 130699 不是本市的区县"
    ]
    assert await _written(ctx) == (0, 0, 0)


async def test_county_name_that_does_not_fit_the_code_is_refused(
    ctx: AppContext, tmp_path: Path
) -> None:
    row = target_row(行政区划代码="130602", 所属区县="莲池区")
    report = await _import(ctx, write_workbook(tmp_path / "t.xlsx", TARGET_HEADERS, [row]))
    assert _cell_messages(ctx, report) == [
        "第 2 行「所属区县」：所属区县“莲池区”与行政区划代码不符"
    ]
    assert await _written(ctx) == (0, 0, 0)


async def test_unknown_class_is_refused(ctx: AppContext, tmp_path: Path) -> None:
    row = target_row(监管类别="普通")
    report = await _import(ctx, write_workbook(tmp_path / "t.xlsx", TARGET_HEADERS, [row]))
    assert _cell_messages(ctx, report) == [
        "第 2 行「监管类别」：监管类别“普通”无法识别（应为 特殊、重点 或 一般）"
    ]
    assert await _written(ctx) == (0, 0, 0)


async def test_several_classes_follow_the_precedence_rule(ctx: AppContext, tmp_path: Path) -> None:
    rows = [
        target_row(监管类别="重点、特殊"),
        target_row(监管类别="重点;一般"),
        target_row(监管类别="重点", 正面清单="是"),
    ]
    report = await _import(ctx, write_workbook(tmp_path / "t.xlsx", TARGET_HEADERS, rows))
    assert report.added == 3
    async with ctx.sessions() as session:
        classes = (
            await session.scalars(select(Target.supervision_class).order_by(Target.id))
        ).all()
    assert classes == ["special", "general", "general"]


# --- 执法证号 that Excel stored as a number -------------------------------------------------


async def test_twelve_digit_certificate_number_comes_back_as_its_digits(
    ctx: AppContext, tmp_path: Path
) -> None:
    row = inspector_row(执法证号=130602001234)
    path = write_workbook(tmp_path / "i.xlsx", INSPECTOR_HEADERS, [row])
    report = await _import(ctx, path, "inspectors")
    assert (report.refused, report.added) == (False, 1)
    async with ctx.sessions() as session:
        assert (await session.scalars(select(Inspector.cert_no))).one() == "130602001234"


async def test_zero_padded_number_format_keeps_leading_zeros(
    ctx: AppContext, tmp_path: Path
) -> None:
    rows = [inspector_row(执法证号=1234), inspector_row(执法证号=60200017)]
    path = write_workbook(
        tmp_path / "i.xlsx", INSPECTOR_HEADERS, rows, formats={"执法证号": "000000000000"}
    )
    report = await _import(ctx, path, "inspectors")
    assert (report.refused, report.added) == (False, 2)
    async with ctx.sessions() as session:
        stored = (await session.scalars(select(Inspector.cert_no).order_by(Inspector.id))).all()
    assert stored == ["000000001234", "000060200017"]


async def test_certificate_number_in_scientific_notation_text_is_refused(
    ctx: AppContext, tmp_path: Path
) -> None:
    rows = [inspector_row(), inspector_row(执法证号="1.3E+10")]
    report = await _import(
        ctx, write_workbook(tmp_path / "i.xlsx", INSPECTOR_HEADERS, rows), "inspectors"
    )
    assert _cell_messages(ctx, report) == [
        "第 3 行「执法证号」：“1.3E+10”已被 Excel 转成数字或科学计数法，请把该列设为文本后重新填写"
    ]
    assert await _written(ctx) == (0, 0, 0)


# --- roles and regions: who may be an admin of what ---------------------------------------


async def test_admin_rows_must_carry_the_code_of_the_level_they_administer(
    ctx: AppContext, tmp_path: Path
) -> None:
    """A 管理员 row with a county code would make a county clerk a city admin (draws of the
    whole city, invitations of anyone); a 区县管理员 with the city's code would administer no
    county. Both are refused; 管理员 with the city code and staff with either code are fine."""
    rows = [
        inspector_row(角色="管理员", 行政区划代码="130602"),
        inspector_row(角色="区县管理员", 行政区划代码="130600"),
        inspector_row(角色="管理员", 行政区划代码="130600"),
        inspector_row(角色="区县管理员", 行政区划代码="130602"),
        inspector_row(角色="执法人员", 行政区划代码="130600"),
        inspector_row(角色="组长", 行政区划代码="130602"),
    ]
    report = await _import(
        ctx, write_workbook(tmp_path / "i.xlsx", INSPECTOR_HEADERS, rows), "inspectors"
    )
    assert _cell_messages(ctx, report) == [
        "第 2 行「角色」：管理员（市局）的行政区划代码须为市局本级代码；区县的管理员请填“区县管理员”",
        "第 3 行「角色」：区县管理员的行政区划代码须为区县代码",
    ]
    assert await _written(ctx) == (0, 0, 0)


# --- formulas: the cached value is read, the formula never evaluated ------------------------


async def test_formula_cells_are_read_as_their_cached_values(
    ctx: AppContext, tmp_path: Path
) -> None:
    row = target_row(
        # Evaluated, these would give the header text, an error and 2: all refused or wrong.
        统一社会信用代码="=A1",
        单位名称='=CONCATENATE("未","保存")',
        经度="=1/0",
        纬度="=1+1",
    )
    path = write_workbook(tmp_path / "t.xlsx", TARGET_HEADERS, [row])
    _cache_formula_results(
        path, {"A2": GOOD_CODE, "B2": "保定市缓存化工有限公司", "L2": 115.5, "M2": 38.75}
    )
    report = await _import(ctx, path)
    assert (report.refused, report.added) == (False, 1)
    async with ctx.sessions() as session:
        target = (await session.scalars(select(Target))).one()
    assert (target.credit_code, target.name) == (GOOD_CODE, "保定市缓存化工有限公司")
    assert (target.longitude, target.latitude) == (115.5, 38.75)


async def test_formula_without_a_cached_value_reads_as_empty(
    ctx: AppContext, tmp_path: Path
) -> None:
    path = write_workbook(tmp_path / "t.xlsx", TARGET_HEADERS, [target_row(单位名称="=B1")])
    report = await _import(ctx, path)
    assert _cell_messages(ctx, report) == ["第 2 行「单位名称」：不能为空"]
    assert await _written(ctx) == (0, 0, 0)


# --- files that are not a usable .xlsx -----------------------------------------------------


async def test_damaged_sheet_inside_a_sound_zip_is_refused_as_damaged(
    ctx: AppContext, tmp_path: Path
) -> None:
    path = _valid_workbook(tmp_path / "t.xlsx", rows=3)
    _rewrite_sheet_xml(path, lambda sheet: sheet[: sheet.index('<row r="3"') + 20])
    report = await _import(ctx, path)
    assert _sheet_messages(ctx, report) == ["文件已损坏或不完整，无法读取，请重新保存或重新上传。"]
    assert await _written(ctx) == (0, 0, 0)


async def test_old_xls_is_refused_with_save_as_advice(ctx: AppContext, tmp_path: Path) -> None:
    path = tmp_path / "名录.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(4096))
    report = await _import(ctx, path)
    assert _sheet_messages(ctx, report) == [
        "这是旧版 .xls 文件，请在 Excel 中“另存为”.xlsx 后再导入。"
    ]
    assert await _written(ctx) == (0, 0, 0)


NOT_XLSX = "文件不是 .xlsx 工作簿（可能是 CSV、文本或改了扩展名的文件），请用 Excel 另存为 .xlsx。"


async def test_csv_is_refused(ctx: AppContext, tmp_path: Path) -> None:
    path = tmp_path / "名录.csv"
    path.write_text(",".join(TARGET_HEADERS) + "\n" + GOOD_CODE + ",某公司\n", encoding="utf-8-sig")
    report = await _import(ctx, path)
    assert _sheet_messages(ctx, report) == [NOT_XLSX]
    assert await _written(ctx) == (0, 0, 0)


async def test_text_file_renamed_xlsx_is_refused(ctx: AppContext, tmp_path: Path) -> None:
    path = tmp_path / "名录.xlsx"
    path.write_text("这不是表格\n", encoding="utf-8")
    report = await _import(ctx, path)
    assert _sheet_messages(ctx, report) == [NOT_XLSX]
    assert await _written(ctx) == (0, 0, 0)


async def test_zip_that_is_not_a_workbook_is_refused(ctx: AppContext, tmp_path: Path) -> None:
    path = tmp_path / "名录.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "hello")
    report = await _import(ctx, path)
    assert _sheet_messages(ctx, report) == [NOT_XLSX]


async def test_truncated_file_is_refused_as_damaged(ctx: AppContext, tmp_path: Path) -> None:
    path = _valid_workbook(tmp_path / "t.xlsx", rows=20)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    report = await _import(ctx, path)
    assert _sheet_messages(ctx, report) == ["文件已损坏或不完整，无法读取，请重新保存或重新上传。"]
    assert await _written(ctx) == (0, 0, 0)


async def test_zip_bomb_is_refused(ctx: AppContext, tmp_path: Path) -> None:
    path = _valid_workbook(tmp_path / "t.xlsx")
    _add_member(path, "xl/media/image1.bin", bytes(32 * MB), zipfile.ZIP_DEFLATED)
    assert path.stat().st_size < MB  # small on disk, 32 MB unpacked
    report = await _import(ctx, path)
    assert _sheet_messages(ctx, report) == ["文件解压后异常庞大，疑似恶意文件，已拒绝。"]
    assert await _written(ctx) == (0, 0, 0)


async def test_file_over_the_configured_size_limit_is_refused(
    database_url: str, tmp_path: Path
) -> None:
    path = _valid_workbook(tmp_path / "t.xlsx")
    _add_member(path, "xl/media/image1.png", os.urandom(MB + MB // 4), zipfile.ZIP_STORED)
    excel.check_container(path, 20 * MB)  # fine under the default limit
    config = make_config(database_url, storage={"max_import_mb": 1})
    ctx = await AppContext.open(config, migrate=False)
    try:
        report = await _import(ctx, path)
        messages = _sheet_messages(ctx, report)
        assert messages == [f"文件过大（{path.stat().st_size // 1024} KB），上限为 1024 KB。"]
        assert await _written(ctx) == (0, 0, 0)
    finally:
        await ctx.close()


# --- all or nothing ------------------------------------------------------------------------


async def test_one_bad_row_among_good_rows_writes_nothing_and_reports_every_bad_row(
    ctx: AppContext, tmp_path: Path
) -> None:
    rows = [
        target_row(),
        target_row(统一社会信用代码="91350100M000100Y44"),
        target_row(),
        target_row(行政区划代码="110101", 所属区县="", 信用风险等级="E"),
        target_row(),
    ]
    report = await _import(ctx, write_workbook(tmp_path / "t.xlsx", TARGET_HEADERS, rows))
    assert [(p.row, p.column) for p in report.problems] == [
        (3, "统一社会信用代码"),
        (5, "行政区划代码"),
        (5, "信用风险等级"),
    ]
    assert _cell_messages(ctx, report) == [
        "第 3 行「统一社会信用代码」：统一社会信用代码第 18 位校验码不符（GB 32100-2015）",
        "第 5 行「行政区划代码」：行政区划代码 110101 不是本市的区县",
        "第 5 行「信用风险等级」：信用风险等级“E”无法识别（应为 A、B、C、D）",
    ]
    assert (report.added, report.updated) == (0, 0)
    assert await _written(ctx) == (0, 0, 0)


async def test_refused_import_leaves_earlier_rows_untouched(
    ctx: AppContext, tmp_path: Path
) -> None:
    first = target_row()
    await _import(ctx, write_workbook(tmp_path / "a.xlsx", TARGET_HEADERS, [first]))
    changed = {**first, "单位名称": "改过的名称"}
    bad = target_row(信用风险等级="")
    report = await _import(ctx, write_workbook(tmp_path / "b.xlsx", TARGET_HEADERS, [changed, bad]))
    assert _cell_messages(ctx, report) == ["第 3 行「信用风险等级」：不能为空"]
    assert await _written(ctx) == (1, 0, 1)
    async with ctx.sessions() as session:
        assert (await session.scalars(select(Target.name))).one() == first["单位名称"]


def test_errors_out_writes_a_copy_with_the_reason_at_the_bad_row(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    database = tmp_path / "cli.db"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{database}")
    rows = [target_row(), target_row(统一社会信用代码="91350100M000100Y44"), target_row()]
    source = write_workbook(tmp_path / "t.xlsx", TARGET_HEADERS, rows)
    out = tmp_path / "错误标注.xlsx"
    assert main(["import", "targets", str(source), "--errors-out", str(out)]) == 1
    reason = "第 3 行「统一社会信用代码」：统一社会信用代码第 18 位校验码不符（GB 32100-2015）"
    printed = capsys.readouterr().err  # a refusal is an error: on stderr
    assert "检查对象名录库未导入：发现 1 处错误，未写入任何数据。" in printed
    assert reason in printed
    assert f"已把标注错误的副本写入 {out}" in printed
    copy = excel.read_values(out, 20 * MB)
    assert list(copy[0]) == [*TARGET_HEADERS, "错误"]
    assert [r[-1] for r in copy[1:]] == [None, reason, None]
    assert [r[0] for r in copy[1:]] == [r["统一社会信用代码"] for r in rows]
    workbook = openpyxl.load_workbook(out, read_only=True)
    assert workbook.sheetnames == ["错误标注"]
    workbook.close()
    with sqlite3.connect(database) as connection:
        counts = [
            connection.execute(f"select count(*) from {table}").fetchone()[0]
            for table in ("targets", "audit_log")
        ]
    assert counts == [0, 0]
