"""The storage contract for the directories, on every engine."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError

from bot.context import AppContext
from bot.services.directories import export_directory, import_directory
from storage.database import json_text
from storage.models import AuditLog, Target
from tests.factories import TARGET_HEADERS, target_row, write_workbook

MB = 1024 * 1024


async def _import(ctx: AppContext, path, **options):  # type: ignore[no-untyped-def]
    return await import_directory(
        ctx.sessions,
        ctx.config.regions,
        "targets",
        path,
        actor="test",
        max_bytes=20 * MB,
        **options,
    )


async def test_import_adds_targets_and_audits_each(ctx: AppContext, tmp_path) -> None:
    path = write_workbook(tmp_path / "t.xlsx", TARGET_HEADERS, [target_row(), target_row()])
    report = await _import(ctx, path)
    assert (report.added, report.refused) == (2, False)
    async with ctx.sessions() as session:
        assert len((await session.scalars(select(Target))).all()) == 2
        actions = (await session.scalars(select(AuditLog.action))).all()
    assert actions == ["create", "create"]


async def test_reimport_of_an_export_changes_nothing(ctx: AppContext, tmp_path) -> None:
    rows = [
        target_row(),
        target_row(监管类别="特殊", 标签="涉水、 危废"),
        target_row(经度=None, 纬度=None),
    ]
    await _import(ctx, write_workbook(tmp_path / "t.xlsx", TARGET_HEADERS, rows))
    await export_directory(ctx.sessions, ctx.config.regions, "targets", tmp_path / "out.xlsx")
    report = await _import(ctx, tmp_path / "out.xlsx")
    assert (report.added, report.updated, report.unchanged) == (0, 0, 3)


async def test_changed_row_is_updated_with_old_and_new_in_the_audit(
    ctx: AppContext, tmp_path
) -> None:
    row = target_row()
    await _import(ctx, write_workbook(tmp_path / "a.xlsx", TARGET_HEADERS, [row]))
    changed = {**row, "单位名称": "保定市恒信化工股份有限公司"}
    report = await _import(ctx, write_workbook(tmp_path / "b.xlsx", TARGET_HEADERS, [changed]))
    assert report.updated == 1
    async with ctx.sessions() as session:
        entry = (await session.scalars(select(AuditLog).where(AuditLog.action == "update"))).one()
    assert entry.old is not None and entry.new is not None
    assert (entry.old["name"], entry.new["name"]) == (row["单位名称"], "保定市恒信化工股份有限公司")


async def test_missing_rows_are_deactivated_only_when_asked(ctx: AppContext, tmp_path) -> None:
    kept, dropped = target_row(), target_row()
    await _import(ctx, write_workbook(tmp_path / "a.xlsx", TARGET_HEADERS, [kept, dropped]))
    smaller = write_workbook(tmp_path / "b.xlsx", TARGET_HEADERS, [kept])
    assert (await _import(ctx, smaller)).deactivated == 0
    report = await _import(ctx, smaller, deactivate_missing=True)
    assert (report.deactivated, report.unchanged) == (1, 1)
    async with ctx.sessions() as session:
        targets = {t.credit_code: t.active for t in await session.scalars(select(Target))}
    assert targets == {kept["统一社会信用代码"]: True, dropped["统一社会信用代码"]: False}


async def test_deactivated_target_comes_back_when_listed_again(ctx: AppContext, tmp_path) -> None:
    row = target_row()
    await _import(ctx, write_workbook(tmp_path / "a.xlsx", TARGET_HEADERS, [row]))
    await _import(
        ctx, write_workbook(tmp_path / "e.xlsx", TARGET_HEADERS, []), deactivate_missing=True
    )
    report = await _import(ctx, write_workbook(tmp_path / "b.xlsx", TARGET_HEADERS, [row]))
    assert report.updated == 1
    async with ctx.sessions() as session:
        assert (await session.scalars(select(Target.active))).one() is True


async def test_dry_run_reports_without_writing(ctx: AppContext, tmp_path) -> None:
    path = write_workbook(tmp_path / "t.xlsx", TARGET_HEADERS, [target_row()])
    report = await _import(ctx, path, dry_run=True)
    assert (report.added, report.dry_run) == (1, True)
    async with ctx.sessions() as session:
        assert (await session.scalars(select(Target))).all() == []
        assert (await session.scalars(select(AuditLog))).all() == []


async def test_audit_log_refuses_update_and_delete(ctx: AppContext, tmp_path) -> None:
    await _import(ctx, write_workbook(tmp_path / "t.xlsx", TARGET_HEADERS, [target_row()]))
    for statement in (update(AuditLog).values(actor="forger"), delete(AuditLog)):
        async with ctx.sessions() as session:
            with pytest.raises(DBAPIError, match="append-only"):
                await session.execute(statement)
                await session.commit()


async def test_credit_code_is_unique_in_the_database(ctx: AppContext, tmp_path) -> None:
    row = target_row()
    await _import(ctx, write_workbook(tmp_path / "t.xlsx", TARGET_HEADERS, [row]))
    async with ctx.sessions() as session:
        session.add(
            Target(
                credit_code=row["统一社会信用代码"],
                name="x",
                region_code="130602",
                supervision_class="key",
                credit_grade="A",
            )
        )
        with pytest.raises(IntegrityError):
            await session.commit()


# What JSON columns may hold: the audit log's old and new values, tag lists (finite numbers:
# JSON has no NaN or infinity).
STORED = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.text()
    | st.floats(allow_nan=False, allow_infinity=False),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=200, deadline=None)
@given(STORED)
def test_json_columns_read_back_what_was_written(value: object) -> None:
    assert json.loads(json_text(value)) == value


async def test_audit_entries_read_back_with_chinese_and_big_numbers(ctx: AppContext) -> None:
    new = {"名称": "竞秀区宏达汽车零部件有限公司", "chat": 2**70, "tags": ["涉VOCs"], "ok": True}
    async with ctx.sessions() as session, session.begin():
        session.add(
            AuditLog(actor="t", action="create", entity="x", entity_key="k", old=None, new=new)
        )
    async with ctx.sessions() as session:
        [entry] = (await session.scalars(select(AuditLog).where(AuditLog.entity == "x"))).all()
    assert (entry.old, entry.new) == (None, new)
