"""`shuangsuiji publish QUARTER --out FILE.xlsx|.csv` and `publish QUARTER --html DIR`: 一公开."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from bot.context import AppContext
from bot.services import disclosure
from bot.services.disclosure import PublishProblem
from bot.services.disclosure_pages import write_pages

SUFFIXES = (".xlsx", ".csv")


def add_parsers(commands: Any) -> None:
    publish = commands.add_parser(
        "publish", help="公示季度抽查结果（一公开）：.xlsx / .csv，或静态网页目录"
    )
    publish.add_argument("quarter", help="季度，如 2026Q4")
    where = publish.add_mutually_exclusive_group(required=True)
    where.add_argument(
        "--out", type=Path, help="写成 .xlsx（结果、抽查事项清单、抽查计划）或 .csv（仅结果）"
    )
    where.add_argument("--html", type=Path, help="写成可直接上传的静态网页目录")


async def cmd_publish(ctx: AppContext, args: argparse.Namespace) -> int:
    """Checked before anything is marked published: the quarter and where the files go."""
    texts = ctx.texts
    try:
        quarter = disclosure.parse_quarter(args.quarter)
        _check_destination(args)
        published = await disclosure.publish(ctx, quarter, "cli")
    except PublishProblem as problem:
        print(texts.publish_problem(problem.kind, problem.details), file=sys.stderr)
        return 1
    results, newly = len(published.results), published.newly_published
    if args.html is not None:
        await write_pages(ctx, published, args.html)
        print(texts.publish_pages_done(quarter, results, newly, str(args.html)))
        return 0
    disclosure.write_file(ctx, published, args.out)
    print(texts.publish_done(quarter, results, newly, str(args.out)))
    if args.out.suffix.lower() == ".csv":
        print(texts.publish_csv_only_results())
    else:
        strata = sum(len(p.strata) for p in published.plans)
        print(texts.publish_workbook_parts(len(published.items), strata, len(published.plans)))
    return 0


def _check_destination(args: argparse.Namespace) -> None:
    if args.html is not None:
        folder: Path = args.html
        if folder.exists() and not (folder.is_dir() and os.access(folder, os.W_OK)):
            raise PublishProblem("bad_dir", path=str(folder))
        if not folder.exists():
            parent = folder.parent if str(folder.parent) else Path(".")
            if not (parent.is_dir() and os.access(parent, os.W_OK)):
                raise PublishProblem("bad_dir", path=str(folder))
            folder.mkdir()
        return
    out: Path = args.out
    if out.suffix.lower() not in SUFFIXES:
        raise PublishProblem("bad_suffix", path=str(out))
    parent = out.parent if str(out.parent) else Path(".")
    if not (parent.is_dir() and os.access(parent, os.W_OK)) or out.is_dir():
        raise PublishProblem("bad_out", path=str(out))
