"""The directory commands end to end through `shuangsuiji` (bot.cli.main) on a SQLite file."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from storage import excel
from tests.factories import (
    INSPECTOR_HEADERS,
    TARGET_HEADERS,
    inspector_row,
    run_cli,
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
    code, out = run_cli(capsys, "import", "targets", str(source))
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
    code, out = run_cli(capsys, "import", "targets", str(source))
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
    kept, dropped = target_row(), target_row()
    both = write_workbook(tmp_path / "a.xlsx", TARGET_HEADERS, [kept, dropped])
    assert run_cli(capsys, "import", "targets", str(both))[0] == 0
    one = write_workbook(tmp_path / "b.xlsx", TARGET_HEADERS, [kept])
    code, out = run_cli(capsys, "import", "targets", str(one), "--dry-run", "--deactivate-missing")
    assert (code, out) == (0, ["检查对象名录库试导入（未写入）：新增 0，更新 0，未变 1，停用 1。"])
    with sqlite3.connect(database) as connection:
        active = connection.execute("select count(*) from targets where active").fetchone()[0]
    assert active == 2
    assert _count(database, "audit_log") == 2


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
    assert (code, second) == (0, first)
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
    assert out[-1].startswith("市级每季度最低抽查数：特殊 ")
