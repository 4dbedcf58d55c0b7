"""The statistics workbook read back with openpyxl, cell by cell, from the seeded quarter
(tests/factories_statistics.py; the numbers are those of tests/test_statistics.py)."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import openpyxl
import pytest
from openpyxl.chart import BarChart
from openpyxl.workbook.workbook import Workbook

from bot.context import AppContext
from bot.services.statistics_report import build_report
from tests.factories_statistics import JINGXIU, LIANCHI, QUARTER, seed_quarter

TODAY = date(2026, 12, 9)
HEADERS = (
    "区县",
    "监管类别",
    "对象数",
    "应抽数",
    "已抽数",
    "非现场数",
    "已检查",
    "已提交",
    "已通过",
    "完成率",
    "发现问题",
    "责令改正",
    "立案查处",
    "移交",
    "未完结整改",
)
NUMBERS = HEADERS[2:]


async def _book(ctx: AppContext, region: str | None = None) -> Workbook:
    report = await build_report(ctx, QUARTER, region, TODAY)
    return openpyxl.load_workbook(io.BytesIO(report.data))


def _records(book: Workbook, title: str) -> list[dict[str, Any]]:
    """The sheet's data rows (up to the first blank one), each as header → value."""
    values = list(book[title].iter_rows(values_only=True))
    records = []
    for row in values[1:]:
        if row[0] is None:
            break
        records.append(dict(zip(values[0], row, strict=True)))
    return records


def _rows(book: Workbook, title: str) -> dict[tuple[Any, Any], dict[str, Any]]:
    """The sheet's data rows by their first two cells."""
    return {(r[h[0]], r[h[1]]): r for r in _records(book, title) for h in [list(r)]}


def _numbers(row: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(row[h] for h in NUMBERS)


async def test_the_table_has_the_headers_and_each_county_s_numbers(ctx: AppContext) -> None:
    await seed_quarter(ctx)
    book = await _book(ctx)
    assert book.sheetnames == ["统计表", "比例核查", "区县完成率", "稽查考核"]
    sheet = book["统计表"]
    assert tuple(c.value for c in sheet[1]) == HEADERS
    rows = _rows(book, "统计表")
    third = pytest.approx(1 / 3)
    assert _numbers(rows[("竞秀区", "重点")]) == (9, 3, 2, 0, 2, 2, 1, third, 1, 1, 1, 0, 1)
    assert _numbers(rows[("竞秀区", "特殊")]) == (2, 1, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0)
    assert _numbers(rows[("竞秀区", "一般")]) == (14, 1, 1, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    assert _numbers(rows[("莲池区", "重点")]) == (4, 1, 1, 0, 1, 1, 1, 1, 1, 0, 0, 1, 0)
    # no target in the class: zeros, and no rate instead of a division by zero
    assert _numbers(rows[("莲池区", "特殊")]) == (0, 0, 0, 0, 0, 0, 0, "—", 0, 0, 0, 0, 0)
    assert _numbers(rows[("市级（全市）", "重点")]) == (13, 2, 1, 0, 1, 1, 1, 0.5, 0, 0, 0, 0, 0)
    assert _numbers(rows[("市级（全市）", "特殊")])[:3] == (2, 1, 0)


async def test_the_total_row_is_the_sum_of_the_rows(ctx: AppContext) -> None:
    await seed_quarter(ctx)
    rows = _rows(await _book(ctx), "统计表")
    total = rows.pop(("合计", None))
    for header in NUMBERS:
        if header != "完成率":
            assert total[header] == sum(row[header] for row in rows.values()), header
    assert (total["已抽数"], total["已通过"]) == (6, 3)
    assert total["完成率"] == pytest.approx(total["已通过"] / total["应抽数"])


async def test_rates_are_percent_numbers_and_the_header_row_is_frozen(ctx: AppContext) -> None:
    await seed_quarter(ctx)
    book = await _book(ctx)
    sheet = book["统计表"]
    assert sheet.freeze_panes == "A2"
    rate = HEADERS.index("完成率") + 1
    numeric = [
        c for (c,) in sheet.iter_rows(min_row=2, min_col=rate, max_col=rate) if c.value != "—"
    ]
    assert numeric and all(c.number_format == "0.0%" for c in numeric)
    assert sheet.column_dimensions["A"].width >= 10
    assert all(book[title].freeze_panes == "A2" for title in book.sheetnames)


async def test_the_ratio_checks_say_met_or_not_with_their_shares(ctx: AppContext) -> None:
    await seed_quarter(ctx)
    book = await _book(ctx)
    rows = _rows(book, "比例核查")
    joint = rows[("内部联合抽查占比", "全市")]
    assert (joint["实际数"], joint["基数"], joint["结果"]) == (4, 6, "达标")
    assert joint["比例"] == pytest.approx(4 / 6) and joint["要求"] == pytest.approx(0.3)
    credit = rows[("信用风险分类抽查占比", "全市")]
    assert (credit["实际数"], credit["基数"], credit["结果"]) == (4, 6, "未达标")
    assert rows[("正面清单非现场监管覆盖率", "全市")]["结果"] == "达标"
    quota = {
        (r["区县"], r["监管类别"]): (r["实际数"], r["基数"], r["结果"])
        for r in _records(book, "比例核查")
        if r["核查项"] == "现场检查应抽数"
    }
    assert quota[("竞秀区", "重点")] == (2, 3, "未达标")
    assert quota[("莲池区", "重点")] == (1, 1, "达标")
    assert quota[("市级（全市）", "特殊")] == (0, 1, "未达标")


async def test_a_native_bar_chart_shows_completion_by_county(ctx: AppContext) -> None:
    await seed_quarter(ctx)
    book = await _book(ctx)
    sheet = book["区县完成率"]
    completion = {row[0]: row[1:] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert completion["竞秀区"] == (5, 1, pytest.approx(0.2))
    assert completion["莲池区"] == (1, 1, 1)
    (chart,) = sheet._charts
    assert isinstance(chart, BarChart)
    (series,) = chart.series
    assert series.val.numRef.f == f"'区县完成率'!$D$2:$D${sheet.max_row}"
    assert series.cat.strRef.f == f"'区县完成率'!$A$2:$A${sheet.max_row}"


async def test_a_county_s_workbook_holds_its_rows_and_no_evaluation(ctx: AppContext) -> None:
    await seed_quarter(ctx)
    report = await build_report(ctx, QUARTER, LIANCHI, TODAY)
    assert report.file_name == "2026Q4莲池区双随机抽查统计表.xlsx"
    book = openpyxl.load_workbook(io.BytesIO(report.data))
    assert "稽查考核" not in book.sheetnames
    rows = _rows(book, "统计表")
    assert {county for county, _ in rows} == {"莲池区", "合计"}
    assert _numbers(rows[("合计", None)])[:3] == (4, 1, 1)
    shares = _rows(book, "比例核查")
    assert shares[("正面清单非现场监管覆盖率", "莲池区")]["结果"] == "—"


async def test_a_county_s_workbook_leaves_the_city_s_checks_of_its_targets_out(
    ctx: AppContext,
) -> None:
    await seed_quarter(ctx)  # the city checked a 竞秀区 target: that is the city's work
    book = openpyxl.load_workbook(
        io.BytesIO((await build_report(ctx, QUARTER, JINGXIU, TODAY)).data)
    )
    rows = _rows(book, "统计表")
    assert {county for county, _ in rows} == {"竞秀区", "合计"}
    assert _numbers(rows[("合计", None)])[:3] == (25, 5, 4)
    joint = _rows(book, "比例核查")[("内部联合抽查占比", "竞秀区")]
    assert (joint["实际数"], joint["基数"]) == (4, 4)


async def test_an_empty_quarter_writes_zeros_and_no_rate(ctx: AppContext) -> None:
    book = await _book(ctx)
    rows = _rows(book, "统计表")
    assert ("竞秀区", "重点") in rows and ("市级（全市）", "一般") in rows
    for row in rows.values():
        assert row["完成率"] == "—"
        assert all(row[h] == 0 for h in NUMBERS if h != "完成率")
    checks = _rows(book, "比例核查")
    assert {r["比例"] for r in checks.values()} == {"—"}
    assert {r["结果"] for r in checks.values()} == {"—"}


async def test_a_second_export_has_identical_cells(ctx: AppContext) -> None:
    await seed_quarter(ctx)
    first, second = await _book(ctx), await _book(ctx)
    assert first.sheetnames == second.sheetnames
    for title in first.sheetnames:
        assert list(first[title].values) == list(second[title].values), title
