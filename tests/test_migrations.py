"""The migrations build the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import String
from sqlalchemy.engine import Connection

import storage.bot_models
import storage.draft_models
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
