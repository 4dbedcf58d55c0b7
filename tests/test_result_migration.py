"""Migrations 0009 (inspection results) and 0012 (the review chain) go down and up again
cleanly, triggers included; 0012 gives each result it finds its version and first step."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from alembic import command
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from bot.context import AppContext
from spotcheck.review import Verdict
from storage import review_store
from storage.evidence_store import PhotoLimits, inspect_image
from storage.migrate import alembic_config
from storage.result_models import APPEND_ONLY_TABLES
from storage.result_store import EvidenceSource, add_evidence, save_result
from tests.evidence_images import jpeg
from tests.factories_results import assignment, result_input

NOW = datetime(2026, 11, 29, 6, 0, tzinfo=UTC)
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
        result_id = await save_result(session, result_input(task.id))
        await review_store.add_verdict(session, result_id, "13060002", Verdict.CONFIRM, NOW)
    for table in APPEND_ONLY_TABLES:  # the triggers came back with the tables
        with pytest.raises(DBAPIError, match="append-only"):
            async with ctx.engine.begin() as connection:
                await connection.execute(text(f"DELETE FROM {table}"))


async def test_results_from_before_the_review_chain_become_version_1_submitted(
    ctx: AppContext,
) -> None:
    async with ctx.engine.begin() as connection:
        await connection.run_sync(_to("0011", down=True))
    async with ctx.sessions.begin() as session:
        task = await assignment(session)
    async with ctx.engine.begin() as connection:
        await connection.execute(
            text(
                "INSERT INTO inspection_results (assignment_id, state, category, findings, "
                "submitted_by, submitted_at) VALUES (:a, 'submitted', 'none', '', '13060001', "
                ":at)"
            ),
            {"a": task.id, "at": NOW},
        )
        await connection.run_sync(_to("head", down=False))
    async with ctx.sessions() as session:
        latest = await review_store.latest_version(session, task.id)
        assert latest is not None
        assert (latest.version, latest.state, latest.submitted_by) == (1, "submitted", "13060001")
        [step] = await review_store.steps(session, latest.result_id)
    assert (step.from_state, step.to_state, step.actor, step.at) == (
        None,
        "submitted",
        "13060001",
        NOW,
    )
