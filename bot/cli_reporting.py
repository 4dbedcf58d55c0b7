"""`shuangsuiji deadlines YEAR [--json]`: the year's reporting deadlines."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from bot.config import Config
from bot.services import reporting
from bot.texts import Texts


def add_parsers(commands: Any) -> None:
    deadlines = commands.add_parser("deadlines", help="某年各季度的报送期限和抽取截止日")
    deadlines.add_argument("year", type=int)
    deadlines.add_argument("--json", action="store_true", help="输出 JSON")


async def cmd_deadlines(config: Config, texts: Texts, args: argparse.Namespace) -> int:
    if not 1900 <= args.year <= 2100:
        print(texts.bad_year(args.year), file=sys.stderr)
        return 2
    rows, unknown = reporting.deadlines_of(config, args.year)
    if unknown:  # on stderr, so that --json output stays a clean document
        print(texts.calendar_warning(list(unknown)), file=sys.stderr)
    if args.json:
        print(json.dumps([r.to_json_dict() for r in rows], ensure_ascii=False, indent=2))
        return 0
    for r in rows:
        print(
            texts.deadlines_year(
                str(r.quarter), r.summary_window, r.statistics_window, r.draw_due, r.provisional
            )
        )
    return 0
