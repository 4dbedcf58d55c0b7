"""The `shuangsuiji` command line (also `python -m bot`)."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path

from sqlalchemy.engine import make_url

import bot.cli_publish as cli_publish  # issue 11: publish
from bot import (
    cli_ask,
    cli_bot,
    cli_draw,
    cli_reporting,
    cli_results,
    cli_statistics,  # issue 11
)
from bot.cli_database import DatabaseUnavailable, database
from bot.cli_progress import progress_bar
from bot.config import Config, ConfigError, load_config
from bot.context import AppContext
from bot.demo_chat import scene as demo_chat
from bot.services import demo as demo_service
from bot.services.directories import (
    export_directory,
    import_directory,
    notes_by_row,
    report_lines,
    write_error_copy,
    write_template,
)
from bot.texts import Texts, texts_for
from storage.database import UnsupportedDatabase
from storage.sheets import KINDS

Command = Callable[[AppContext, argparse.Namespace], Awaitable[int]]
# Commands that need no database, or open it themselves when they do (bot/cli_database.py).
CommandWithoutDatabase = Callable[[Config, Texts, argparse.Namespace], Awaitable[int]]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="shuangsuiji", description="双随机、一公开 抽查工具")
    parser.add_argument("--config", type=Path, default=None, help="配置文件（默认 ./config.toml）")
    commands = parser.add_subparsers(dest="command", required=True)

    commands.add_parser("init", help="创建或升级数据库")

    imp = commands.add_parser("import", help="从 .xlsx 导入名录库")
    imp.add_argument("kind", choices=KINDS)
    imp.add_argument("file", type=Path)
    imp.add_argument("--dry-run", action="store_true", help="只报告将新增、更新、停用多少，不写入")
    imp.add_argument("--deactivate-missing", action="store_true", help="把文件中没有的行标为停用")
    imp.add_argument("--errors-out", type=Path, help="把标注了错误的副本写到此 .xlsx")
    imp.add_argument(
        "--force", action="store_true", help="允许停用超过 [storage] max_deactivate_share 的比例"
    )

    tpl = commands.add_parser("template", help="写出空白导入模板")
    tpl.add_argument("kind", choices=KINDS)
    tpl.add_argument("file", type=Path)

    exp = commands.add_parser("export", help="导出名录库（可直接再导入）")
    exp.add_argument("kind", choices=KINDS)
    exp.add_argument("file", type=Path)

    commands.add_parser("demo", help="生成保定市演示数据并打印各区县季度最低抽查数")
    cli_draw.add_parsers(commands)
    cli_bot.add_parsers(commands)
    cli_reporting.add_parsers(commands)
    cli_ask.add_parsers(commands)
    cli_results.add_parsers(commands)
    cli_publish.add_parsers(commands)  # issue 11: publish
    cli_statistics.add_parsers(commands)  # issue 11
    return parser


async def cmd_init(ctx: AppContext, _: argparse.Namespace) -> int:
    print(ctx.texts.database_ready(_safe_url(ctx.config.database_url)))
    return 0


async def cmd_import(ctx: AppContext, args: argparse.Namespace) -> int:
    with progress_bar(ctx.texts.kind_name(args.kind), ctx.texts.progress_rows()) as progress:
        report = await import_directory(
            ctx.sessions,
            ctx.config.regions,
            args.kind,
            args.file,
            actor="cli",
            max_bytes=ctx.config.storage.max_import_mb * 1024 * 1024,
            dry_run=args.dry_run,
            deactivate_missing=args.deactivate_missing,
            deactivate_at_most=None if args.force else ctx.config.storage.max_deactivate_share,
            progress=progress,
        )
    # A refusal and its reasons on stderr, what was done on stdout.
    print("\n".join(report_lines(ctx.texts, report)), file=sys.stderr if report.refused else None)
    if report.problems and args.errors_out:
        write_error_copy(
            args.file,
            args.errors_out,
            ctx.texts.error_sheet_title(),
            ctx.texts.error_column(),
            notes_by_row(report.problems, ctx.texts.cell_problem),
            ctx.config.storage.max_import_mb * 1024 * 1024,
        )
        print(ctx.texts.errors_written(str(args.errors_out)), file=sys.stderr)
    return 1 if report.refused else 0


async def cmd_template(config: Config, texts: Texts, args: argparse.Namespace) -> int:
    write_template(config.regions, args.kind, args.file)
    print(texts.template_written(args.kind, str(args.file)))
    return 0


async def cmd_export(ctx: AppContext, args: argparse.Namespace) -> int:
    with progress_bar(ctx.texts.kind_name(args.kind), ctx.texts.progress_rows()) as progress:
        count = await export_directory(
            ctx.sessions, ctx.config.regions, args.kind, args.file, progress
        )
    print(ctx.texts.exported(args.kind, count, str(args.file)))
    return 0


async def cmd_demo(ctx: AppContext, _: argparse.Namespace) -> int:
    for line in await demo_service.run_demo(ctx):
        print(line)
    await show_demo_chat(ctx)
    for line in await demo_service.next_steps(ctx):  # last: what to do after reading the demo
        print(line)
    return 0


async def show_demo_chat(ctx: AppContext) -> None:
    """The product is a chat: end the demo with one, played offline on a scratch database."""
    for line in await demo_chat.play(ctx.config):
        print(line)


COMMANDS: dict[str, Command] = {
    "init": cmd_init,
    "import": cmd_import,
    "export": cmd_export,
    "demo": cmd_demo,
    "draw": cli_draw.cmd_draw,
    "run": cli_bot.cmd_run,
    "invite": cli_bot.cmd_invite,
    "results": cli_results.cmd_results,
    "evidence": cli_results.cmd_evidence,
    # --- issue 11: publish ---
    "publish": cli_publish.cmd_publish,
}
WITHOUT_DATABASE: dict[str, CommandWithoutDatabase] = {
    "template": cmd_template,
    "verify": cli_draw.cmd_verify,
    "deadlines": cli_reporting.cmd_deadlines,
    "ask": cli_ask.cmd_ask,
    "report": cli_statistics.cmd_report,  # issue 11: checks its arguments, then opens the database
}


def _safe_url(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


async def _run(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    if args.command in WITHOUT_DATABASE:
        return await WITHOUT_DATABASE[args.command](config, texts_for("zh"), args)
    async with database(config) as ctx:
        return await COMMANDS[args.command](ctx, args)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    texts = Texts()
    try:
        return asyncio.run(_run(args))
    except ConfigError as error:
        print(error, file=sys.stderr)
        return 2
    except UnsupportedDatabase as error:
        print(texts.unsupported_database(str(error)), file=sys.stderr)
        return 2
    except DatabaseUnavailable as error:
        print(texts.database_unreachable(str(error)), file=sys.stderr)
        return 2
    except BrokenPipeError:
        # `shuangsuiji demo | head`: the reader left; say nothing more (Python docs' recipe).
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
