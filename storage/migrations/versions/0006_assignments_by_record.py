"""assignments found by their record (a draw reads back its new tasks' ids; pushes go by record)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28 08:05:00
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_assignments_record_id", "assignments", ["record_id"])


def downgrade() -> None:
    op.drop_index("ix_assignments_record_id", table_name="assignments")
