"""File names longer than their column (300 characters where the column holds 200) are stored
cut, keeping the extension, on SQLite and PostgreSQL alike, where PostgreSQL used to refuse
them with an error: a county's uploaded table and an admin's policy document."""

from __future__ import annotations

from sqlalchemy import select

from bot.context import AppContext
from bot.services import qa, reporting
from bot.services.qa import PolicyLibrary
from storage.bot_models import PolicyDocument
from storage.schedule_models import Submission
from tests.test_qa_service import DRONE_TEXT
from tests.test_reporting_service import at, directory

LONG = "竞秀区2024Q1统计表" + "（修订稿）" * 58  # 300 characters before the extension


async def test_an_uploaded_table_with_a_300_character_name_is_stored_cut(
    ctx: AppContext,
) -> None:
    people = await directory(ctx)
    done = await reporting.submit_upload(
        ctx, people.jingxiu, at(2024, 4, 2, 10, 0), "BQACAgUAAxkBAAIB", LONG + ".xlsx"
    )
    assert (done.quarter, done.duty, done.new) == ("2024Q1", "statistics", True)
    async with ctx.sessions() as session:
        [stored] = list(await session.scalars(select(Submission.file_name)))
    assert stored is not None and len(stored) == 200
    assert stored.startswith("竞秀区2024Q1统计表（修订稿）")
    assert stored.endswith("….xlsx")


async def test_a_policy_document_with_a_300_character_name_is_stored_cut(
    ctx: AppContext,
) -> None:
    library = PolicyLibrary(ctx)
    _, passages = await qa.add_document(
        ctx, library, "无人机巡查管理规定" + "附" * 291 + ".txt", DRONE_TEXT.encode(), "test"
    )
    assert passages == 4
    async with ctx.sessions() as session:
        [name] = list(await session.scalars(select(PolicyDocument.name)))
    assert len(name) == 200
    assert name.startswith("无人机巡查管理规定附") and name.endswith("附…")
