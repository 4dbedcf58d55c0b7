"""CHECK constraints: stored states and kinds hold only the values their enums name

The values are copied here (spotcheck/states.py, spotcheck/quota.TaskKind,
spotcheck/reminders.Duty as of this revision): a migration must not change when the code does.

On SQLite a CHECK needs the table rebuilt (batch mode). That is done for the tables no other
table references. ``assignments`` and ``draw_records`` are referenced by foreign keys, which
this database enforces: dropping the old table inside the migration's transaction fails while
rows point at it, so on SQLite those two keep their checks in the code alone.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29 10:30:00
"""

from __future__ import annotations

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

# (table, column): the values allowed. Rebuilt on SQLite: nothing references these tables.
CHECKS = {
    ("assignment_members", "state"): ("assigned", "accepted", "replaced"),
    ("assignment_members", "person_kind"): ("inspector", "expert"),
    ("conflicts", "source"): ("declared", "imported", "recusal"),
    ("outbox", "state"): ("pending", "sending", "sent", "failed"),
    ("chat_forms", "kind"): ("draw", "recusal", "import"),
    ("submissions", "duty"): ("summary", "statistics"),
}
# Referenced by foreign keys: PostgreSQL only (see above).
REFERENCED_CHECKS = {
    ("assignments", "state"): ("assigned", "superseded"),
    ("assignments", "kind"): ("onsite", "offsite"),
    ("draw_records", "kind"): ("draw", "replacement"),
}


def _condition(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _checks() -> dict[tuple[str, str], tuple[str, ...]]:
    if op.get_bind().dialect.name == "sqlite":
        return CHECKS
    return {**CHECKS, **REFERENCED_CHECKS}


def _tables() -> dict[str, list[tuple[str, tuple[str, ...]]]]:
    by_table: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
    for (table, column), values in _checks().items():
        by_table.setdefault(table, []).append((column, values))
    return by_table


def upgrade() -> None:
    for table, columns in _tables().items():
        with op.batch_alter_table(table) as batch_op:
            for column, values in columns:
                batch_op.create_check_constraint(
                    op.f(f"ck_{table}_{column}"), _condition(column, values)
                )


def downgrade() -> None:
    for table, columns in _tables().items():
        with op.batch_alter_table(table) as batch_op:
            for column, _ in columns:
                batch_op.drop_constraint(op.f(f"ck_{table}_{column}"), type_="check")
