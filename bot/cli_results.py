"""`shuangsuiji results` (every inspection result) and `shuangsuiji evidence verify` (re-hash
every stored photo against the database)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from bot.context import AppContext
from bot.texts import Texts
from spotcheck.inspection import EvidenceSource
from storage.evidence_store import verify_files
from storage.result_store import ResultView, results, stored_files


def add_parsers(commands: Any) -> None:
    listing = commands.add_parser("results", help="列出现场检查结果")
    listing.add_argument("--quarter", help="季度，如 2026Q4")
    listing.add_argument("--region", help="检查对象所在区县的行政区划代码")
    listing.add_argument("--json", action="store_true", help="输出 JSON")
    evidence = commands.add_parser("evidence", help="证据文件")
    actions = evidence.add_subparsers(dest="evidence_action", required=True)
    actions.add_parser("verify", help="逐一重新计算证据文件的 SHA-256，与数据库核对")


async def cmd_results(ctx: AppContext, args: argparse.Namespace) -> int:
    async with ctx.sessions() as session:
        found = await results(session, quarter=args.quarter, region=args.region)
    if args.json:
        print(json.dumps([r.to_json_dict() for r in found], ensure_ascii=False, indent=2))
        return 0
    if not found:
        print(ctx.texts.results_none())
    for view in found:
        for line in result_lines(ctx, view):
            print(line)
    return 0


def result_lines(ctx: AppContext, view: ResultView) -> list[str]:
    texts: Texts = ctx.texts
    target = f"{view.credit_code} {view.target_name}".strip()
    lines = [
        texts.result_heading(
            view.id, view.assignment_id, view.quarter, target, texts.result_state(view.state)
        ),
        texts.result_category_line(texts.category_name(view.category)),
    ]
    if view.checkin is not None:
        c = view.checkin
        lines.append(
            texts.result_checkin_line(c.distance_m, c.latitude is not None, c.flagged, c.reason)
        )
    lines += [
        texts.result_item_line(i.item_code, texts.item_answer_name(i.answer), i.note)
        for i in view.items
    ]
    if view.findings:
        lines.append(texts.result_findings_line(view.findings))
    photos = sum(1 for e in view.evidence if e.source is EvidenceSource.PHOTO)
    lines.append(texts.result_evidence_line(photos, len(view.evidence) - photos))
    lines += [
        texts.result_follow_up_line(
            texts.follow_up_name(f.kind),
            f.deadline.isoformat() if f.deadline else None,
            f.agency,
        )
        for f in view.follow_ups
    ]
    local = view.submitted_at.astimezone(ctx.config.timezone)
    lines.append(texts.result_submitted_line(view.submitted_by, f"{local:%Y-%m-%d %H:%M}"))
    return lines


async def cmd_evidence(ctx: AppContext, args: argparse.Namespace) -> int:
    """`evidence verify`: exit 0 and the count, or 1 and each missing or altered file."""
    async with ctx.sessions() as session:
        files = await stored_files(session)
    check = verify_files(ctx.config.storage.evidence_dir, files)
    if check.ok:
        print(ctx.texts.evidence_intact(check.checked))
        return 0
    for path in check.missing:
        print(ctx.texts.evidence_missing(str(path)), file=sys.stderr)
    for path in check.altered:
        print(ctx.texts.evidence_altered(str(path)), file=sys.stderr)
    print(
        ctx.texts.evidence_damaged(check.checked, len(check.missing), len(check.altered)),
        file=sys.stderr,
    )
    return 1
