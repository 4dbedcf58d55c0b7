"""Factories for the 一公开 tests: the inspection-item list the seeded results answer, and a
quarter drawn for real — two counties' county draws, one of them redrawn with a reason — whose
in-force checks have results at several stages of review."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

import bot.clock
from bot.config import load_config
from bot.context import AppContext
from bot.services import draws
from bot.services.draws import DrawOutcome, DrawRequest
from spotcheck.inspection import FollowUpKind, ItemAnswer, ResultCategory, ResultState
from spotcheck.quota import Level
from storage import review_store
from storage.draw_models import Assignment
from storage.models import InspectionItem, Inspector, Target
from storage.result_store import FollowUpInput, ItemInput, save_result
from tests.factories import credit_code
from tests.factories_results import result_input
from tests.factories_statistics import AT, JINGXIU, LIANCHI, QUARTER, REVIEWER

ITEMS = {
    "HB-001": "排污许可证执行情况检查",
    "HB-002": "危险废物规范化环境管理检查",
    "HB-003": "自动监测设备运行情况检查",
}
LOTTERY = "2026-10-08 双色球 第2026115期 02 08 15 21 26 33 + 09"
# Days to publish 2026Q4 on: after it ended (its draws are published), and while it lasts.
AFTER_THE_QUARTER = date(2027, 1, 5)
WHILE_IT_LASTS = date(2026, 11, 20)


def command_line_day(monkeypatch: pytest.MonkeyPatch, day: date) -> None:
    """Make ``day`` (10:00 in Beijing) the command line's today (bot.clock)."""
    moment = datetime(day.year, day.month, day.day, 2, tzinfo=UTC)
    monkeypatch.setattr(bot.clock, "utcnow", lambda: moment)


async def seed_items(ctx: AppContext) -> None:
    """The three items the seeded results answer (HB-003 answered 不涉及 by default)."""
    async with ctx.sessions.begin() as session:
        session.add_all(
            InspectionItem(
                code=code,
                name=name,
                basis="《中华人民共和国环境保护法》第二十四条",
                levels=["city", "county"],
                method="现场检查",
                classes=["special", "key", "general"],
            )
            for code, name in ITEMS.items()
        )


def _target(county: str, serial: int, cls: str, grade: str, positive: bool = False) -> Target:
    name = {JINGXIU: "竞秀", LIANCHI: "莲池"}[county]
    return Target(
        credit_code=credit_code(county, 500 + serial),
        name=f"保定{name}{serial:02d}环保科技有限公司",
        region_code=county,
        industry="化学原料和化学制品制造业",
        permit_category="重点管理",
        supervision_class=cls,
        positive_list=positive,
        credit_grade=grade,
        tags=[],
    )


def _inspector(county: str, serial: int, role: str = "inspector") -> Inspector:
    return Inspector(
        cert_no=f"{county}{serial:05d}",
        name=f"执法员{county[-2:]}{serial}",
        region_code=county,
        specialties=[],
        role=role,
        status="on_duty",
    )


@dataclass
class DrawnQuarter:
    first: DrawOutcome  # 竞秀区's first draw, amended by
    redraw: DrawOutcome  # … its redraw (with a reason)
    lianchi: DrawOutcome
    published: dict[str, str]  # credit code → the category name the public list shows
    withheld: set[str]  # credit codes drawn and checked, but not passed


async def drawn_quarter(ctx: AppContext) -> DrawnQuarter:
    """竞秀区: 12 key (B), 2 special (A), 3 on the positive list; 莲池区: 8 key (A); four
    inspectors and a lead in each. Of the in-force on-site checks two per county passed
    (each county: one with a problem, one without), one waits for review, one was returned."""
    await seed_items(ctx)
    async with ctx.sessions.begin() as session:
        session.add_all(
            [
                *(_target(JINGXIU, n, "key", "B") for n in range(12)),
                *(_target(JINGXIU, 20 + n, "special", "A") for n in range(2)),
                *(_target(JINGXIU, 30 + n, "general", "A", positive=True) for n in range(3)),
                *(_target(LIANCHI, n, "key", "A") for n in range(8)),
                *(_inspector(county, n) for county in (JINGXIU, LIANCHI) for n in range(4)),
                *(_inspector(county, 9, "lead") for county in (JINGXIU, LIANCHI)),
            ]
        )
    jingxiu = DrawRequest(QUARTER, Level.COUNTY, "测试管理员", region=JINGXIU, seed_text=LOTTERY)
    first = await draws.execute(ctx, jingxiu)
    redraw = await draws.execute(
        ctx,
        DrawRequest(
            QUARTER,
            Level.COUNTY,
            "测试管理员",
            region=JINGXIU,
            seed_text=f"{LOTTERY} 重抽",
            amends=first.record_id,
            reason="名录库漏录一家企业",
        ),
    )
    lianchi = await draws.execute(
        ctx, DrawRequest(QUARTER, Level.COUNTY, "测试管理员", region=LIANCHI, seed_text=LOTTERY)
    )
    checks = await _onsite_in_force(ctx)
    jx = [code for code, county in checks if county == JINGXIU]
    lc = [code for code, county in checks if county == LIANCHI]
    ids = await _ids(ctx)
    s = ResultState
    await _result(ctx, ids[jx[0]], (s.PENDING_REVIEW, s.PASSED))  # problem, 责令整改 + 移交
    await _result(ctx, ids[jx[1]], (s.PENDING_REVIEW, s.PASSED), category=ResultCategory.NONE)
    await _result(ctx, ids[jx[2]], (s.PENDING_REVIEW,))
    await _result(ctx, ids[jx[3]], (s.PENDING_REVIEW, s.RETURNED))
    await _result(
        ctx,
        ids[lc[0]],
        (s.PENDING_REVIEW, s.PASSED),
        category=ResultCategory.PROBLEM_PENDING,
        follow_ups=(FollowUpInput(FollowUpKind.CASE),),
    )
    await _result(ctx, ids[lc[1]], (s.PENDING_REVIEW, s.PASSED), category=ResultCategory.NONE)
    return DrawnQuarter(
        first,
        redraw,
        lianchi,
        published={
            jx[0]: "发现问题已责令改正",
            jx[1]: "未发现问题",
            lc[0]: "发现问题待后续处理",
            lc[1]: "未发现问题",
        },
        withheld={jx[2], jx[3]},
    )


def drawn_database() -> DrawnQuarter:
    """drawn_quarter in the database the command line uses (DATABASE_URL), for its tests."""

    async def seed() -> DrawnQuarter:
        ctx = await AppContext.open(load_config(None))
        try:
            return await drawn_quarter(ctx)
        finally:
            await ctx.close()

    return asyncio.run(seed())


async def _onsite_in_force(ctx: AppContext) -> list[tuple[str, str]]:
    """(credit code, county) of the quarter's on-site checks in force, in draw order."""
    async with ctx.sessions() as session:
        rows = await session.execute(
            select(Assignment.credit_code, Target.region_code)
            .join(Target, Target.credit_code == Assignment.credit_code)
            .where(Assignment.kind == "onsite", Assignment.state != "superseded")
            .order_by(Assignment.id)
        )
        return [(code, county) for code, county in rows]


async def _ids(ctx: AppContext) -> dict[str, int]:
    async with ctx.sessions() as session:
        rows = await session.execute(
            select(Assignment.credit_code, Assignment.id).where(Assignment.state != "superseded")
        )
        return {code: int(i) for code, i in rows}


async def _result(
    ctx: AppContext, assignment_id: int, moves: tuple[ResultState, ...], **overrides: object
) -> int:
    if overrides.get("category") is ResultCategory.NONE:
        overrides.setdefault("follow_ups", ())
        overrides.setdefault(
            "items", tuple(ItemInput(code, ItemAnswer.OK) for code in sorted(ITEMS))
        )
    async with ctx.sessions.begin() as session:
        result_id = await save_result(
            session, result_input(assignment_id, checked_on=date(2026, 11, 3), **overrides)
        )
        for state in moves:
            assert await review_store.move(session, result_id, state, REVIEWER, AT)
    return result_id
