"""form drafts: the form engine's answers so far, one per person and kind, one per assignment

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29 10:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "form_drafts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("subject", sa.String(length=40), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("question", sa.String(length=40), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("warned_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("user_id", "kind", name="uq_form_drafts_user_kind"),
        # ids never reused: a form's buttons name their draft (bot/callback_data.py)
        sqlite_autoincrement=True,
    )
    op.create_index(
        "uq_form_drafts_kind_subject",
        "form_drafts",
        ["kind", "subject"],
        unique=True,
        sqlite_where=sa.text("subject <> ''"),
        postgresql_where=sa.text("subject <> ''"),
    )
    op.create_index("ix_form_drafts_updated_at", "form_drafts", ["updated_at"])


def downgrade() -> None:
    op.drop_index("ix_form_drafts_updated_at", table_name="form_drafts")
    op.drop_index("uq_form_drafts_kind_subject", table_name="form_drafts")
    op.drop_table("form_drafts")
