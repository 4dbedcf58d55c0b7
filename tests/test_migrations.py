"""The migrations build the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import String, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

import storage.bot_models
import storage.draw_models
import storage.schedule_models  # noqa: F401  (their tables join Base.metadata)
from bot.context import AppContext
from storage.models import Base


def _sqlite_varchar_width(diff: Any, dialect: str) -> bool:
    """SQLite enforces no VARCHAR width, and migration 0004 widens audit_log.entity_key on
    PostgreSQL only (a batch alter would rebuild the table without its append-only triggers)."""
    return (
        dialect == "sqlite"
        and isinstance(diff, tuple)
        and diff[:4] == ("modify_type", None, "audit_log", "entity_key")
        and isinstance(diff[-1], String)
    )


async def test_migrations_build_the_schema_the_models_describe(ctx: AppContext) -> None:
    def differences(connection: Connection) -> list[Any]:
        found = compare_metadata(MigrationContext.configure(connection), Base.metadata)
        flat = [d for group in found for d in (group if isinstance(group, list) else [group])]
        return [d for d in flat if not _sqlite_varchar_width(d, connection.dialect.name)]

    async with ctx.engine.connect() as connection:
        assert await connection.run_sync(differences) == []


async def test_a_state_outside_its_enum_is_refused(ctx: AppContext) -> None:
    """Migration 0007's CHECK constraints: a team member's state, an outbox row's state and a
    chat form's kind hold only the values their enums name (both databases)."""
    statements = [
        "INSERT INTO outbox (chat_id, payload, state, attempts, next_attempt_at, created_at) "
        "VALUES (1, '{}', 'lost', 0, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
        "INSERT INTO chat_forms (user_id, kind, data, version, updated_at) "
        "VALUES (1, 'survey', '{}', 1, CURRENT_TIMESTAMP)",
        "INSERT INTO submissions (county, quarter, duty, submitted_by, submitted_at) "
        "VALUES ('130602', '2025Q1', 'essay', 'x', CURRENT_TIMESTAMP)",
        "INSERT INTO conflicts (cert_no, credit_code, reason, source, created_by, created_at) "
        "VALUES ('c', 'x', '', 'rumour', 'x', CURRENT_TIMESTAMP)",
    ]
    for statement in statements:
        with pytest.raises(IntegrityError, match="ck_"):
            async with ctx.engine.begin() as connection:
                await connection.execute(text(statement))
    async with ctx.engine.begin() as connection:  # the same row in a known state is taken
        await connection.execute(text(statements[0].replace("'lost'", "'pending'")))


async def test_assignment_states_are_checked_on_postgresql(ctx: AppContext) -> None:
    """On PostgreSQL the assignments and records tables carry their checks too (SQLite cannot
    rebuild a table other tables' foreign keys point at inside the migration)."""
    if ctx.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only")
    async with ctx.engine.connect() as connection:
        names = set(
            await connection.scalars(
                text(
                    "SELECT conname FROM pg_constraint WHERE contype = 'c' AND conname LIKE 'ck_%'"
                )
            )
        )
    assert {"ck_assignments_state", "ck_assignments_kind", "ck_draw_records_kind"} <= names
