"""Drafts of chat forms (the form engine's answers so far), one row per open form.

Keyed so that one person can hold an inspection draft, a /draw draft and a recusal at once
(unique user and kind), and one assignment has one inspection draft whoever opens it (unique
kind and subject where there is a subject).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base, utcnow


class FormDraft(Base):
    __tablename__ = "form_drafts"
    __table_args__ = (
        UniqueConstraint("user_id", "kind", name="uq_form_drafts_user_kind"),
        Index(
            "uq_form_drafts_kind_subject",
            "kind",
            "subject",
            unique=True,
            sqlite_where=text("subject <> ''"),
            postgresql_where=text("subject <> ''"),
        ),
        Index("ix_form_drafts_updated_at", "updated_at"),
        # Ids are never reused (SQLite reuses the largest rowid after a delete otherwise): a
        # form's buttons name their draft, and must not reach a later one.
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(20))  # draw | recusal | import | inspection …
    subject: Mapped[str] = mapped_column(String(40), default="")  # an assignment id, or ""
    data: Mapped[dict[str, Any]]  # the answers (spotcheck.form)
    question: Mapped[str] = mapped_column(String(40), default="")  # the open question's key
    version: Mapped[int] = mapped_column(default=1)  # compare-and-set on every answer
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    warned_at: Mapped[datetime | None]  # when its holder was told it will expire
