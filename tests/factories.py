"""Small factories: valid directory rows and the workbooks that carry them."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import count
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from bot.cli import main
from spotcheck.credit_code import complete_credit_code

TARGET_HEADERS = [
    "统一社会信用代码",
    "单位名称",
    "行政区划代码",
    "所属区县",
    "行业类别",
    "排污许可管理类别",
    "监管类别",
    "正面清单",
    "信用风险等级",
    "标签",
    "地址",
    "经度",
    "纬度",
]
INSPECTOR_HEADERS = ["姓名", "执法证号", "所属单位", "行政区划代码", "专长标签", "角色", "状态"]

_serial = count(1)


def credit_code(county: str = "130602", serial: int | None = None) -> str:
    number = next(_serial) if serial is None else serial
    return complete_credit_code(f"91{county}MA{number:06d}")


def target_row(**overrides: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "统一社会信用代码": credit_code(),
        "单位名称": "保定市恒信化工有限公司（一厂）",
        "行政区划代码": "130602",
        "所属区县": "竞秀区",
        "行业类别": "化学原料和化学制品制造业",
        "排污许可管理类别": "重点管理",
        "监管类别": "重点",
        "正面清单": "否",
        "信用风险等级": "B",
        "标签": "涉VOCs;危废",
        "地址": "保定市竞秀区工业园区8号",
        "经度": 115.46,
        "纬度": 38.87,
    }
    row.update(overrides)
    return row


def inspector_row(**overrides: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "姓名": "王伟",
        "执法证号": f"13060200{next(_serial):03d}",
        "所属单位": "保定市生态环境局竞秀区分局",
        "行政区划代码": "130602",
        "专长标签": "涉水;危废",
        "角色": "执法人员",
        "状态": "在岗",
    }
    row.update(overrides)
    return row


def write_workbook(
    path: Path,
    headers: Sequence[str],
    rows: Sequence[dict[str, Any]],
    formats: dict[str, str] | None = None,
) -> Path:
    """A workbook as a clerk would make it; `formats` sets a number format per header."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(list(headers))
    for row in rows:
        sheet.append([row.get(h) for h in headers])
    for index, header in enumerate(headers, start=1):
        if formats and header in formats:
            for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                cell.number_format = formats[header]
    workbook.save(path)
    return path


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list[str]]:
    """`shuangsuiji ARGV…` in-process: its exit code and stdout lines (stderr must be empty)."""
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert err == ""
    return code, out.splitlines()


def run_cli_failing(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list[str]]:
    """`shuangsuiji ARGV…` that fails: its exit code and stderr lines (stdout must be empty:
    errors go to stderr, so that a script reading stdout never takes one for a result)."""
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert out == ""
    return code, err.splitlines()
