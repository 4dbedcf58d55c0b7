"""Migration 0009 (inspection results) goes down and up again cleanly, triggers included."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from alembic import command
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from bot.context import AppContext
from storage.evidence_store import PhotoLimits, inspect_image
from storage.migrate import alembic_config
from storage.result_models import APPEND_ONLY_TABLES
from storage.result_store import EvidenceSource, add_evidence, save_result
from tests.evidence_images import jpeg
from tests.factories_results import assignment, result_input

TABLES = {"evidence", "inspection_results", "item_results", "checkins", "follow_ups"}


def _to(revision: str, down: bool) -> Callable[[Connection], None]:
    def run(connection: Connection) -> None:
        config = alembic_config()
        config.attributes["connection"] = connection
        if down:
            command.downgrade(config, revision)
        else:
            command.upgrade(config, revision)

    return run


def _tables(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names())


async def test_the_result_tables_go_down_and_up_again(ctx: AppContext) -> None:
    async with ctx.engine.begin() as connection:
        await connection.run_sync(_to("0008", down=True))
        assert not TABLES & await connection.run_sync(_tables)
        await connection.run_sync(_to("head", down=False))
        assert await connection.run_sync(_tables) >= TABLES
    async with ctx.sessions.begin() as session:
        task = await assignment(session)
        facts = inspect_image(jpeg(), PhotoLimits())
        await add_evidence(
            session, task.id, facts, source=EvidenceSource.PHOTO, received_by="13060001"
        )
        await save_result(session, result_input(task.id))
    for table in APPEND_ONLY_TABLES:  # the triggers came back with the tables
        with pytest.raises(DBAPIError, match="append-only"):
            async with ctx.engine.begin() as connection:
                await connection.execute(text(f"DELETE FROM {table}"))
