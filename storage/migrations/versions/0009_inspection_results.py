"""inspection results: results, item answers, check-ins, evidence (append-only) and follow-ups

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29 10:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.append_only import drop_append_only, make_append_only

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

APPEND_ONLY = ("evidence", "inspection_results", "item_results", "checkins")


def upgrade() -> None:
    op.create_table(
        "evidence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assignment_id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("bytes", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("media_type", sa.String(length=10), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("exif_time", sa.DateTime(timezone=False), nullable=True),
        sa.Column("exif_latitude", sa.Double(), nullable=True),
        sa.Column("exif_longitude", sa.Double(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("telegram_file_unique_id", sa.String(length=100), nullable=True),
        sa.Column("received_by", sa.String(length=40), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("source IN ('photo', 'document')", name="ck_evidence_source"),
        sa.ForeignKeyConstraint(
            ["assignment_id"], ["assignments.id"], name="fk_evidence_assignment_id"
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("assignment_id", "sha256", name="uq_evidence_assignment_sha256"),
    )
    op.create_index("ix_evidence_assignment_id", "evidence", ["assignment_id"])
    op.create_index("ix_evidence_sha256", "evidence", ["sha256"])
    op.create_index(
        "ix_evidence_file_unique_id", "evidence", ["assignment_id", "telegram_file_unique_id"]
    )
    op.create_table(
        "inspection_results",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assignment_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("category", sa.String(length=30), nullable=False),
        sa.Column("findings", sa.Text(), nullable=False),
        sa.Column("submitted_by", sa.String(length=40), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["assignment_id"], ["assignments.id"], name="fk_inspection_results_assignment_id"
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("assignment_id", name="uq_inspection_results_assignment"),
    )
    op.create_table(
        "item_results",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("result_id", sa.Integer(), nullable=False),
        sa.Column("item_code", sa.String(length=40), nullable=False),
        sa.Column("answer", sa.String(length=20), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "answer IN ('ok', 'problem', 'not_applicable')", name="ck_item_results_answer"
        ),
        sa.ForeignKeyConstraint(
            ["result_id"], ["inspection_results.id"], name="fk_item_results_result_id"
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("result_id", "item_code", name="uq_item_results_result_item"),
    )
    op.create_table(
        "checkins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("result_id", sa.Integer(), nullable=False),
        sa.Column("latitude", sa.Double(), nullable=True),
        sa.Column("longitude", sa.Double(), nullable=True),
        sa.Column("distance_m", sa.Double(), nullable=True),
        sa.Column("flagged", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("checked_in_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["result_id"], ["inspection_results.id"], name="fk_checkins_result_id"
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("result_id", name="uq_checkins_result"),
    )
    op.create_table(
        "follow_ups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("result_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=True),
        sa.Column("agency", sa.String(length=200), nullable=True),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.CheckConstraint(
            "kind IN ('rectify', 'case', 'transfer', 'judicial')", name="ck_follow_ups_kind"
        ),
        sa.CheckConstraint("state IN ('open', 'closed')", name="ck_follow_ups_state"),
        sa.ForeignKeyConstraint(
            ["result_id"], ["inspection_results.id"], name="fk_follow_ups_result_id"
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_follow_ups_result_id", "follow_ups", ["result_id"])
    for table in APPEND_ONLY:
        make_append_only(table)


def downgrade() -> None:
    for table in APPEND_ONLY:
        drop_append_only(table)
    op.drop_index("ix_follow_ups_result_id", table_name="follow_ups")
    op.drop_table("follow_ups")
    op.drop_table("checkins")
    op.drop_table("item_results")
    op.drop_table("inspection_results")
    op.drop_index("ix_evidence_file_unique_id", table_name="evidence")
    op.drop_index("ix_evidence_sha256", table_name="evidence")
    op.drop_index("ix_evidence_assignment_id", table_name="evidence")
    op.drop_table("evidence")
