"""Small factories for the result tests: a target and an assignment of it, straight in the
database (the draw that would make them is tested elsewhere)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from spotcheck.inspection import FollowUpKind, ItemAnswer, ResultCategory
from storage.draw_models import Assignment, DrawPlan, DrawRecord
from storage.models import Target
from storage.result_store import CheckinInput, FollowUpInput, ItemInput, ResultInput
from tests.factories import credit_code

CHECKED_IN = datetime(2026, 11, 3, 1, 30, tzinfo=UTC)  # 09:30 in Shanghai


async def assignment(
    session: AsyncSession, serial: int = 1, quarter: str = "2026Q4", county: str = "130602"
) -> Assignment:
    code = credit_code(county, serial)
    session.add(
        Target(
            credit_code=code,
            name=f"保定测试企业{serial}有限公司",
            region_code=county,
            supervision_class="key",
            credit_grade="B",
            latitude=38.87,
            longitude=115.46,
        )
    )
    plan = DrawPlan(plan_key=f"plan-{serial}-{quarter}", quarter=quarter, level="county")
    session.add(plan)
    await session.flush()
    record = DrawRecord(
        plan_id=plan.id, kind="draw", created_by="test", body="{}", body_sha256="0" * 64
    )
    session.add(record)
    await session.flush()
    task = Assignment(
        plan_id=plan.id,
        record_id=record.id,
        quarter=quarter,
        level="county",
        supervision_class="key",
        credit_code=code,
        kind="onsite",
        stratum="key",
    )
    session.add(task)
    await session.flush()
    return task


def result_input(assignment_id: int, **overrides: object) -> ResultInput:
    values: dict[str, object] = {
        "assignment_id": assignment_id,
        "category": ResultCategory.PROBLEM_RECTIFIED,
        "findings": "危废暂存间未设置标识",
        "items": (
            ItemInput("HB-001", ItemAnswer.OK),
            ItemInput("HB-002", ItemAnswer.PROBLEM, "标识缺失"),
            ItemInput("HB-003", ItemAnswer.NOT_APPLICABLE),
        ),
        "checkin": CheckinInput(38.8712, 115.4633, 152.5, flagged=False, checked_in_at=CHECKED_IN),
        "submitted_by": "13060001",
        "checked_on": date(2026, 11, 3),
        "follow_ups": (
            FollowUpInput(FollowUpKind.RECTIFY, deadline=date(2026, 11, 18)),
            FollowUpInput(FollowUpKind.TRANSFER, agency="保定市应急管理局"),
        ),
    }
    values.update(overrides)
    return ResultInput(**values)  # type: ignore[arg-type]
