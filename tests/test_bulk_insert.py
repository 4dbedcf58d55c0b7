"""Rows written in bulk are stored exactly as Core's executemany stores them, on both engines."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Text, cast, insert, select

from bot.context import AppContext
from storage.bulk import insert_rows
from storage.models import AuditLog, Target

AT = datetime(2026, 11, 28, 8, 30, 15, 123456, tzinfo=UTC)


def _targets(prefix: str) -> list[dict[str, object]]:
    return [
        {
            "credit_code": f"{prefix}{n:017d}",
            "name": f"企业{n}",
            "region_code": "130602",
            "industry": "化工" if n else "",
            "permit_category": "重点管理",
            "supervision_class": "key",
            "positive_list": bool(n % 2),
            "credit_grade": "B",
            "tags": ["涉VOCs", "涉气"] if n else [],
            "address": "保定市",
            "longitude": 115.123456 if n else None,
            "latitude": 38.5,
            "active": True,
            "updated_at": AT,
        }
        for n in range(3)
    ]


def _audit(entity: str) -> list[dict[str, object]]:
    return [
        {
            "at": AT,
            "actor": "t",
            "action": "create",
            "entity": entity,
            "entity_key": str(n),
            "old": None if n else {"名称": "旧"},
            "new": {"名称": "新", "n": n},
        }
        for n in range(3)
    ]


async def test_bulk_rows_are_stored_as_core_stores_them(ctx: AppContext) -> None:
    async with ctx.engine.begin() as connection:
        await insert_rows(connection, Target.__table__, _targets("B"))
        await connection.execute(insert(Target.__table__), _targets("C"))
        await insert_rows(connection, AuditLog.__table__, _audit("bulk"))
        await connection.execute(insert(AuditLog.__table__), _audit("core"))
    columns = [c for c in Target.__table__.columns if c.name not in ("id", "credit_code")]
    async with ctx.engine.connect() as connection:
        stored = (
            await connection.execute(
                select(Target.credit_code, *[cast(c, Text) for c in columns]).order_by(
                    Target.credit_code
                )
            )
        ).all()
        audit = (
            await connection.execute(
                select(
                    AuditLog.entity,
                    cast(AuditLog.at, Text),
                    cast(AuditLog.old, Text),
                    cast(AuditLog.new, Text),
                    AuditLog.old.is_(None),
                ).order_by(AuditLog.entity, AuditLog.entity_key)
            )
        ).all()
    bulk, core = stored[:3], stored[3:]
    assert [row[1:] for row in bulk] == [row[1:] for row in core]
    assert [row[1:] for row in audit[:3]] == [row[1:] for row in audit[3:]]
    assert [row[-1] for row in audit[:3]] == [False, True, True]  # None is SQL NULL there
