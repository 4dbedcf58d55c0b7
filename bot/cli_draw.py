"""The draw commands of the command line: draw, draw commit, draw replace, verify."""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from datetime import tzinfo
from pathlib import Path
from typing import Any

from bot.callback_data import MAX_ID
from bot.cli_database import database
from bot.cli_progress import progress_bar
from bot.clock import today_in
from bot.config import Config
from bot.context import AppContext
from bot.services import assignments, draws
from bot.services.demo import aligned
from bot.services.draws import DrawProblem, DrawRequest
from bot.texts import Texts
from spotcheck.classes import SupervisionClass
from spotcheck.draw import DrawFilters, DrawRefused
from spotcheck.numerals import parse_decimal
from spotcheck.quota import Level, StratumPlan, TaskKind
from spotcheck.record import JointCheck, JointKind
from storage.database import database_missing

_FILTER_KEYS = {
    "industry": "industries",
    "tag": "tags",
    "permit": "permit_categories",
    "region": "regions",
}


def add_parsers(commands: Any) -> None:
    draw = commands.add_parser("draw", help="抽取检查对象和执法人员（双随机）")
    draw.add_argument("--quarter", help="季度，如 2024Q1")
    draw.add_argument("--level", choices=[lv.value for lv in Level])
    draw.add_argument("--region", help="区县行政区划代码")
    draw.add_argument("--class", dest="cls", choices=[c.value for c in SupervisionClass])
    draw.add_argument(
        "--filter",
        action="append",
        default=[],
        help="定向条件 industry=… tag=… permit=… region=… violation=within:天数",
    )
    draw.add_argument("--seed", help="事先公布的公开种子文本（如彩票开奖号码）")
    draw.add_argument("--commitment", type=int, help="draw commit 生成的熵承诺编号")
    draw.add_argument("--joint", choices=["internal", "department"], help="内部联合 / 部门联合")
    draw.add_argument("--parties", default="", help="联合检查的处室或部门，逗号分隔")
    draw.add_argument("--experts", type=int, default=0, help="每个检查组抽取的专家人数")
    draw.add_argument("--cross-region", action=argparse.BooleanOptionalAction, default=None)
    draw.add_argument("--amends", type=int, help="重抽：被修订的记录号")
    draw.add_argument("--reason", help="重抽或替换的原因")
    draw.add_argument("--dry-run", action="store_true", help="只打印抽查计划（各层对象数与应抽数）")
    draw.add_argument("--out", type=Path, help="把抽查记录写成 JSON")
    sub = draw.add_subparsers(dest="draw_action")
    sub.add_parser("commit", help="生成并保存服务器熵，打印其 SHA-256 承诺值")
    export = sub.add_parser("export", help="把数据库中的一条抽查记录写成 JSON")
    export.add_argument("record", type=int)
    export.add_argument("--out", dest="export_out", type=Path, required=True)
    replace = sub.add_parser("replace", help="回避或不能到岗时替换一名执法人员")
    replace.add_argument("record", type=int)
    replace.add_argument("--target", required=True)
    replace.add_argument("--inspector", required=True)
    replace.add_argument("--reason", dest="replace_reason", required=True)
    replace.add_argument("--out", dest="replace_out", type=Path)

    verify = commands.add_parser("verify", help="根据记录本身复核一次抽取")
    verify.add_argument("record", help="记录或其公开摘要的 JSON 文件，或数据库中的记录号")


_WITHIN = re.compile(r"within:([0-9]{1,5})")


def _violation_days(item: str, text: str) -> int:
    """`violation=within:365`: targets with a violation within 365 days before the quarter."""
    found = _WITHIN.fullmatch(text.strip())
    if found is None or int(found.group(1)) == 0:
        raise DrawProblem("bad_filter", filter=item)
    return int(found.group(1))


def _request(args: argparse.Namespace, zone: tzinfo) -> DrawRequest:
    if not args.quarter:
        raise DrawProblem("no_quarter")
    if not args.level:
        raise DrawProblem("no_level")
    values: dict[str, set[str]] = {}
    within: int | None = None
    for item in args.filter:
        key, _, text = item.partition("=")
        if key == "violation":
            within = _violation_days(item, text)
            continue
        if key not in _FILTER_KEYS or not text.strip():
            raise DrawProblem("bad_filter", filter=item)
        values.setdefault(_FILTER_KEYS[key], set()).update(
            v.strip() for v in text.split(",") if v.strip()
        )
    if args.experts < 0:
        raise DrawProblem("bad_experts")
    parties = tuple(p.strip() for p in args.parties.split(",") if p.strip())
    try:
        joint = (
            JointCheck()
            if args.joint is None
            else JointCheck(
                JointKind.INTERNAL if args.joint == "internal" else JointKind.CROSS_DEPARTMENT,
                parties,
            )
        )
    except ValueError:
        raise DrawProblem("bad_joint") from None
    return DrawRequest(
        quarter=args.quarter.upper(),
        level=Level(args.level),
        actor="cli",
        region=args.region,
        supervision_class=SupervisionClass(args.cls) if args.cls else None,
        filters=DrawFilters(
            **{k: frozenset(v) for k, v in values.items()}, violation_within_days=within
        ),
        seed_text=args.seed,
        commitment_id=args.commitment,
        joint=joint,
        experts_per_check=args.experts,
        cross_region=args.cross_region,
        amends=args.amends,
        reason=args.reason,
        today=today_in(zone),
    )


async def cmd_draw(ctx: AppContext, args: argparse.Namespace) -> int:
    texts = ctx.texts
    try:
        if args.draw_action == "export":
            if not _writable(args.export_out):
                raise DrawProblem("bad_out", path=str(args.export_out))
            await _write(ctx, args.record, args.export_out)
            return 0
        if args.draw_action == "commit":
            print(texts.commitment_made(*await draws.commit_entropy(ctx, "cli")))
            return 0
        if args.draw_action == "replace":
            code, cert = args.target.strip().upper(), args.inspector.strip()
            outcome, change = await assignments.replace_member(
                ctx, args.record, code, cert, args.replace_reason, "cli"
            )
            print(
                texts.replacement_done(
                    outcome.record_id,
                    args.target,
                    args.inspector,
                    [f"{change.added_name}（{change.added_cert}）"],
                )
            )
            await _write(ctx, outcome.record_id, args.replace_out)
            return 0
        request = _request(args, ctx.config.timezone)
        if args.out is not None and not _writable(args.out):
            raise DrawProblem("bad_out", path=str(args.out))
        if args.dry_run:
            strata = await draws.preview(ctx, request)
            print_plan(ctx, request, strata)
            if not any(s.to_draw for s in strata):
                raise DrawProblem("empty_plan")  # what the draw itself would answer
            return 0
        with progress_bar(texts.progress_draw(), texts.progress_steps()) as progress:
            outcome = await draws.execute(ctx, request, progress)
    except DrawProblem as problem:
        print(texts.draw_problem(problem.kind, problem.details), file=sys.stderr)
        return 1
    except DrawRefused as refused:
        print(texts.refusal(ctx.config.regions, refused.reason), file=sys.stderr)
        return 1
    print(
        texts.draw_done(
            outcome.record_id, outcome.onsite, outcome.offsite, outcome.inspector_visits
        )
    )
    print(texts.draw_seed(outcome.seed))
    await _write(ctx, outcome.record_id, args.out)
    return 0


def _writable(path: Path) -> bool:
    """Checked before drawing: a draw is stored for good, so its file must not fail after."""
    folder = path.parent if str(path.parent) else Path(".")
    return folder.is_dir() and os.access(folder, os.W_OK) and not path.is_dir()


async def _write(ctx: AppContext, record_id: int, path: Path | None) -> None:
    """The whole record, its lists spliced in: a file `verify` needs nothing else for."""
    if path is None:
        return
    path.write_bytes(await draws.record_bytes(ctx, record_id))
    print(ctx.texts.record_written(str(path)))


def print_plan(ctx: AppContext, request: DrawRequest, strata: tuple[StratumPlan, ...]) -> None:
    texts, regions = ctx.texts, ctx.config.regions
    print(texts.plan_title(request.quarter, request.level.value))
    if not strata:
        print(texts.plan_empty())
        return
    table = [texts.plan_headers()]
    for stratum in strata:
        data = stratum.to_json()
        table.append(
            [
                texts.stratum_label(regions, data),
                str(stratum.population),
                texts.percent(stratum.ratio),
                str(stratum.multiplier),
                str(stratum.quota),
                str(stratum.already_drawn),
                str(stratum.to_draw),
            ]
        )
    for line in aligned(table):
        print(line)
    onsite = sum(s.to_draw for s in strata if s.kind is TaskKind.ONSITE)
    offsite = sum(s.to_draw for s in strata if s.kind is TaskKind.OFFSITE)
    print(texts.plan_totals(onsite, offsite))


async def cmd_verify(config: Config, texts: Texts, args: argparse.Namespace) -> int:
    """A record file is checked by itself, with no database; a record number is read from it."""
    path = Path(args.record)
    record_id = parse_decimal(args.record, MAX_ID)
    if not path.exists() and record_id is not None:
        try:
            if database_missing(config.database_url):  # not created just to find nothing
                raise DrawProblem("no_record", record=record_id)
            async with database(config) as ctx:
                record = await draws.load_record(ctx, record_id)
        except DrawProblem as problem:
            print(texts.draw_problem(problem.kind, problem.details), file=sys.stderr)
            return 1
        outcome = draws.verify(record)
        shown: object = args.record
    elif not path.is_file():
        print(texts.draw_problem("no_file", {"path": args.record}), file=sys.stderr)
        return 1
    else:
        outcome = draws.verify_file(path)
        shown = _record_id(path)
    if outcome.ok:
        print(texts.verify_extract_ok(shown) if outcome.targets_only else texts.verify_ok(shown))
        return 0
    print(texts.verify_failed(shown, outcome.first_difference), file=sys.stderr)
    return 1


def _record_id(path: Path) -> object:
    try:
        return json.loads(path.read_text(encoding="utf-8")).get("id", path.name)
    except (OSError, ValueError, AttributeError):
        return path.name
