"""candidate lists stored once, content-addressed; the targets directory's version

A draw record no longer carries its candidate lists: each canonical list is stored once in
``candidate_lists`` under its SHA-256 (append-only), and the record names the hashes.
``directory_versions`` counts changes to the targets: triggers bump it on every insert, update
or delete, whoever writes, so ``list_cache`` can say which list a (scope, version) of the
directory encodes to without encoding it again.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-29 17:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.append_only import drop_append_only, make_append_only

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

_PG_BUMP = """
CREATE OR REPLACE FUNCTION shuangsuiji_bump_targets_version() RETURNS trigger AS $$
BEGIN
    UPDATE directory_versions SET version = version + 1 WHERE name = 'targets';
    RETURN NULL;
END
$$ LANGUAGE plpgsql
"""


def upgrade() -> None:
    op.create_table(
        "candidate_lists",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("items", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("sha256"),
    )
    make_append_only("candidate_lists")
    op.create_table(
        "list_cache",
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("scope", sa.String(length=10), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("kind", "scope", "version"),
    )
    op.create_table(
        "directory_versions",
        sa.Column("name", sa.String(length=20), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.execute("INSERT INTO directory_versions (name, version) VALUES ('targets', 0)")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_PG_BUMP)
        op.execute(
            "CREATE TRIGGER targets_version AFTER INSERT OR UPDATE OR DELETE ON targets "
            "FOR EACH STATEMENT EXECUTE FUNCTION shuangsuiji_bump_targets_version()"
        )
        return
    for verb in ("INSERT", "UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER targets_version_{verb.lower()} AFTER {verb} ON targets BEGIN "
            "UPDATE directory_versions SET version = version + 1 WHERE name = 'targets'; END"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS targets_version ON targets")
        op.execute("DROP FUNCTION IF EXISTS shuangsuiji_bump_targets_version()")
    else:
        for verb in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS targets_version_{verb}")
    op.drop_table("directory_versions")
    op.drop_table("list_cache")
    drop_append_only("candidate_lists")
    op.drop_table("candidate_lists")
