"""The statistics workbook (统计表) as .xlsx: its sheets' fixed Chinese headers, and the writer.

Cells hold numbers, not formulas: a formula has no value until Excel recalculates it, so a
program reading the file (openpyxl, pandas, the city's own tools) would see nothing, and the
合计 row is the sum the table's function computed. Ratios are written as numbers with a percent
format; a ratio with nothing to divide by is "—". Every sheet freezes its header row.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

import openpyxl
from openpyxl.chart import BarChart, Reference
from openpyxl.chart.data_source import AxDataSource, StrRef
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from spotcheck.statistics import Tally

TABLE_TITLE = "统计表"
TABLE_HEADERS = (
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
CHECKS_TITLE = "比例核查"
CHECK_HEADERS = ("核查项", "区县", "监管类别", "实际数", "基数", "比例", "要求", "结果")
COMPLETION_TITLE = "区县完成率"
COMPLETION_HEADERS = ("区县", "应抽数", "已通过", "完成率")
EVALUATION_TITLE = "稽查考核"
EVALUATION_HEADERS = (
    "区县",
    "工作总结",
    "统计表",
    "应抽数",
    "已通过",
    "完成率",
    "已抽数",
    "内部联合",
    "联合占比",
    "信用分类",
    "信用占比",
    "审核次数",
    "审核退回",
    "发现问题",
    "无照片",
    "限期整改",
    "整改逾期",
    "应公示",
    "公示逾期",
    "得分",
)
PERCENT_FORMAT = "0.0%"
SCORE_FORMAT = "0.0"
NO_RATIO = "—"  # instead of a division by zero

# A cell: a count, a label, a ratio (written per the column's format), or None for "—".
Value = int | str | Fraction | None


@dataclass(frozen=True)
class BarSpec:
    """A native bar chart of one column against the labels of the first, beside the table."""

    values: str  # the header of the plotted column
    title: str
    axis_title: str


@dataclass(frozen=True)
class SheetTable:
    title: str
    headers: Sequence[str]
    rows: Sequence[Sequence[Value]]
    percent: frozenset[str] = frozenset()  # columns whose ratios show as percents
    scores: frozenset[str] = frozenset()  # columns whose ratios show with one decimal
    total: Sequence[Value] | None = None  # a bold 合计 row under the rows
    notes: Sequence[str] = ()  # lines under the table
    chart: BarSpec | None = None


def tally_cells(tally: Tally) -> tuple[Value, ...]:
    """The numbers of a 统计表 row, 对象数 to 未完结整改 (完成率 a ratio, None for "—")."""
    t = tally
    return (
        t.targets,
        t.minimum,
        t.drawn,
        t.offsite,
        t.checked,
        t.submitted,
        t.passed,
        t.completion,
        t.problems,
        t.rectify,
        t.case,
        t.transfer,
        t.open_rectify,
    )


def workbook_bytes(tables: Sequence[SheetTable]) -> bytes:
    """The workbook of these sheets, in order, as .xlsx bytes."""
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)  # type: ignore[arg-type]
    for table in tables:
        _write(workbook.create_sheet(table.title), table)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _write(sheet: Worksheet, table: SheetTable) -> None:
    sheet.append(list(table.headers))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center")
    for row in table.rows:
        _append(sheet, table, row)
    if table.total is not None:
        _append(sheet, table, table.total)
        for cell in sheet[sheet.max_row]:
            cell.font = Font(bold=True)
    if table.notes:
        sheet.append([])
        for line in table.notes:
            sheet.append([line])
    sheet.freeze_panes = "A2"
    for index, header in enumerate(table.headers, start=1):
        widest = max([len(header)] + [len(str(row[index - 1] or "")) for row in table.rows])
        # CJK characters take two widths; numbers and percents fit in ten.
        sheet.column_dimensions[get_column_letter(index)].width = max(10, 2 * widest + 2)
    if table.chart is not None:
        _chart(sheet, table, table.chart)


def _append(sheet: Worksheet, table: SheetTable, values: Sequence[Value]) -> None:
    sheet.append([_plain(v) for v in values])
    for header, value, cell in zip(table.headers, values, sheet[sheet.max_row], strict=False):
        if value is None:
            cell.alignment = Alignment(horizontal="right")
        elif header in table.percent:
            cell.number_format = PERCENT_FORMAT
        elif header in table.scores:
            cell.number_format = SCORE_FORMAT


def _plain(value: Value) -> int | float | str:
    if value is None:
        return NO_RATIO
    if isinstance(value, Fraction):
        return float(value)
    return value


def _chart(sheet: Worksheet, table: SheetTable, spec: BarSpec) -> None:
    column = list(table.headers).index(spec.values) + 1
    last = len(table.rows) + 1
    chart = BarChart()
    chart.type = "col"
    chart.title = spec.title
    chart.y_axis.title = spec.axis_title
    chart.y_axis.numFmt = "0%"
    chart.y_axis.scaling.min = 0
    chart.legend = None
    chart.x_axis.delete = chart.y_axis.delete = False  # openpyxl 3.1 hides them otherwise
    chart.add_data(Reference(sheet, min_col=column, min_row=1, max_row=last), titles_from_data=True)
    # The county names as text (set_categories would declare them numbers).
    labels = Reference(sheet, min_col=1, min_row=2, max_row=last)
    chart.series[0].cat = AxDataSource(strRef=StrRef(f=str(labels)))
    chart.width, chart.height = max(16, len(table.rows) * 6 // 5), 9  # cm: a bar ~1.2 cm wide
    sheet.add_chart(chart, f"{get_column_letter(len(table.headers) + 2)}2")
