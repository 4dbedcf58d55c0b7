"""一公开 (bot.services.disclosure) on the seeded quarter, on SQLite and PostgreSQL: only the
results that passed review, as the public columns show them; no personal data; a re-run writes
the same rows with the first 公示日期; publication rows marked once written, late ones still
counted, nothing marked when the writing fails; the draws withheld while the quarter lasts."""

from __future__ import annotations

import csv
import dataclasses
import errno
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import select

from bot.context import AppContext
from bot.services import disclosure
from bot.services.disclosure import Disclosure
from bot.services.statistics import quarter_statistics
from spotcheck.inspection import ResultState
from storage import publication_store, review_store
from storage.models import AuditLog
from storage.result_models import (
    InspectionResult,
    Publication,
    ResultConfirmation,
    ResultTransition,
)
from storage.result_store import save_result
from tests.factories import credit_code
from tests.factories_disclosure import (
    AFTER_THE_QUARTER,
    ITEMS,
    WHILE_IT_LASTS,
    drawn_quarter,
    seed_items,
)
from tests.factories_results import assignment, result_input
from tests.factories_statistics import AT, JINGXIU, LIANCHI, QUARTER, REVIEWER, seed_quarter

PUBLISHED_ON = date(2026, 11, 20)  # within 20 working days of 2026-11-10, when they passed
WITHHELD = "抽取记录（种子与被抽中的检查对象）在本季度结束后公开：检查对象在现场检查前保密。"
HEADERS = [
    "抽查事项",
    "检查对象",
    "统一社会信用代码",
    "检查时间",
    "检查结果",
    "处理情况",
    "公示日期",
]


async def _nothing(_: Disclosure) -> None:
    """A writer that writes nothing: these tests read what is published from the Disclosure."""


async def _publish(ctx: AppContext, today: date = PUBLISHED_ON) -> Disclosure:
    return await disclosure.publish(ctx, QUARTER, "cli", today, _nothing)


def _rows(ctx: AppContext, published: Disclosure) -> dict[str, list[object]]:
    """The results sheet's rows by credit code."""
    sheet = disclosure.result_sheet(ctx, published)
    assert list(sheet.headers)[:7] == HEADERS
    return {str(row[2]): list(row) for row in sheet.rows}


async def test_only_results_that_passed_review_are_published(ctx: AppContext) -> None:
    await seed_items(ctx)
    await seed_quarter(ctx)
    rows = _rows(ctx, await _publish(ctx))
    # 竞秀区 key 1 passed on resubmission, 莲池区 key and the city's check passed; 竞秀区 key 2
    # waits for review, the special one was objected to, the general one has no result.
    assert set(rows) == {credit_code(JINGXIU, 1), credit_code(LIANCHI, 1), credit_code(JINGXIU, 9)}
    async with ctx.sessions() as session:
        table = await quarter_statistics(ctx, session, QUARTER)
    assert len(rows) == table.totals.passed


async def test_each_row_shows_the_items_checked_the_category_and_the_follow_up_kinds(
    ctx: AppContext,
) -> None:
    await seed_items(ctx)
    seeded = await seed_quarter(ctx)
    rows = _rows(ctx, await _publish(ctx))
    # the version that passed, not the one returned before it; HB-003 was 不涉及
    assert rows[credit_code(JINGXIU, 1)] == [
        f"{ITEMS['HB-001']}；{ITEMS['HB-002']}",
        "130602测试企业001有限公司",
        credit_code(JINGXIU, 1),
        date(2026, 11, 3),
        "发现问题已责令改正",
        "责令整改、立案查处",
        PUBLISHED_ON,
    ]
    assert rows[credit_code(LIANCHI, 1)][4:6] == [
        "发现问题待后续处理",
        "移交、涉嫌犯罪移送司法机关",
    ]
    assert rows[credit_code(JINGXIU, 9)][4:6] == ["未发现问题", "无"]
    assert seeded.results["jx_key_1_v1"] not in (await _publish(ctx)).published_on


async def test_nobody_is_named_and_no_finding_text_is_shown_by_default(
    ctx: AppContext, tmp_path: Path
) -> None:
    await seed_items(ctx)
    await seed_quarter(ctx)
    published = await _publish(ctx)
    disclosure.write_file(ctx, published, tmp_path / "public.xlsx")
    disclosure.write_file(ctx, published, tmp_path / "public.csv")
    text = _workbook_text(tmp_path / "public.xlsx") + (tmp_path / "public.csv").read_text(
        "utf-8-sig"
    )
    for secret in await _personal_data(ctx):
        assert secret not in text
    for finding in ("危废暂存间未设置标识", "标识缺失", "保定市应急管理局", "保定市公安局"):
        assert finding not in text
    assert "问题描述" not in text


async def test_the_findings_appear_only_when_the_configuration_allows_them(
    ctx: AppContext,
) -> None:
    await seed_items(ctx)
    await seed_quarter(ctx)
    allowed = dataclasses.replace(
        ctx,
        config=dataclasses.replace(
            ctx.config,
            publish=dataclasses.replace(ctx.config.publish, include_findings=True),
        ),
    )
    sheet = disclosure.result_sheet(allowed, await _publish(allowed))
    assert list(sheet.headers) == [*HEADERS, "问题描述"]
    assert {str(row[7]) for row in sheet.rows} == {"危废暂存间未设置标识"}


async def test_a_second_run_writes_the_same_rows_with_the_first_publication_day(
    ctx: AppContext, tmp_path: Path
) -> None:
    await seed_items(ctx)
    await seed_quarter(ctx)
    first = await _publish(ctx)
    disclosure.write_file(ctx, first, tmp_path / "first.csv")
    disclosure.write_file(ctx, first, tmp_path / "first.xlsx")
    again = await _publish(ctx, today=date(2026, 12, 1))
    disclosure.write_file(ctx, again, tmp_path / "again.csv")
    disclosure.write_file(ctx, again, tmp_path / "again.xlsx")
    assert (first.newly_published, again.newly_published) == (3, 0)
    assert (tmp_path / "first.csv").read_bytes() == (tmp_path / "again.csv").read_bytes()
    assert _workbook_text(tmp_path / "first.xlsx") == _workbook_text(tmp_path / "again.xlsx")
    assert set(again.published_on.values()) == {PUBLISHED_ON}


async def test_publishing_marks_the_versions_and_leaves_the_late_ones_late(
    ctx: AppContext,
) -> None:
    await seed_items(ctx)
    seeded = await seed_quarter(ctx)
    other_quarter = await _passed_in_another_quarter(ctx)
    await _publish(ctx)
    async with ctx.sessions() as session:
        marks = {
            p.result_id: (p.published_on, p.published_by)
            for p in await session.scalars(select(Publication))
        }
        audit = (await session.scalars(select(AuditLog).where(AuditLog.action == "publish"))).one()
        much_later = date(2027, 3, 1)
        late_here = await publication_store.late_by_county(session, QUARTER, much_later)
        late_there = await publication_store.late_by_county(session, "2026Q3", much_later)
    for name in ("jx_key_1", "lc_key", "city_key"):
        assert marks[seeded.results[name]] == (PUBLISHED_ON, "cli")
    assert marks[other_quarter] == (None, None)  # another quarter's result is not published
    assert (audit.actor, audit.entity_key, audit.new) == (
        "cli",
        QUARTER,
        {"results": 3, "newly_published": 3},
    )
    assert sum(late_here.values()) == 0  # published in time
    assert late_there == {JINGXIU: 1}  # still waiting, past its deadline


async def test_published_after_the_deadline_counts_as_late(ctx: AppContext) -> None:
    await seed_items(ctx)
    await seed_quarter(ctx)
    await _publish(ctx, today=date(2027, 1, 4))
    async with ctx.sessions() as session:
        late = await publication_store.late_by_county(session, QUARTER, date(2027, 1, 4))
    assert late == {JINGXIU: 2, LIANCHI: 1}  # the city's check is of a 竞秀区 target


async def test_an_empty_quarter_publishes_headers_only(ctx: AppContext, tmp_path: Path) -> None:
    published = await _publish(ctx)
    disclosure.write_file(ctx, published, tmp_path / "empty.csv")
    with (tmp_path / "empty.csv").open(encoding="utf-8-sig", newline="") as file:
        assert list(csv.reader(file)) == [HEADERS]


async def _marks(ctx: AppContext) -> tuple[set[date | None], int]:
    """The publication days recorded, and how many publish runs were audited."""
    async with ctx.sessions() as session:
        days = set(await session.scalars(select(Publication.published_on)))
        runs = await session.scalars(select(AuditLog).where(AuditLog.action == "publish"))
        return days, len(runs.all())


async def test_a_failed_write_marks_nothing(ctx: AppContext) -> None:
    await seed_items(ctx)
    await seed_quarter(ctx)
    seen: list[Disclosure] = []

    async def disk_full(shown: Disclosure) -> None:
        seen.append(shown)
        raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(OSError):
        await disclosure.publish(ctx, QUARTER, "cli", PUBLISHED_ON, disk_full)
    # The writer was given the rows with the day they were to be published on; none is marked.
    assert set(seen[0].published_on.values()) == {PUBLISHED_ON}
    assert seen[0].newly_published == 3
    assert await _marks(ctx) == (set(), 0)
    later = date(2026, 11, 23)
    published = await _publish(ctx, later)
    assert published.newly_published == 3
    assert await _marks(ctx) == ({later}, 1)


async def test_while_the_quarter_lasts_the_draws_are_withheld(ctx: AppContext) -> None:
    drawn = await drawn_quarter(ctx)
    outcomes = (drawn.first, drawn.redraw, drawn.lianchi)
    while_it_lasts = await _publish(ctx, WHILE_IT_LASTS)
    after = await _publish(ctx, AFTER_THE_QUARTER)
    # The plans are published either way: they name no target.
    assert [p.id for p in while_it_lasts.plans] == [o.record_id for o in outcomes]
    assert [p.strata for p in while_it_lasts.plans] == [p.strata for p in after.plans]

    assert [p.seed for p in while_it_lasts.plans] == [None] * 3
    assert [i async for i, _ in disclosure.record_extracts(ctx, while_it_lasts)] == []
    assert disclosure.plan_sheet(ctx, while_it_lasts).note == WITHHELD

    assert [p.seed for p in after.plans] == [o.seed for o in outcomes]
    extracts = [i async for i, _ in disclosure.record_extracts(ctx, after)]
    assert extracts == [o.record_id for o in outcomes]
    assert disclosure.plan_sheet(ctx, after).note == ""


async def _passed_in_another_quarter(ctx: AppContext) -> int:
    async with ctx.sessions.begin() as session:
        task = await assignment(session, serial=77, quarter="2026Q3")
        result_id = await save_result(session, result_input(task.id, checked_on=date(2026, 8, 3)))
        for state in (ResultState.PENDING_REVIEW, ResultState.PASSED):
            assert await review_store.move(session, result_id, state, REVIEWER, AT)
    return result_id


async def _personal_data(ctx: AppContext) -> set[str]:
    """Every 执法证号 the seeded results name: who submitted, moved and confirmed them."""
    async with ctx.sessions() as session:
        found = set(await session.scalars(select(InspectionResult.submitted_by)))
        found |= set(await session.scalars(select(ResultTransition.actor)))
        found |= set(await session.scalars(select(ResultConfirmation.cert_no)))
    assert REVIEWER in found and "13060001" in found
    return found


def _workbook_text(path: Path) -> str:
    """Every cell of every sheet, as text, sheet by sheet."""
    workbook = openpyxl.load_workbook(path, read_only=True)
    try:
        return "\n".join(
            f"[{sheet.title}]\n"
            + "\n".join(
                "\t".join("" if v is None else str(v) for v in row)
                for row in sheet.iter_rows(values_only=True)
            )
            for sheet in workbook.worksheets
        )
    finally:
        workbook.close()
