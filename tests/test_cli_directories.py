"""The directory commands end to end through `shuangsuiji` (bot.cli.main) on a SQLite file."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import openpyxl
import pytest
from openpyxl.utils import get_column_letter

from bot.config import config_from_mapping
from storage import excel
from storage.sheets import sheet_spec
from tests.factories import (
    INSPECTOR_HEADERS,
    TARGET_HEADERS,
    inspector_row,
    run_cli,
    run_cli_failing,
    target_row,
    write_workbook,
)

MB = 1024 * 1024


def _count(database: Path, table: str) -> int:
    with sqlite3.connect(database) as connection:
        return int(connection.execute(f"select count(*) from {table}").fetchone()[0])


def test_init_creates_the_database(database: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run_cli(capsys, "init")
    assert (code, out) == (0, [f"数据库已就绪：sqlite:///{database}"])
    assert _count(database, "targets") == 0
    assert _count(database, "audit_log") == 0
    assert run_cli(capsys, "init") == (0, [f"数据库已就绪：sqlite:///{database}"])


@pytest.mark.parametrize(
    ("kind", "headers", "title"),
    [
        ("targets", TARGET_HEADERS, "检查对象名录库"),
        ("inspectors", INSPECTOR_HEADERS, "执法人员名录库"),
        ("experts", ["姓名", "所在单位", "行政区划代码", "擅长行业", "联系电话"], "专家库"),
        (
            "items",
            ["事项编码", "事项名称", "检查依据", "实施层级", "检查方式", "适用监管类别"],
            "随机抽查事项清单",
        ),
    ],
)
def test_template_has_the_design_headers_and_imports_as_zero_rows(
    database: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    kind: str,
    headers: list[str],
    title: str,
) -> None:
    path = tmp_path / f"{kind}.xlsx"
    assert run_cli(capsys, "template", kind, str(path)) == (0, [f"已写出{title}模板：{path}"])
    assert [list(r) for r in excel.read_values(path, MB)] == [headers]
    code, out = run_cli(capsys, "import", kind, str(path))
    assert (code, out) == (0, [f"{title}导入完成：新增 0，更新 0，未变 0，停用 0。"])
    assert _count(database, "audit_log") == 0


def test_import_then_export_then_reimport_changes_nothing(
    database: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = [
        inspector_row(执法证号="0013060201"),
        inspector_row(执法证号=130602001234),
        inspector_row(角色="组长"),
    ]
    source = write_workbook(tmp_path / "i.xlsx", INSPECTOR_HEADERS, rows)
    assert run_cli(capsys, "import", "inspectors", str(source)) == (
        0,
        ["执法人员名录库导入完成：新增 3，更新 0，未变 0，停用 0。"],
    )
    exported = tmp_path / "out.xlsx"
    assert run_cli(capsys, "export", "inspectors", str(exported)) == (
        0,
        [f"已导出执法人员名录库 3 行：{exported}"],
    )
    assert run_cli(capsys, "import", "inspectors", str(exported)) == (
        0,
        ["执法人员名录库导入完成：新增 0，更新 0，未变 3，停用 0。"],
    )
    assert _count(database, "inspectors") == 3
    assert _count(database, "audit_log") == 3
    with sqlite3.connect(database) as connection:
        numbers = [r[0] for r in connection.execute("select cert_no from inspectors order by id")]
    assert numbers[:2] == ["0013060201", "130602001234"]
    assert [r[1] for r in excel.read_values(exported, MB)[1:3]] == numbers[:2]


def test_import_of_a_bad_file_exits_1_and_prints_the_reasons(
    database: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = [target_row(), target_row(监管类别="普通", 信用风险等级="")]
    source = write_workbook(tmp_path / "t.xlsx", TARGET_HEADERS, rows)
    code, out = run_cli_failing(capsys, "import", "targets", str(source))
    assert code == 1
    assert out == [
        "检查对象名录库未导入：发现 2 处错误，未写入任何数据。",
        "  第 3 行「监管类别」：监管类别“普通”无法识别（应为 特殊、重点 或 一般）",
        "  第 3 行「信用风险等级」：不能为空",
    ]
    assert _count(database, "targets") == 0
    assert _count(database, "audit_log") == 0


def test_import_of_a_file_that_is_not_xlsx_exits_1_with_the_reason(
    database: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "t.xlsx"
    source.write_text("统一社会信用代码,单位名称\n", encoding="utf-8")
    code, out = run_cli_failing(capsys, "import", "targets", str(source))
    assert code == 1
    assert out == [
        "检查对象名录库未导入：发现 1 处错误，未写入任何数据。",
        "  文件不是 .xlsx 工作簿（可能是 CSV、文本或改了扩展名的文件），请用 Excel 另存为 .xlsx。",
    ]
    assert _count(database, "targets") == 0


def test_dry_run_reports_and_writes_nothing(
    database: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = write_workbook(tmp_path / "t.xlsx", TARGET_HEADERS, [target_row(), target_row()])
    code, out = run_cli(capsys, "import", "targets", str(source), "--dry-run")
    assert (code, out) == (0, ["检查对象名录库试导入（未写入）：新增 2，更新 0，未变 0，停用 0。"])
    assert _count(database, "targets") == 0
    assert _count(database, "audit_log") == 0
    assert _count(database, "tags") == 0


def test_dry_run_of_deactivation_counts_without_deactivating(
    database: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    kept, dropped = [target_row() for _ in range(4)], target_row()
    both = write_workbook(tmp_path / "a.xlsx", TARGET_HEADERS, [*kept, dropped])
    assert run_cli(capsys, "import", "targets", str(both))[0] == 0
    four = write_workbook(tmp_path / "b.xlsx", TARGET_HEADERS, kept)
    code, out = run_cli(capsys, "import", "targets", str(four), "--dry-run", "--deactivate-missing")
    assert (code, out) == (0, ["检查对象名录库试导入（未写入）：新增 0，更新 0，未变 4，停用 1。"])
    with sqlite3.connect(database) as connection:
        active = connection.execute("select count(*) from targets where active").fetchone()[0]
    assert active == 5
    assert _count(database, "audit_log") == 5


def test_demo_twice_prints_the_same_counts_and_adds_nothing(
    database: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, first = run_cli(capsys, "demo")
    assert code == 0
    assert (
        first[0]
        == "演示数据已就绪：检查对象 2400 家，执法人员 166 名，专家 30 名，抽查事项 12 项。"
    )
    assert any(line.startswith("竞秀区") for line in first)
    audited = _count(database, "audit_log")
    counts = [_count(database, t) for t in ("targets", "inspectors", "experts", "inspection_items")]
    assert counts == [2400, 166, 30, 12]
    assert audited == sum(counts)
    code, second = run_cli(capsys, "demo")
    # the chat at the end carries a fresh invitation code and seed each time
    tables = first.index(next(line for line in first if line.startswith("在聊天中"))) - 1
    assert (code, second[:tables]) == (0, first[:tables])
    assert _count(database, "audit_log") == audited
    assert [
        _count(database, t) for t in ("targets", "inspectors", "experts", "inspection_items")
    ] == counts


def test_demo_table_lists_every_county_with_quotas(
    database: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, out = run_cli(capsys, "demo")
    header = next(i for i, line in enumerate(out) if line.startswith("区县"))
    rows = [line.split() for line in out[header + 1 : header + 27]]
    assert len(rows) == 26
    jingxiu = next(r for r in rows if r[0] == "竞秀区")
    special, key, general, positive, special_quota, key_quota, general_quota, offsite = map(
        int, jingxiu[1:]
    )
    # County minimums: ⌈50% special⌉, ⌈25% key⌉, ⌈3% general⌉; the positive list is checked off-site.
    assert special_quota == -(-special // 2)
    assert key_quota == -(-key // 4)
    assert general_quota == -(-general * 3 // 100)
    assert offsite == positive
    assert next(line for line in out if line.startswith("市级每季度最低抽查数：特殊 "))


# --- issue 16: the command line as a newcomer meets it ----------------------------------------


@pytest.mark.parametrize("kind", ["targets", "inspectors", "experts", "items"])
def test_blank_template_formats_its_code_columns_as_text(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], kind: str
) -> None:
    """So that a 执法证号 or credit code typed into the blank template stays text in Excel."""
    path = tmp_path / f"{kind}.xlsx"
    assert run_cli(capsys, "template", kind, str(path))[0] == 0
    sheet = openpyxl.load_workbook(path).active
    assert sheet is not None
    headers = [cell.value for cell in sheet[1]]
    formats = {
        header: sheet.column_dimensions[get_column_letter(i)].number_format
        for i, header in enumerate(headers, start=1)
    }
    text = set(sheet_spec(kind, config_from_mapping({}).regions).text_headers)
    assert text
    assert {h for h, f in formats.items() if f == "@"} == text


def _five_targets(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = [target_row() for _ in range(5)]
    source = write_workbook(tmp_path / "all.xlsx", TARGET_HEADERS, rows)
    assert run_cli(capsys, "import", "targets", str(source))[0] == 0


def test_header_only_sheet_with_deactivate_missing_is_refused_and_changes_nothing(
    database: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _five_targets(tmp_path, capsys)
    empty = write_workbook(tmp_path / "empty.xlsx", TARGET_HEADERS, [])
    for dry_run in ([], ["--dry-run"]):
        code, err = run_cli_failing(
            capsys, "import", "targets", str(empty), "--deactivate-missing", *dry_run
        )
        assert (code, err) == (
            1,
            [
                "检查对象名录库未导入：按 --deactivate-missing 将停用 5 条（现有在用 5 条），"
                "超过允许的比例 20%（[storage] max_deactivate_share），未写入任何数据。"
                "请检查文件是否完整；确需停用这么多，请加 --force 重新导入。"
            ],
        )
    assert _count(database, "targets where active") == 5
    assert _count(database, "audit_log") == 5


def test_force_deactivates_more_than_the_configured_share(
    database: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _five_targets(tmp_path, capsys)
    empty = write_workbook(tmp_path / "empty.xlsx", TARGET_HEADERS, [])
    code, out = run_cli(capsys, "import", "targets", str(empty), "--deactivate-missing", "--force")
    assert (code, out) == (0, ["检查对象名录库导入完成：新增 0，更新 0，未变 0，停用 5。"])
    assert _count(database, "targets where active") == 0


def test_max_deactivate_share_comes_from_the_config(
    database: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _five_targets(tmp_path, capsys)
    config = tmp_path / "config.toml"
    config.write_text('[storage]\nmax_deactivate_share = "40%"\n', encoding="utf-8")
    kept = excel.read_values(tmp_path / "all.xlsx", MB)[1:4]  # three of five: 2 deactivated, 40%
    three = write_workbook(
        tmp_path / "three.xlsx",
        TARGET_HEADERS,
        [dict(zip(TARGET_HEADERS, row, strict=False)) for row in kept],
    )
    code, out = run_cli(capsys, "import", "targets", str(three), "--deactivate-missing")
    assert code == 0, out
    assert out == ["检查对象名录库导入完成：新增 0，更新 0，未变 3，停用 2。"]


def test_demo_names_the_city_admins_and_the_next_commands(
    database: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = run_cli(capsys, "demo")
    assert code == 0
    head = out.index("市级管理员（先邀请其中一位，再由他在聊天中用 /invite 邀请其他人）：")
    admins = [line.split() for line in out[head + 1 : out.index("下一步：")] if line]
    with sqlite3.connect(database) as connection:
        stored = connection.execute(
            "select name, cert_no from inspectors where role = 'admin' and region_code = '130600'"
            " order by cert_no"
        ).fetchall()
    assert len(stored) == 2
    assert admins == [[name, "执法证号", cert] for name, cert in stored]
    steps = [line.split()[:3] for line in out[out.index("下一步：") + 1 :]]
    assert steps == [
        ["1.", "shuangsuiji", "invite"],
        ["2.", "export", "TELEGRAM_BOT_TOKEN=…"],
        ["3.", "shuangsuiji", "run"],
    ]
    first_cert = stored[0][1]
    assert out[out.index("下一步：") + 1].split()[3] == first_cert
    # The printed command works as printed, and names the admin.
    code, invited = run_cli(capsys, "invite", first_cert)
    assert code == 0
    assert invited[0].startswith(f"已为 {stored[0][0]}（{first_cert}）生成一次性邀请码：")
