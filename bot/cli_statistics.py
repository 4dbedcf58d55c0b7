"""`shuangsuiji report QUARTER [--region CODE] --out FILE.xlsx`: the quarter's statistics
workbook — the whole city's with the evaluation (稽查考核), or one county's.

The arguments are checked before the database is opened, and the file is written whole or not
at all (a temporary file beside it, renamed): a bad quarter, county or path writes nothing."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from bot.cli_database import database
from bot.clock import today_in
from bot.config import Config
from bot.services.statistics_report import build_report
from bot.texts import Texts
from spotcheck.deadlines import Quarter
from storage.out_files import out_problem, write_whole


def add_parsers(commands: Any) -> None:
    report = commands.add_parser("report", help="导出季度统计表（.xlsx；全市的含稽查考核）")
    report.add_argument("quarter", help="季度，如 2026Q4")
    report.add_argument("--region", help="只导出该区县（行政区划代码）；默认全市")
    report.add_argument("--out", type=Path, required=True, help="输出的 .xlsx 文件")


async def cmd_report(config: Config, texts: Texts, args: argparse.Namespace) -> int:
    try:
        quarter = str(Quarter.parse(args.quarter))
    except ValueError:
        print(texts.report_bad_quarter(args.quarter), file=sys.stderr)
        return 2
    if args.region is not None and not config.regions.is_county(args.region):
        print(texts.report_bad_region(args.region), file=sys.stderr)
        return 2
    problem = out_problem(args.out, (".xlsx",))
    if problem is not None:
        print(texts.report_bad_out(str(args.out), problem), file=sys.stderr)
        return 2
    async with database(config) as ctx:
        report = await build_report(ctx, quarter, args.region, today_in(config.timezone))
    try:
        write_whole(args.out, lambda path: path.write_bytes(report.data))
    except OSError as error:
        print(texts.report_bad_out(str(args.out), "unwritable", str(error)), file=sys.stderr)
        return 1
    print(texts.report_written(quarter, report.scope, str(args.out)))
    return 0
