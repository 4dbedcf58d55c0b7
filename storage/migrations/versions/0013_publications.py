"""publications: each passed result version's publication deadline, and when it was published

一公开: a result is published within 20 working days of being formed (passing review). Each
passed version gets one row, its deadline computed once from the official calendar and kept;
``publish`` sets ``published_on`` the first time the version goes out.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-29 16:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "publications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("result_id", sa.Integer(), nullable=False),
        sa.Column("formed_on", sa.Date(), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("provisional", sa.Boolean(), nullable=False),
        sa.Column("published_on", sa.Date(), nullable=True),
        sa.Column("published_by", sa.String(length=100), nullable=True),
        sa.ForeignKeyConstraint(
            ["result_id"], ["inspection_results.id"], name="fk_publications_result_id"
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("result_id", name="uq_publications_result_id"),
    )


def downgrade() -> None:
    op.drop_table("publications")
