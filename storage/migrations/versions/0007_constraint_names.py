"""constraint names by one convention (pk_, uq_, fk_) in databases made before it

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29 10:40:00

The models name every constraint by a convention (storage.models.NAMING_CONVENTION), and
Alembic's operations follow it: 0001–0006 now create `pk_tags`, `uq_tags_kind_name`,
`fk_draw_records_plan_id_draw_plans`. A database made before that has PostgreSQL's own names
(`tags_pkey`, `tags_kind_name_key`, `draw_records_plan_id_fkey`) or, on SQLite, no names at
all. This migration gives those the convention's names, so that every database names its
constraints alike and a later migration can drop or alter one by name. A database that has them
already is left as it is.

PostgreSQL renames in place. SQLite cannot rename a constraint, and rebuilding a table would
drop its rows' parents under the foreign keys (and the append-only triggers); a constraint's
name is only text in the table's CREATE statement, though, and changes nothing stored, so the
statements are rewritten as SQLite documents for such changes ("ALTER TABLE", section 7:
writable_schema, a new schema_version, then integrity_check).
"""

from __future__ import annotations

import re
from typing import Any

from alembic import op
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

# The tables as of 0006: a later table is created with its names already.
TABLES = (
    "assignment_members",
    "assignments",
    "audit_log",
    "chat_forms",
    "conflicts",
    "draw_commitments",
    "draw_plans",
    "draw_records",
    "experts",
    "handled_updates",
    "inspection_items",
    "inspectors",
    "invites",
    "outbox",
    "policy_documents",
    "reminder_ledger",
    "strangers",
    "submissions",
    "tags",
    "targets",
    "telegram_accounts",
)


# The convention as of this migration (storage.models.NAMING_CONVENTION may grow later).
def _pk(table: str) -> str:
    return f"pk_{table}"


def _uq(table: str, columns: list[str]) -> str:
    return f"uq_{table}_{'_'.join(columns)}"


def _fk(table: str, columns: list[str], referred: str) -> str:
    return f"fk_{table}_{columns[0]}_{referred}"


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        _rename_on_postgresql(bind)
    elif bind.dialect.name == "sqlite":
        _name_on_sqlite(bind)


def downgrade() -> None:
    """Nothing to undo: 0001–0006 create these names themselves now."""


def _renames(bind: Connection, table: str) -> list[tuple[str, str]]:
    """(current name, convention name) of the table's primary key, unique and foreign keys."""
    inspector = inspect(bind)
    found: list[tuple[str, str]] = []
    pk = inspector.get_pk_constraint(table)
    if pk.get("constrained_columns"):
        found.append((pk.get("name") or "", _pk(table)))
    for unique in inspector.get_unique_constraints(table):
        found.append((unique.get("name") or "", _uq(table, list(unique["column_names"]))))
    for key in inspector.get_foreign_keys(table):
        name = _fk(table, list(key["constrained_columns"]), key["referred_table"])
        found.append((key.get("name") or "", name))
    return [(old, new) for old, new in found if old != new]


def _rename_on_postgresql(bind: Connection) -> None:
    present = set(inspect(bind).get_table_names())
    for table in TABLES:
        if table not in present:
            continue
        for old, new in _renames(bind, table):
            op.execute(f'ALTER TABLE "{table}" RENAME CONSTRAINT "{old}" TO "{new}"')


# A table-level constraint as SQLAlchemy writes it, not yet named: after the opening
# parenthesis or a comma, `PRIMARY KEY (a)`, `UNIQUE (a, b)`, `FOREIGN KEY(a) REFERENCES t (id)`.
_UNNAMED = re.compile(
    r"(?P<lead>[(,]\s*)(?P<kind>PRIMARY KEY|UNIQUE|FOREIGN KEY)\s*\((?P<columns>[^)]*)\)"
    r"(?:\s*REFERENCES\s+\"?(?P<referred>\w+)\"?)?",
    re.IGNORECASE,
)


def _named_sql(table: str, sql: str) -> str:
    def name(match: re.Match[str]) -> str:
        columns = [c.strip().strip('"') for c in match["columns"].split(",")]
        kind = match["kind"].upper()
        if kind == "PRIMARY KEY":
            constraint = _pk(table)
        elif kind == "UNIQUE":
            constraint = _uq(table, columns)
        else:
            constraint = _fk(table, columns, match["referred"])
        return f"{match['lead']}CONSTRAINT {constraint} {match[0][len(match['lead']) :]}"

    return _UNNAMED.sub(name, sql)


def _name_on_sqlite(bind: Connection) -> None:
    rows = bind.exec_driver_sql("SELECT name, sql FROM sqlite_master WHERE type = 'table'")
    statements: dict[str, Any] = {str(n): str(s) for n, s in rows if n in TABLES}
    changed = {t: _named_sql(t, s) for t, s in statements.items()}
    changed = {t: s for t, s in changed.items() if s != statements[t]}
    if not changed:
        return
    bind.exec_driver_sql("PRAGMA writable_schema = ON")
    try:
        for table, sql in changed.items():
            bind.exec_driver_sql(
                "UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = ?", (sql, table)
            )
        # Read inside the transaction the first UPDATE began (the driver opens none for a
        # PRAGMA), so no other writer's schema change slips in between.
        version = int(bind.exec_driver_sql("PRAGMA schema_version").scalar_one())
        bind.exec_driver_sql(f"PRAGMA schema_version = {version + 1}")
    finally:
        bind.exec_driver_sql("PRAGMA writable_schema = OFF")
    check = list(bind.exec_driver_sql("PRAGMA integrity_check").scalars())
    if check != ["ok"]:
        raise RuntimeError(f"integrity_check after naming constraints: {check}")
