"""The migrations build the schema the models describe, on SQLite and PostgreSQL; a database
made before the naming convention upgrades to the same names and keeps its rows and triggers."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import String, func, inspect, select, text, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError, IntegrityError

import storage.bot_models
import storage.draft_models
import storage.draw_models
import storage.result_models
import storage.schedule_models  # noqa: F401  (their tables join Base.metadata)
from bot.context import AppContext
from bot.services import draws
from bot.services.demo import load_demo_directory
from bot.services.draws import DrawRequest
from spotcheck.quota import Level
from spotcheck.record import LIST_NAMES, EncodedRecord, verify_record
from storage import draw_store, list_store
from storage.database import create_engine
from storage.draw_models import Assignment, AssignmentMember, DrawRecord
from storage.migrate import alembic_config
from storage.models import AuditLog, Base
from tests.conftest import ENGINES, POSTGRES_URL, _admin, _database, make_config

# SQLAlchemy's own default: indexes named, every other constraint left to the database.
BEFORE_THE_CONVENTION = {"ix": "ix_%(column_0_label)s"}


def _sqlite_varchar_width(diff: Any, dialect: str) -> bool:
    """SQLite enforces no VARCHAR width, and migration 0004 widens audit_log.entity_key on
    PostgreSQL only (a batch alter would rebuild the table without its append-only triggers)."""
    return (
        dialect == "sqlite"
        and isinstance(diff, tuple)
        and diff[:4] == ("modify_type", None, "audit_log", "entity_key")
        and isinstance(diff[-1], String)
    )


def _differences(connection: Connection) -> list[Any]:
    found = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    flat = [d for group in found for d in (group if isinstance(group, list) else [group])]
    return [d for d in flat if not _sqlite_varchar_width(d, connection.dialect.name)]


def _names(connection: Connection) -> dict[str, list[str]]:
    """Every table's constraint and index names, as the database reports them."""
    inspector = inspect(connection)
    found: dict[str, list[str]] = {}
    present = set(inspector.get_table_names())
    for table in sorted(t for t in Base.metadata.tables if t in present):
        names = [str(inspector.get_pk_constraint(table)["name"])]
        names += [str(u["name"]) for u in inspector.get_unique_constraints(table)]
        names += [str(k["name"]) for k in inspector.get_foreign_keys(table)]
        names += [str(i["name"]) for i in inspector.get_indexes(table)]
        names += [str(c["name"]) for c in inspector.get_check_constraints(table)]
        found[table] = sorted(set(names))
    return found


async def test_migrations_build_the_schema_the_models_describe(ctx: AppContext) -> None:
    async with ctx.engine.connect() as connection:
        assert await connection.run_sync(_differences) == []


# Migration 0008 cannot add these on SQLite (other tables' foreign keys point at the tables).
CHECKS_ON_POSTGRESQL_ONLY = {"ck_assignments_state", "ck_assignments_kind", "ck_draw_records_kind"}


# SQLite writes an AUTOINCREMENT primary key on its column, where it has no name.
UNNAMED_ON_SQLITE = {"pk_form_drafts"}


def _model_names(dialect: str) -> dict[str, list[str]]:
    """Every table's constraint and index names, as the models (and their convention) give them."""
    absent = CHECKS_ON_POSTGRESQL_ONLY if dialect == "sqlite" else set()
    unnamed = UNNAMED_ON_SQLITE if dialect == "sqlite" else set()
    return {
        name: sorted(
            {
                "None" if str(c.name) in unnamed else str(c.name)
                for c in [*table.constraints, *table.indexes]
            }
            - absent
        )
        for name, table in sorted(Base.metadata.tables.items())
    }


async def test_every_constraint_has_the_name_the_models_give_it(ctx: AppContext) -> None:
    async with ctx.engine.connect() as connection:
        names = await connection.run_sync(_names)
    assert names == _model_names(ctx.engine.dialect.name)
    assert names["tags"] == ["pk_tags", "uq_tags_kind_name"]
    assert [n for n in names["draw_records"] if not n.startswith("ck_")] == [
        "fk_draw_records_amends_draw_records",
        "fk_draw_records_plan_id_draw_plans",
        "ix_draw_records_plan_id",
        "pk_draw_records",
    ]


@pytest.fixture(params=ENGINES)
async def blank_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """A database with no tables at all."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'blank.db'}"
        return
    assert POSTGRES_URL
    name = f"shuangsuiji_blank_{uuid.uuid4().hex[:10]}"
    await _admin(f'CREATE DATABASE "{name}"')
    try:
        yield _database(name)
    finally:
        await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def _upgrade(url: str, revision: str) -> None:
    engine = create_engine(url)

    def run(connection: Connection) -> None:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, revision)

    async with engine.begin() as connection:
        await connection.run_sync(run)
    await engine.dispose()


async def _counts(ctx: AppContext) -> list[int]:
    async with ctx.sessions() as session:
        return [
            int(await session.scalar(select(func.count()).select_from(model)) or 0)
            for model in (DrawRecord, Assignment, AssignmentMember, AuditLog)
        ]


async def _nothing_checked(_session: object, _since: object) -> set[str]:
    return set()


async def _no_version(_session: object) -> None:
    return None


async def _nowhere(*_args: object) -> None:
    return None


async def test_a_database_made_before_the_convention_gets_its_names_and_keeps_its_rows(
    blank_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As the migrations ran before the models had a naming convention, with rows in the
    # tables other rows refer to (plans, records, assignments).
    with monkeypatch.context() as before:
        before.setattr(Base.metadata, "naming_convention", BEFORE_THE_CONVENTION)
        await _upgrade(blank_url, "0006")
    ctx = await AppContext.open(make_config(blank_url), migrate=False)
    try:
        async with ctx.engine.connect() as connection:
            old_names = await connection.run_sync(_names)
        assert "pk_tags" not in old_names["tags"]
        await load_demo_directory(ctx)
        with monkeypatch.context() as old_schema:
            # 0006 has no results, so nothing was checked: today's query of passed checks
            # would look for tables that came later.
            old_schema.setattr(draw_store, "checked_since", _nothing_checked)
            # and records carried their lists whole, before 0014 kept them apart
            old_schema.setattr(list_store, "targets_version", _no_version)
            old_schema.setattr(list_store, "store", _nowhere)
            old_schema.setattr(EncodedRecord, "compact", EncodedRecord.canonical)
            outcome = await draws.execute(
                ctx, DrawRequest("2025Q1", Level.COUNTY, "cli", region="130602", seed_text="s")
            )
        rows_before = await _counts(ctx)

        await _upgrade(blank_url, "head")

        async with ctx.engine.connect() as connection:
            assert await connection.run_sync(_names) == _model_names(connection.dialect.name)
            assert await connection.run_sync(_differences) == []
            if connection.dialect.name == "sqlite":
                checks = await connection.execute(text("PRAGMA integrity_check"))
                assert list(checks.scalars()) == ["ok"]
                broken = await connection.execute(text("PRAGMA foreign_key_check"))
                assert broken.all() == []
        assert await _counts(ctx) == rows_before
        published = await draws.load_record(ctx, outcome.record_id)
        assert {k: v for k, v in published.items() if k not in LIST_NAMES} == outcome.record
        assert verify_record(published).ok
        async with ctx.sessions() as session:
            with pytest.raises(DBAPIError, match="append-only"):
                await session.execute(update(DrawRecord).values(reason="悄悄改过"))
                await session.commit()
    finally:
        await ctx.close()


async def test_a_state_outside_its_enum_is_refused(ctx: AppContext) -> None:
    """Migration 0008's CHECK constraints: a team member's state and an outbox row's state hold
    only the values their enums name (both databases)."""
    statements = [
        "INSERT INTO outbox (chat_id, payload, state, attempts, next_attempt_at, created_at) "
        "VALUES (1, '{}', 'lost', 0, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
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


async def _downgrade(url: str, revision: str) -> None:
    engine = create_engine(url)

    def run(connection: Connection) -> None:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.downgrade(config, revision)

    async with engine.begin() as connection:
        await connection.run_sync(run)
    await engine.dispose()


OLD_FORMS = {
    # user: (kind, data, version) as chat_forms held them before 0011
    7001: ("recusal", {"assignment": 12}, 1),
    7002: ("import", {"kind": None, "file_id": "AgAD", "name": "t.xlsx"}, 3),
    7003: (
        "draw",
        {
            "quarter": "2025Q1",
            "quarters": ["2025Q1", "2025Q2"],
            "level": "county",
            "region": "130602",
            "class": None,
            "tag": None,
            "seed": None,
            "tags": [],
        },
        4,
    ),
}


async def test_migration_0011_moves_open_chat_forms_to_drafts_and_back(blank_url: str) -> None:
    await _upgrade(blank_url, "0010")
    engine = create_engine(blank_url)
    async with engine.begin() as connection:
        for user, (kind, data, version) in OLD_FORMS.items():
            await connection.execute(
                text(
                    "INSERT INTO chat_forms (user_id, kind, data, version, updated_at) "
                    "VALUES (:user, :kind, :data, :version, '2026-11-29 10:00:00+00:00')"
                ),
                {"user": user, "kind": kind, "data": json.dumps(data), "version": version},
            )
    await _upgrade(blank_url, "head")
    async with engine.connect() as connection:
        assert "chat_forms" not in await connection.run_sync(
            lambda sync: inspect(sync).get_table_names()
        )
        rows = (
            await connection.execute(
                text(
                    "SELECT user_id, kind, subject, data, question, version, updated_at "
                    "FROM form_drafts ORDER BY user_id"
                )
            )
        ).all()
    moved = {
        row[0]: (row[1], row[2], _json(row[3]), row[4], row[5], str(row[6])[:16]) for row in rows
    }
    assert moved == {
        7001: ("recusal", "", OLD_FORMS[7001][1], "reason", 1, "2026-11-29 10:00"),
        7002: ("import", "", OLD_FORMS[7002][1], "kind", 3, "2026-11-29 10:00"),
        7003: ("draw", "", OLD_FORMS[7003][1], "class", 4, "2026-11-29 10:00"),
    }

    await _downgrade(blank_url, "0010")
    async with engine.connect() as connection:
        back = (
            await connection.execute(
                text("SELECT user_id, kind, data, version FROM chat_forms ORDER BY user_id")
            )
        ).all()
        left = await connection.scalar(text("SELECT count(*) FROM form_drafts"))
    await engine.dispose()
    assert [(r[0], r[1], _json(r[2]), r[3]) for r in back] == [
        (user, kind, data, version) for user, (kind, data, version) in OLD_FORMS.items()
    ]
    assert left == 0


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value
