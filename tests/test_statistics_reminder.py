"""The statistics reminder and the exported workbook never disagree: on the seeded quarter
(tests/factories_statistics.py), the county admin's reminder in 2026Q4's statistics window
shows his county's rows as the workbook has them, percent for percent."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

import openpyxl
from sqlalchemy import select

from bot.context import AppContext
from bot.services import identity, reporting
from bot.services.statistics_report import build_report
from spotcheck.roles import Role
from storage.bot_models import OutboxMessage
from storage.models import Inspector
from tests.factories_statistics import JINGXIU, QUARTER, seed_quarter

OPENS = datetime(2027, 1, 4, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai, 2026Q4's statistics window


def _shown(value: float | str) -> str:
    """A 完成率 cell as Excel shows it with the 0.0% format ("—" stays)."""
    return value if isinstance(value, str) else f"{value:.1%}"


async def test_the_statistics_reminder_shows_the_workbook_s_rows(ctx: AppContext) -> None:
    await seed_quarter(ctx)
    async with ctx.sessions.begin() as session:
        session.add(
            Inspector(
                cert_no="13060299001",
                name="竞秀管理员",
                region_code=JINGXIU,
                specialties=[],
                role=Role.COUNTY_ADMIN.value,
                status="on_duty",
            )
        )
    code, _ = await identity.create_invite(ctx, "13060299001", "cli")
    await identity.redeem(ctx, code, 7001, 7001, "zh-hans")
    await reporting.send_reminders(ctx, OPENS)
    async with ctx.sessions() as session:
        texts = [m.payload["text"] for m in await session.scalars(select(OutboxMessage))]
    (reminder,) = [t for t in texts if "季度统计表报送期已开始" in t]
    report = await build_report(ctx, QUARTER, JINGXIU, date(2027, 1, 4))
    sheet = openpyxl.load_workbook(io.BytesIO(report.data))["统计表"]
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    expected = [
        f"{r[1]} 已抽 {r[header.index('已抽数')]}/应抽 {r[header.index('应抽数')]} · "
        f"已通过 {r[header.index('已通过')]} · 完成率 {_shown(r[header.index('完成率')])}"
        for r in rows[1:]
        if r[0] == "竞秀区"
    ]
    assert expected[1] == "重点 已抽 2/应抽 3 · 已通过 1 · 完成率 33.3%"
    assert reminder.endswith(
        "\n".join(["本区县 2026Q4 统计表（与导出的 Excel 一致）：", *expected])
    )
