"""chat forms moved to form drafts: /draw, 申请回避 and /import are forms of the form engine

Each open ``chat_forms`` row becomes a ``form_drafts`` row of the same user, kind, data,
version and time (created when last answered: the older time is not kept), with its open
question read from the data where it can be (else ""); then ``chat_forms`` goes. A /draw
draft from before keeps its data as it was: the new wizard does not continue it (its buttons
changed shape), a new /draw replaces it. Downgrade recreates ``chat_forms`` empty of drafts
made since (a person may hold several drafts now; the table held one) and copies back one per
user, the most recently answered.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-29 11:20:00
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

# The /draw form's steps as of 0010 (bot/services/chat_draw.py then): the open one is the first
# still None.
_DRAW_STEPS = ("quarter", "level", "region", "class", "tag", "seed")
_KINDS = ("draw", "recusal", "import")

_chat_forms = sa.table(
    "chat_forms",
    sa.column("user_id", sa.BigInteger()),
    sa.column("kind", sa.String()),
    sa.column("data", sa.JSON()),
    sa.column("version", sa.Integer()),
    sa.column("updated_at", sa.DateTime(timezone=True)),
)
_form_drafts = sa.table(
    "form_drafts",
    sa.column("user_id", sa.BigInteger()),
    sa.column("kind", sa.String()),
    sa.column("subject", sa.String()),
    sa.column("data", sa.JSON()),
    sa.column("question", sa.String()),
    sa.column("version", sa.Integer()),
    sa.column("created_at", sa.DateTime(timezone=True)),
    sa.column("updated_at", sa.DateTime(timezone=True)),
)


def _data(raw: Any) -> dict[str, Any]:
    loaded = json.loads(raw) if isinstance(raw, str) else raw
    return dict(loaded) if isinstance(loaded, dict) else {}


def question_of(kind: str, data: dict[str, Any]) -> str:
    """The open question of an old form, read from its data; "" when it cannot be told."""
    if kind == "recusal":
        return "reason"
    if kind == "import":
        return "kind" if "file_id" in data else "file"
    if kind == "draw":
        return next((step for step in _DRAW_STEPS if data.get(step) is None), "preview")
    return ""


def upgrade() -> None:
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(
            _chat_forms.c.user_id,
            _chat_forms.c.kind,
            _chat_forms.c.data,
            _chat_forms.c.version,
            _chat_forms.c.updated_at,
        )
    ).all()
    drafts = [
        {
            "user_id": user_id,
            "kind": kind,
            "subject": "",
            "data": _data(data),
            "question": question_of(kind, _data(data)),
            "version": version,
            "created_at": updated_at,
            "updated_at": updated_at,
        }
        for user_id, kind, data, version, updated_at in rows
    ]
    if drafts:
        op.bulk_insert(_form_drafts, drafts)
    op.drop_table("chat_forms")


def downgrade() -> None:
    op.create_table(
        "chat_forms",
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_chat_forms")),
        sa.CheckConstraint(
            "kind IN ('draw', 'recusal', 'import')", name=op.f("ck_chat_forms_kind")
        ),
    )
    rows = (
        op.get_bind()
        .execute(
            sa.select(
                _form_drafts.c.user_id,
                _form_drafts.c.kind,
                _form_drafts.c.data,
                _form_drafts.c.version,
                _form_drafts.c.updated_at,
            )
            .where(_form_drafts.c.kind.in_(_KINDS))
            .order_by(_form_drafts.c.updated_at.desc())
        )
        .all()
    )
    kept: dict[int, dict[str, Any]] = {}
    for user_id, kind, data, version, updated_at in rows:
        kept.setdefault(
            user_id,
            {
                "user_id": user_id,
                "kind": kind,
                "data": _data(data),
                "version": version,
                "updated_at": updated_at,
            },
        )
    if kept:
        op.bulk_insert(_chat_forms, list(kept.values()))
    op.execute(_form_drafts.delete().where(_form_drafts.c.kind.in_(_KINDS)))
