"""review chain: result versions, their transitions and the members' confirmations

A result may now have several versions (a resubmission after 有异议 or 审核退回, an amendment
after 通过): ``inspection_results`` gains ``version`` (1 for every existing row),
``previous_id``, ``amendment_reason`` and ``answers`` (the form's answers, to reopen it), and
its unique key becomes (assignment_id, version). Where a version stands is its last row in the
new append-only ``result_transitions``; each existing result gets its first (written →
submitted, by its submitter, at its submission). ``result_confirmations`` holds the members'
确认 / 有异议. Follow-ups gain who closed them, when, and the note.

On SQLite the results table is rebuilt (a unique key cannot be dropped in place): its
append-only triggers are dropped and made again, and foreign keys are checked at commit, when
the rebuilt table holds the same ids again.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-29 14:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.append_only import drop_append_only, make_append_only

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

_STATES = "'submitted', 'objected', 'pending_review', 'returned', 'passed'"


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        op.execute("PRAGMA defer_foreign_keys = ON")
    drop_append_only("inspection_results")
    with op.batch_alter_table("inspection_results", recreate="always" if sqlite else "never") as t:
        t.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
        t.add_column(sa.Column("previous_id", sa.Integer(), nullable=True))
        t.add_column(
            sa.Column("amendment_reason", sa.Text(), nullable=False, server_default="")
        )
        t.add_column(sa.Column("answers", sa.JSON(), nullable=True))
        t.drop_constraint("uq_inspection_results_assignment", type_="unique")
        t.create_unique_constraint(
            "uq_inspection_results_assignment_version", ["assignment_id", "version"]
        )
        t.create_foreign_key(
            "fk_inspection_results_previous_id", "inspection_results", ["previous_id"], ["id"]
        )
    make_append_only("inspection_results")

    op.create_table(
        "result_transitions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("result_id", sa.Integer(), nullable=False),
        sa.Column("from_state", sa.String(length=20), nullable=True),
        sa.Column("to_state", sa.String(length=20), nullable=False),
        sa.Column("actor", sa.String(length=60), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(f"to_state IN ({_STATES})", name="ck_result_transitions_to"),
        sa.ForeignKeyConstraint(
            ["result_id"], ["inspection_results.id"], name="fk_result_transitions_result_id"
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "result_id", "from_state", name="uq_result_transitions_result_from"
        ),
    )
    op.create_index("ix_result_transitions_result", "result_transitions", ["result_id", "id"])
    op.create_table(
        "result_confirmations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("result_id", sa.Integer(), nullable=False),
        sa.Column("cert_no", sa.String(length=40), nullable=False),
        sa.Column("verdict", sa.String(length=10), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "verdict IN ('confirm', 'object')", name="ck_result_confirmations_verdict"
        ),
        sa.ForeignKeyConstraint(
            ["result_id"], ["inspection_results.id"], name="fk_result_confirmations_result_id"
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "result_id", "cert_no", name="uq_result_confirmations_result_cert_no"
        ),
    )
    op.execute(
        "INSERT INTO result_transitions (result_id, from_state, to_state, actor, reason, at) "
        "SELECT id, NULL, 'submitted', submitted_by, '', submitted_at FROM inspection_results"
    )
    for table in ("result_transitions", "result_confirmations"):
        make_append_only(table)

    op.add_column("follow_ups", sa.Column("closed_by", sa.String(length=40), nullable=True))
    op.add_column(
        "follow_ups", sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.add_column(
        "follow_ups", sa.Column("close_note", sa.Text(), nullable=False, server_default="")
    )


def downgrade() -> None:
    """Back to one result per assignment: refused (by the unique key) while an assignment
    has a second version."""
    with op.batch_alter_table("follow_ups") as t:
        t.drop_column("close_note")
        t.drop_column("closed_at")
        t.drop_column("closed_by")
    for table in ("result_transitions", "result_confirmations"):
        drop_append_only(table)
    op.drop_table("result_confirmations")
    op.drop_index("ix_result_transitions_result", table_name="result_transitions")
    op.drop_table("result_transitions")
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        op.execute("PRAGMA defer_foreign_keys = ON")
    drop_append_only("inspection_results")
    with op.batch_alter_table("inspection_results", recreate="always" if sqlite else "never") as t:
        t.drop_constraint("fk_inspection_results_previous_id", type_="foreignkey")
        t.drop_constraint("uq_inspection_results_assignment_version", type_="unique")
        t.create_unique_constraint("uq_inspection_results_assignment", ["assignment_id"])
        t.drop_column("answers")
        t.drop_column("amendment_reason")
        t.drop_column("previous_id")
        t.drop_column("version")
    make_append_only("inspection_results")
