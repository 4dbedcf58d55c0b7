"""The audit helper writes the entry it is given, on both engines, and names chat users alike."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import cast

from sqlalchemy import Table, select

from bot.context import AppContext
from storage.audit import audit, audit_values, chat_actor
from storage.bulk import insert_rows
from storage.models import AuditLog, as_utc, utcnow

AT = datetime(2026, 11, 28, 8, 30, 15, tzinfo=UTC)


def test_a_bound_user_is_named_by_account_and_cert_and_a_stranger_by_account_alone() -> None:
    assert chat_actor(6401, "13060200001") == "tg:6401/13060200001"
    assert chat_actor(6401) == "tg:6401"
    assert chat_actor(6401, None) == chat_actor(6401, "") == "tg:6401"


async def test_an_entry_keeps_what_it_is_given_and_is_stamped_now_without_a_time(
    ctx: AppContext,
) -> None:
    before = utcnow()
    async with ctx.sessions() as session, session.begin():
        session.add(audit("cli", "commit", "draw_commitments", "1", new={"commitment": "ab"}))
        session.add(
            audit(
                chat_actor(7, "c7"),
                "accept",
                "assignments",
                "2",
                old={"state": "assigned"},
                new={"state": "accepted"},
                at=AT,
            )
        )
    async with ctx.engine.begin() as connection:
        await insert_rows(
            connection,
            cast(Table, AuditLog.__table__),
            [audit_values("demo", "create", "targets", "X", new={"名称": "新"}, at=AT)],
        )
    async with ctx.sessions() as session:
        rows = list(await session.scalars(select(AuditLog).order_by(AuditLog.id)))

    assert [(r.actor, r.action, r.entity, r.entity_key, r.old, r.new) for r in rows] == [
        ("cli", "commit", "draw_commitments", "1", None, {"commitment": "ab"}),
        ("tg:7/c7", "accept", "assignments", "2", {"state": "assigned"}, {"state": "accepted"}),
        ("demo", "create", "targets", "X", None, {"名称": "新"}),
    ]
    assert before <= as_utc(rows[0].at) <= utcnow()
    assert [as_utc(r.at) for r in rows[1:]] == [AT, AT]
