"""`shuangsuiji report QUARTER [--region CODE] --out FILE.xlsx` on the seeded quarter: the file
read back; bad arguments refused in Chinese with nothing written."""

from __future__ import annotations

import asyncio
from pathlib import Path

import openpyxl
import pytest

from bot.config import load_config
from bot.context import AppContext
from tests.factories import run_cli, run_cli_failing
from tests.factories_statistics import seed_quarter


async def _seeded() -> None:
    ctx = await AppContext.open(load_config(None))
    try:
        await seed_quarter(ctx)
    finally:
        await ctx.close()


def _table(path: Path) -> dict[tuple[str, str], tuple[object, ...]]:
    sheet = openpyxl.load_workbook(path)["统计表"]
    return {(r[0], r[1]): r[2:] for r in sheet.iter_rows(min_row=2, values_only=True)}


def test_report_writes_the_city_s_workbook(
    database: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    asyncio.run(_seeded())
    code, lines = run_cli(capsys, "report", "2026q4", "--out", "city.xlsx")
    assert code == 0
    assert lines == ["已写出 2026Q4 保定市双随机抽查统计表：city.xlsx"]
    book = openpyxl.load_workbook("city.xlsx")
    assert book.sheetnames == ["统计表", "比例核查", "区县完成率", "稽查考核"]
    rows = _table(Path("city.xlsx"))
    assert rows[("竞秀区", "重点")][:7] == (9, 3, 2, 0, 2, 2, 1)
    assert rows[("莲池区", "重点")][:7] == (4, 1, 1, 0, 1, 1, 1)
    assert not list(Path().glob(".report-*"))  # the temporary file was renamed


def test_report_of_one_county_holds_its_rows_only(
    database: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    asyncio.run(_seeded())
    code, lines = run_cli(capsys, "report", "2026Q4", "--region", "130606", "--out", "lc.xlsx")
    assert code == 0
    assert lines == ["已写出 2026Q4 莲池区双随机抽查统计表：lc.xlsx"]
    assert {county for county, _ in _table(Path("lc.xlsx"))} == {"莲池区", "合计"}
    assert "稽查考核" not in openpyxl.load_workbook("lc.xlsx").sheetnames


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["2026Q5", "--out", "q.xlsx"],
            "季度“2026Q5”无法识别：应写作 2026Q4 这样的形式。未写出任何文件。",
        ),
        (
            ["2026Q4", "--region", "130699", "--out", "q.xlsx"],
            "行政区划代码“130699”不是本市的区县。未写出任何文件。",
        ),
        (
            ["2026Q4", "--out", "q.csv"],
            "无法写出 q.csv：输出文件名应以 .xlsx 结尾。未写出任何文件。",
        ),
        (
            ["2026Q4", "--out", "nowhere/q.xlsx"],
            "无法写出 nowhere/q.xlsx：所在目录不存在。未写出任何文件。",
        ),
    ],
)
def test_report_refuses_bad_arguments_and_writes_nothing(
    database: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    code, errors = run_cli_failing(capsys, "report", *argv)
    assert (code, errors) == (2, [message])
    assert list(Path().iterdir()) == []  # no workbook, and no database created either


def test_report_refuses_a_directory_as_its_file(
    database: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    Path("out.xlsx").mkdir()
    code, errors = run_cli_failing(capsys, "report", "2026Q4", "--out", "out.xlsx")
    assert (code, errors) == (2, ["无法写出 out.xlsx：这是一个目录，不是文件。未写出任何文件。"])
    assert not database.exists()


def test_a_quarter_whose_reporting_runs_past_the_calendar_is_refused_in_chinese(
    database: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, lines = run_cli_failing(capsys, "report", "9999Q4", "--out", str(tmp_path / "x.xlsx"))
    assert code == 2
    assert lines == ["季度“9999Q4”无法识别：应写作 2026Q4 这样的形式。未写出任何文件。"]
    assert not (tmp_path / "x.xlsx").exists()
