"""`shuangsuiji publish QUARTER --out FILE.xlsx|.csv` and `publish QUARTER --html DIR`: 一公开.

The quarter and where the files go are checked first; the files are written whole (renamed
into place), and only then are the results marked published: a failed write marks nothing."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from bot.clock import today_in
from bot.context import AppContext
from bot.services import disclosure
from bot.services.disclosure import Disclosure, PublishProblem
from bot.services.disclosure_pages import write_pages
from storage.out_files import out_problem, write_whole

SUFFIXES = (".xlsx", ".csv")
# What the command line says of each out_problem.
_OUT_PROBLEMS = {"suffix": "bad_suffix", "directory": "out_is_dir", "folder": "bad_out"}


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
    texts = ctx.texts
    where: Path = args.html if args.html is not None else args.out
    try:
        quarter = disclosure.parse_quarter(args.quarter)
        _check_destination(args)
        published = await disclosure.publish(
            ctx, quarter, "cli", today_in(ctx.config.timezone), _writer(ctx, args)
        )
    except PublishProblem as problem:
        print(texts.publish_problem(problem.kind, problem.details), file=sys.stderr)
        return 1
    except OSError as error:
        details = {"path": str(where), "error": str(error)}
        print(texts.publish_problem("write_failed", details), file=sys.stderr)
        return 1
    results, newly = len(published.results), published.newly_published
    if args.html is not None:
        print(texts.publish_pages_done(quarter, results, newly, str(args.html)))
        return 0
    print(texts.publish_done(quarter, results, newly, str(args.out)))
    if args.out.suffix.lower() == ".csv":
        print(texts.publish_csv_only_results())
    else:
        strata = sum(len(p.strata) for p in published.plans)
        print(texts.publish_workbook_parts(len(published.items), strata, len(published.plans)))
    return 0


def _writer(ctx: AppContext, args: argparse.Namespace) -> Callable[[Disclosure], Awaitable[None]]:
    async def write(shown: Disclosure) -> None:
        if args.html is not None:
            await write_pages(ctx, shown, args.html)
        else:
            write_whole(args.out, lambda path: disclosure.write_file(ctx, shown, path))

    return write


def _check_destination(args: argparse.Namespace) -> None:
    if args.html is not None:
        folder: Path = args.html
        if (folder.exists() and not folder.is_dir()) or not folder.absolute().parent.is_dir():
            raise PublishProblem("bad_dir", path=str(folder))
        return
    problem = out_problem(args.out, SUFFIXES)
    if problem is not None:
        raise PublishProblem(_OUT_PROBLEMS[problem], path=str(args.out))
